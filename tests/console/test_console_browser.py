"""The console in a real browser: Debian's Chromium driven by Playwright against ``hotline serve``
(with its in-process outbox worker) on SQLite, the fake Twilio on the other side.

One story: a relative texts about a person with a wrong second surname, so no record matches and
a case opens; an operator sees it appear in the live queue, links it to the right record, and the
relative receives the verified answer by SMS. Then the four-eyes rule for a death, and the death
notification recorded before the case may be closed. Screenshots go to test-artifacts/.

Runs once (SQLite, whatever ``--db`` says): the browser adds nothing a second database would
test. All persons, numbers and texts are FICTIONAL.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.auth import create_user
from bot.matching.keys import person_keys
from db.models import Case, Conversation, Incident, OutboundMessage, Person
from db.repositories.status import NewReport, append_report
from db.session import make_engine
from tests.channels.helpers import provider_env
from tests.fakes import FakeTwilio
from tests.support import ROOT, free_port, hotline_env, running_hotline

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts" / "console"
PASSWORD = "contraseña-de-prueba-1"  # fictional
RELATIVE = "+50255577123"  # fictional
LOCATION = "Hospital General Ficticio, Ciudad Juárez"


def wait_for(condition: Callable[[], object], what: str, timeout: float = 30.0) -> object:
    """Poll until ``condition()`` is truthy (the server and its worker run in another process)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def browser_db(_sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, sessionmaker[Session]]]:
    path = tmp_path / "browser.db"
    shutil.copyfile(_sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    yield url, sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def person_id(browser_db: tuple[str, sessionmaker[Session]]) -> int:
    _, factory = browser_db
    with factory.begin() as s:
        for username in ("olga", "otto"):
            create_user(s, username, "operator", PASSWORD, actor="test")
        incident = Incident(name="Incendio ficticio (navegador)")
        s.add(incident)
        s.flush()
        given, surnames = "Rigoberto Andrés", "Quiñónez Paredes"
        person = Person(incident_id=incident.id, given_names=given, surnames=surnames, nationality="GT",
                        birth_date=date(1994, 7, 15), **person_keys(given, surnames))
        s.add(person)
        s.flush()
        append_report(s, person, NewReport("hospitalized", LOCATION, "Lista ficticia de ingresos 28/03 14:00",
                                           verified_at=datetime(2026, 11, 20, 16, 0, tzinfo=UTC)), actor="test")
        return person.id


@pytest.fixture
def server(browser_db: tuple[str, sessionmaker[Session]], fake_twilio: FakeTwilio, person_id: int) -> Iterator[str]:
    url, _ = browser_db
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = hotline_env(url, HOTLINE_PUBLIC_URL=base, **provider_env(twilio=fake_twilio))
    with running_hotline(["serve", "--port", str(port)], env, port) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def sms(fake: FakeTwilio, base: str, body: str) -> None:
    r = fake.deliver_inbound(base + "/webhooks/twilio/sms", {"From": RELATIVE, "Body": body})
    assert r.status_code == 200, r.text


def login(browser: object, base: str, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-MX")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(base + "/console")
    assert page.url.startswith(base + "/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Entrar')")
    page.wait_for_url(re.compile(r".*/console$"))
    return page


def test_an_operator_answers_an_escalated_sms_and_a_death_needs_four_eyes(
    server: str, browser: object, fake_twilio: FakeTwilio, browser_db: tuple[str, sessionmaker[Session]],
    person_id: int,
) -> None:
    _, factory = browser_db
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    olga = login(browser, server, "olga")
    assert "No hay casos abiertos" in olga.inner_text("#queue-rows")

    # The relative texts while the queue is open; a wrong second surname: no record matches.
    for body in ("Hola", "Rigoberto Paredes López", "15 de julio de 1994", "guatemalteco", "SI"):
        sms(fake_twilio, server, body)
    def opened() -> Case | None:  # the turn worker answers after the webhook: wait for it
        with factory() as s:
            return s.scalars(select(Case)).one_or_none()

    case = wait_for(opened, "the case the relative's messages open")  # type: ignore[assignment]
    assert case.reason == "no_match" and case.person_id is None
    # The queue shows it without a reload (console.js polls the rows).
    row = olga.locator(f"#queue-rows tr:has-text('{case.reference}')")
    row.wait_for(timeout=15000)
    assert "+502 ****7123" in row.inner_text() and RELATIVE not in olga.content()
    olga.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)

    olga.click(f"a:has-text('{case.reference}')")
    olga.wait_for_url(re.compile(rf".*/console/cases/{case.id}$"))
    assert "Rigoberto Paredes López" in olga.inner_text("main")
    olga.click("button:has-text('Tomar el caso')")
    olga.wait_for_selector("text=Caso asignado a usted.")
    olga.screenshot(path=str(ARTIFACTS / "case.png"), full_page=True)
    olga.fill("input[name=person_id_manual]", str(person_id))
    olga.click("button:has-text('Vincular al registro')")
    olga.wait_for_selector("#link-result")
    assert "Se envió al familiar la información verificada." in olga.inner_text("#link-result")

    # The worker inside `hotline serve` sends it; the relative gets the verified answer by SMS.
    answer = wait_for(lambda: [b for b in fake_twilio.bodies_to(RELATIVE) if "Hospital General Ficticio" in b],
                      "the verified answer on the fake Twilio")
    assert "Rigoberto" in answer[0]  # type: ignore[index]
    texts_before_death = list(fake_twilio.bodies_to(RELATIVE))

    # Four eyes: Olga proposes a death; she cannot confirm it, Otto can.
    olga.goto(f"{server}/console/persons/{person_id}")
    olga.select_option("select[name=status]", "deceased")
    olga.fill("input[name=source]", "Fiscalía ficticia, acta 3, 29/03 10:00")
    olga.click("button:has-text('Registrar el estado')")
    olga.wait_for_selector("#pending")
    assert "Usted hizo esta propuesta" in olga.inner_text("#pending")
    assert olga.locator("button:has-text('Confirmar fallecimiento')").count() == 0
    assert olga.inner_text("#current-status") == "Hospitalizado"

    otto = login(browser, server, "otto")
    otto.goto(f"{server}/console/persons/{person_id}")
    otto.click("button:has-text('Confirmar fallecimiento')")
    otto.wait_for_selector("text=Fallecimiento confirmado")
    assert otto.inner_text("#current-status") == "Fallecido"

    # The relative who follows the person now has an urgent case for a call, and no text.
    with factory() as s:
        urgent = s.scalars(select(Case).where(Case.status != "resolved")).one()
        conversation = s.get(Conversation, urgent.conversation_id)
        assert conversation is not None and conversation.address == RELATIVE
        unsent = s.scalars(select(OutboundMessage).where(OutboundMessage.status.in_(("queued", "sending")))).all()
    assert (urgent.reason, urgent.priority) == ("death_notification", "urgent") and unsent == []
    assert fake_twilio.bodies_to(RELATIVE) == texts_before_death

    otto.goto(f"{server}/console/queue")
    otto.locator("#queue-rows tr").first.wait_for()
    assert "Urgente" in otto.locator("#queue-rows tr").first.inner_text()
    otto.click(f"a:has-text('{urgent.reference}')")
    otto.wait_for_selector("text=debe llamar a la familia")
    # The death reopened Olga's case as urgent: it is still hers, so Otto takes it over deliberately
    # (Olga is told) before acting on it.
    assert urgent.assignee_id is not None and "olga" in otto.inner_text("#held-warning")
    otto.click("button:has-text('Tomar el caso de todos modos')")
    otto.wait_for_selector("text=Caso asignado a usted.")
    # Closing before the call is recorded is refused.
    otto.fill("#resolve-form textarea[name=note]", "familia informada")
    otto.click("button:has-text('Resolver el caso')")
    otto.wait_for_selector("p.error")
    assert "registre primero la notificación" in otto.inner_text("p.error")
    otto.fill("#death-form textarea[name=note]", "Otto llamó a la madre (ficticio) el 29/03 a las 11:00")
    otto.click("button:has-text('Registrar la notificación')")
    otto.wait_for_selector("text=Notificación de fallecimiento registrada.")
    otto.fill("#resolve-form textarea[name=note]", "familia informada por teléfono")
    otto.click("button:has-text('Resolver el caso')")
    otto.wait_for_selector("text=Caso resuelto.")
    otto.screenshot(path=str(ARTIFACTS / "case-resolved.png"), full_page=True)
    assert fake_twilio.bodies_to(RELATIVE) == texts_before_death

    # A tablet in portrait: the queue still renders its rows (stacked).
    tablet = browser.new_context(viewport={"width": 768, "height": 1024}).new_page()  # type: ignore[attr-defined]
    tablet.goto(server + "/console/login")
    tablet.fill("input[name=username]", "olga")
    tablet.fill("input[name=password]", PASSWORD)
    tablet.click("button:has-text('Entrar')")
    tablet.wait_for_url(re.compile(r".*/console$"))
    tablet.screenshot(path=str(ARTIFACTS / "queue-tablet.png"), full_page=True)
    assert tablet.locator("header.top nav a").count() == 4  # an operator sees no admin pages (and "Mi cuenta")


def test_an_operator_enrols_a_second_factor_and_logs_in_with_a_code(server: str, browser: object) -> None:
    """TOTP in a real browser: enrolment shows the QR and the otpauth URI, a code from pyotp (standing in
    for the phone's app) activates it and shows ten recovery codes; the next login asks for a code;
    logging out ends the session on the server."""
    import pyotp

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    olga = login(browser, server, "olga")
    olga.click("a:has-text('Mi cuenta')")
    olga.click("a:has-text('Activar el segundo factor')")
    olga.wait_for_selector("#totp-qr svg")
    assert olga.inner_text("#totp-uri").startswith("otpauth://totp/")
    secret = olga.inner_text("#totp-secret").strip()
    olga.screenshot(path=str(ARTIFACTS / "second-factor-enrol.png"), full_page=True)
    totp = pyotp.TOTP(secret)
    olga.fill("input[name=code]", totp.now())
    olga.click("button:has-text('Activar')")
    olga.wait_for_selector("#recovery-codes")
    assert olga.locator("#recovery-codes li").count() == 10
    olga.click("button:has-text('Salir')")
    olga.wait_for_url(re.compile(r".*/console/login\?salida=1$"))

    page = olga.context.new_page()
    page.goto(server + "/console")
    page.fill("input[name=username]", "olga")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Entrar')")
    page.wait_for_url(re.compile(r".*/console/login/code.*"))
    page.fill("input[name=code]", "000000")
    page.click("button:has-text('Verificar')")
    page.wait_for_selector("p.error")
    assert "no es válido" in page.inner_text("p.error")
    # The enrolment used the current 30-second step; a code is never accepted twice, so the next one.
    page.fill("input[name=code]", totp.at(time.time() + 30))
    page.click("button:has-text('Verificar')")
    page.wait_for_url(re.compile(r".*/console$"))
    assert "olga" in page.inner_text("header .who")
    page.screenshot(path=str(ARTIFACTS / "second-factor-logged-in.png"), full_page=True)
