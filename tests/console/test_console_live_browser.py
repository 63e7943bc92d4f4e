"""Nothing waits unseen, and two operators never collide — in a real browser (Debian's Chromium,
Playwright) against ``hotline serve`` on SQLite with the fake Twilio:

- a new urgent case announces itself on the page the operator is on (the line at the top, the
  title's count, a desktop notification once allowed); the case page shows what the relative
  writes without a reload, the newest message in view; search by reference and by the last digits
  of the number; an ended session says so;
- two operators: the second is warned that the first holds the case and takes it over
  deliberately, the first is told; a death proposed by one is confirmed by the other from the alert.

All persons, numbers and texts are FICTIONAL.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.auth import create_user
from bot.matching.keys import person_keys
from db.base import utcnow
from db.models import Case, Incident, OperatorSession, Person
from db.repositories.status import NewReport, append_report
from db.session import make_engine
from tests.channels.helpers import provider_env
from tests.console.test_console_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, login, wait_for
from tests.fakes import FakeTwilio
from tests.support import free_port, hotline_env, running_hotline

pytestmark = pytest.mark.browser

RELATIVE = "+50255577456"  # fictional
# Records every desktop notification the page makes (the real one needs a desktop to show on).
NOTIFICATION_SPY = """
window.__notifications = [];
(function () {
  var Real = window.Notification;
  function Spy(title, options) { window.__notifications.push((options || {}).body || title); }
  Spy.permission = "granted";
  Spy.requestPermission = function () { return Promise.resolve("granted"); };
  window.Notification = Spy;
})();
"""


@pytest.fixture
def live_db(_sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, sessionmaker[Session]]]:
    path = tmp_path / "live.db"
    shutil.copyfile(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as s:
        for username in ("olga", "otto"):
            create_user(s, username, "operator", PASSWORD, actor="test")
        incident = Incident(name="Incendio ficticio (en vivo)")
        s.add(incident)
        s.flush()
        for given, surnames, born, status in (("Marcelino", "Ficticio Ejemplar", date(1988, 3, 12), "deceased"),
                                              ("Rigoberto Andrés", "Quiñónez Paredes", date(1994, 7, 15),
                                               "hospitalized")):
            person = Person(incident_id=incident.id, given_names=given, surnames=surnames, nationality="GT",
                            birth_date=born, **person_keys(given, surnames))
            s.add(person)
            s.flush()
            append_report(s, person, NewReport(status, "Lugar ficticio", "Acta ficticia 5",
                                               verified_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC)), actor="test")
    yield f"sqlite:///{path}", factory
    engine.dispose()


@pytest.fixture
def live_server(live_db: tuple[str, sessionmaker[Session]], fake_twilio: FakeTwilio) -> Iterator[str]:
    url, _ = live_db
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = hotline_env(url, HOTLINE_PUBLIC_URL=base, **provider_env(twilio=fake_twilio))
    with running_hotline(["serve", "--port", str(port)], env, port) as running:
        yield running


@pytest.fixture
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def first_case(factory: sessionmaker[Session]) -> Case | None:
    # A session closed at once: on SQLite every transaction holds the write lock (db/session.py).
    with factory() as s:
        return s.scalars(select(Case)).first()


def sms(fake: FakeTwilio, base: str, body: str) -> None:
    r = fake.deliver_inbound(base + "/webhooks/twilio/sms", {"From": RELATIVE, "Body": body})
    assert r.status_code == 200, r.text


def spied_login(chromium: Any, base: str, username: str) -> Any:
    page = login(chromium, base, username)
    page.context.add_init_script(NOTIFICATION_SPY)
    page.reload()
    return page


def test_an_urgent_case_announces_itself_and_the_case_page_updates_live(
    live_server: str, chromium: Any, fake_twilio: FakeTwilio, live_db: tuple[str, sessionmaker[Session]]
) -> None:
    _, factory = live_db
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    olga = spied_login(chromium, live_server, "olga")
    olga.goto(live_server + "/console/persons")  # any page: the alerts follow the operator
    olga.wait_for_function("document.getElementById('desktop-toggle').textContent.includes('activados')")
    time.sleep(1)  # the first poll remembers what is already open (nothing)

    sms(fake_twilio, live_server, "Busco a Marcelino Ficticio Ejemplar, nació el 12/03/1988")
    case = wait_for(lambda: first_case(factory), "the urgent case")
    assert isinstance(case, Case) and case.priority == "urgent"
    olga.wait_for_selector("#urgent-alert:not([hidden])", timeout=15000)
    assert case.reference in olga.inner_text("#urgent-alert")
    assert olga.title().startswith("(1) ")
    assert olga.evaluate("window.__notifications") == [f"Nuevo caso urgente: {case.reference}"]
    olga.screenshot(path=str(ARTIFACTS / "urgent-announced.png"), full_page=True)

    # The case page: the newest message in view, and what the relative writes appears by itself.
    olga.click("#urgent-alert a")
    olga.wait_for_url(re.compile(rf".*/console/cases/{case.id}$"))
    sms(fake_twilio, live_server, "¿Me van a llamar pronto? Estoy esperando (ficticio)")
    olga.locator("#transcript li", has_text="Estoy esperando (ficticio)").wait_for(timeout=15000)
    at_bottom = olga.evaluate("(() => { const t = document.getElementById('transcript');"
                              " return t.scrollHeight - t.scrollTop - t.clientHeight < 5; })()")
    assert at_bottom
    # The newest lines are the relative's message and, once the bot answered, its reply.
    assert any(t.endswith("Estoy esperando (ficticio)") for t in olga.locator("#transcript li.msg").all_inner_texts()[-2:])

    # Keyboard: "r" goes to the reply box; "?" shows the shortcuts; "/" the search, from any page.
    olga.locator("body").click(position={"x": 5, "y": 5})
    olga.keyboard.press("?")
    assert olga.is_visible("#shortcuts-help")
    olga.keyboard.press("Escape")
    olga.keyboard.press("r")
    assert olga.evaluate("document.activeElement.id") == "reply-text"
    olga.locator("body").click(position={"x": 5, "y": 5})
    olga.keyboard.press("/")
    olga.wait_for_url(re.compile(r".*/console/queue#buscar$"))
    assert olga.evaluate("document.activeElement.id") == "q"

    # Search by reference and by the last digits of the number.
    olga.goto(live_server + "/console/queue?vista=cerrados")
    olga.fill("#q", case.reference.lower())
    olga.press("#q", "Enter")
    olga.locator(f"#queue-rows a:has-text('{case.reference}')").wait_for()
    olga.fill("#q", RELATIVE[-4:])
    olga.press("#q", "Enter")
    olga.locator(f"#queue-rows a:has-text('{case.reference}')").wait_for()
    assert RELATIVE not in olga.content()

    # The page's own refreshes (alerts every 5 s, the queue every 4 s) are not the operator: an open
    # tab left alone must still reach the idle timeout.
    with factory.begin() as s:
        s.execute(update(OperatorSession).values(last_seen_at=utcnow() - timedelta(minutes=29)))
    time.sleep(11)
    with factory() as s:
        seen = list(s.scalars(select(OperatorSession.last_seen_at).where(OperatorSession.ended_at.is_(None))))
    assert seen and all(utcnow() - t > timedelta(minutes=28) for t in seen), seen

    # The session ends (idle too long): the page says so instead of showing stale rows.
    with factory.begin() as s:
        s.execute(update(OperatorSession).values(last_seen_at=utcnow() - timedelta(hours=2)))
    olga.wait_for_selector("#session-ended:not([hidden])", timeout=15000)
    assert "Vuelva a entrar" in olga.inner_text("#session-ended")
    olga.screenshot(path=str(ARTIFACTS / "session-ended.png"), full_page=True)


def test_two_operators_take_over_and_a_death_is_confirmed_from_the_alert(
    live_server: str, chromium: Any, fake_twilio: FakeTwilio, live_db: tuple[str, sessionmaker[Session]]
) -> None:
    _, factory = live_db
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for body in ("Rigoberto Paredes López", "15 de julio de 1994", "guatemalteco", "SI"):
        sms(fake_twilio, live_server, body)
    case = wait_for(lambda: first_case(factory), "the case")
    assert isinstance(case, Case)
    olga, otto = login(chromium, live_server, "olga"), login(chromium, live_server, "otto")
    olga.goto(f"{live_server}/console/cases/{case.id}")
    olga.click("button:has-text('Tomar el caso')")
    olga.wait_for_selector("text=Caso asignado a usted.")

    otto.goto(f"{live_server}/console/cases/{case.id}")
    assert "olga" in otto.inner_text("#held-warning")
    assert otto.locator("#take-form").count() == 0
    otto.screenshot(path=str(ARTIFACTS / "held-by-colleague.png"), full_page=True)
    otto.click("button:has-text('Tomar el caso de todos modos')")
    otto.wait_for_selector("text=Caso asignado a usted.")
    olga.goto(f"{live_server}/console/queue")
    assert f"otto tomó el caso {case.reference}" in olga.inner_text(".console-notice")

    # Olga proposes a death; Otto, on another page, is alerted and confirms it from the alert.
    with factory() as s:
        person_id = s.scalars(select(Person.id).where(Person.given_names == "Rigoberto Andrés")).one()
    olga.goto(f"{live_server}/console/persons/{person_id}")
    olga.select_option("select[name=status]", "deceased")
    olga.fill("input[name=source]", "Fiscalía ficticia, acta 3, 29/03 10:00")
    olga.click("button:has-text('Registrar el estado')")
    olga.wait_for_selector("#pending")
    otto.goto(f"{live_server}/console/dashboard")
    otto.wait_for_selector("#pending-deaths-alert:not([hidden])", timeout=15000)
    assert "confirmación de una segunda persona" in otto.inner_text("#pending-deaths-alert")
    assert otto.title().startswith("(1) ")
    otto.click("#pending-deaths-alert a")
    otto.wait_for_url(re.compile(rf".*/console/persons/{person_id}#pending$"))
    otto.click("button:has-text('Confirmar fallecimiento')")
    otto.wait_for_selector("text=Fallecimiento confirmado")
    assert otto.inner_text("#current-status") == "Fallecido"
