"""Calling the family through the hotline, in a real browser (Debian's Chromium, Playwright) against
``hotline serve`` on SQLite with the web chat on and the fake Twilio on the other side.

A relative asks on the web chat about a person whose record says deceased; the bot says only that a
person will call and asks for a number, which the relative gives. The operator opens the urgent
case, sees the number only masked, presses "Llamar"; the fake Twilio rings the operator's phone,
then the relative's, both from the hotline's number (it records the legs). The call fills the
death-notification form; the operator completes and records it, and resolves the case.

All persons, numbers and texts are FICTIONAL.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.auth import create_user
from bot.matching.keys import person_keys
from db.models import Case, CaseCall, Incident, Person
from db.repositories.status import NewReport, append_report
from db.session import make_engine
from tests.channels.helpers import provider_env
from tests.console.test_console_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, login, wait_for
from tests.fakes import FakeTwilio
from tests.support import free_port, hotline_env, running_hotline

pytestmark = pytest.mark.browser

OLGA_PHONE = "+50255590200"  # fictional
GIVEN_NUMBER = "+502 5412 3456"  # fictional: what the relative types
GIVEN_E164 = "+50254123456"


@pytest.fixture
def call_db(_sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, sessionmaker[Session]]]:
    path = tmp_path / "calls.db"
    shutil.copyfile(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield f"sqlite:///{path}", sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def call_server(call_db: tuple[str, sessionmaker[Session]], fake_twilio: FakeTwilio) -> Iterator[str]:
    url, factory = call_db
    with factory.begin() as s:
        create_user(s, "olga", "operator", PASSWORD, actor="test", phone=OLGA_PHONE)
        incident = Incident(name="Incendio ficticio (llamadas)")
        s.add(incident)
        s.flush()
        given, surnames = "Marcelino", "Ficticio Ejemplar"
        person = Person(incident_id=incident.id, given_names=given, surnames=surnames, nationality="HN",
                        birth_date=date(1988, 3, 12), **person_keys(given, surnames))
        s.add(person)
        s.flush()
        append_report(s, person, NewReport("deceased", "Servicio médico forense ficticio", "Acta ficticia 12",
                                           verified_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC)), actor="test")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = hotline_env(url, HOTLINE_PUBLIC_URL=base, HOTLINE_WEBCHAT="1", WEBCHAT_MESSAGES_PER_MINUTE="0",
                      **provider_env(twilio=fake_twilio))
    with running_hotline(["serve", "--port", str(port)], env, port) as running:
        yield running


def test_a_web_chat_relative_gives_a_number_and_the_operator_calls_through_the_hotline(
    call_server: str, chromium: Any, fake_twilio: FakeTwilio, call_db: tuple[str, sessionmaker[Session]]
) -> None:
    _, factory = call_db
    base = call_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    chat = chromium.new_context(viewport={"width": 420, "height": 860}, locale="es-MX").new_page()
    chat.goto(base + "/chat")
    chat.fill("#t", "Busco a Marcelino Ficticio Ejemplar, nació el 12/03/1988")
    chat.click("#send")
    chat.locator(".msg.bot", has_text="¿A qué número de teléfono podemos llamarle?").wait_for(timeout=20000)
    bot_said = " ".join(chat.locator(".msg.bot").all_inner_texts()).lower()
    assert "falle" not in bot_said and "muri" not in bot_said  # never a death in writing
    chat.fill("#t", f"mi número es {GIVEN_NUMBER}")
    chat.click("#send")
    chat.locator(".msg.bot", has_text="Le llamaremos a ese número").wait_for(timeout=20000)
    with factory() as s:
        case = s.scalars(select(Case)).one()
    assert (case.priority, case.reason, case.callback_phone) == ("urgent", "death_notification", GIVEN_E164)

    olga = login(chromium, base, "olga")
    olga.locator(f"#queue-rows tr:has-text('{case.reference}')").wait_for(timeout=15000)
    olga.click(f"a:has-text('{case.reference}')")
    olga.wait_for_url(re.compile(rf".*/console/cases/{case.id}$"))
    assert olga.inner_text("#call-number") == "+502 ****3456"
    olga.click("#call-button")
    olga.wait_for_selector("text=Llamada en curso")

    # Twilio (the fake) rings Olga's phone from the hotline's number, she answers, the family is
    # dialled from the hotline's number too; they talk for three minutes.
    [create] = wait_for(lambda: fake_twilio.calls_of("calls.create"), "the call request at the fake Twilio")  # type: ignore[misc]
    responses = fake_twilio.run_call(create["sid"], lambda url, headers, form: httpx.post(url, data=form,
                                                                                         headers=headers, timeout=10),
                                     seconds=183)
    assert all(r.status_code in (200, 204) for r in responses), [r.text for r in responses]
    operator_leg, family_leg = fake_twilio.call_legs
    assert (operator_leg["to"], operator_leg["from"]) == (OLGA_PHONE, fake_twilio.phone_number)
    assert (family_leg["to"], family_leg["from"]) == (GIVEN_E164, fake_twilio.phone_number)
    assert (family_leg["status"], family_leg["duration"]) == ("completed", 183)

    olga.reload()
    olga.wait_for_selector("#calls-table")
    assert "Conversación con la familia" in olga.inner_text("#calls-table")
    note = olga.input_value("#death-form textarea[name=note]")
    assert note.startswith("olga llamó a la familia (+502 ****3456) por la línea el ") and "3 min 03 s" in note
    assert GIVEN_E164 not in olga.content() and "54123456" not in olga.content()
    olga.screenshot(path=str(ARTIFACTS / "call-completed.png"), full_page=True)
    olga.fill("#death-form textarea[name=note]", note + "se comunicó el fallecimiento a la hermana (ficticio).")
    olga.click("button:has-text('Registrar la notificación')")
    olga.wait_for_selector("text=Notificación de fallecimiento registrada.")
    olga.fill("#resolve-form textarea[name=note]", "familia informada por teléfono (ficticio)")
    olga.click("button:has-text('Resolver el caso')")
    olga.wait_for_selector("text=Caso resuelto.")

    with factory() as s:
        done = s.get(Case, case.id)
        call = s.scalars(select(CaseCall)).one()
    assert done is not None and done.status == "resolved" and done.death_notified_by == "user:olga"
    assert (call.outcome, call.relative_seconds) == ("connected", 183)
    # The relative was never written anything about the death.
    assert "falle" not in " ".join(chat.locator(".msg.bot").all_inner_texts()).lower()
