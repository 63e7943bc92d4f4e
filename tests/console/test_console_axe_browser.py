"""Accessibility: axe-core (tests/vendor/axe-core, from npm) on every console page and the web chat,
in Debian's Chromium against ``hotline serve`` on SQLite. A serious or critical violation fails the
test, naming the page, the rule and the elements. The pages carry real content: a case with a
transcript, candidates, calls and notes, a person with a pending death, an audit log, the users
page. All data FICTIONAL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import status_review
from bot.auth import create_user
from bot.matching.keys import person_keys
from common.settings import Settings
from db.base import utcnow
from db.models import Case, Conversation, InboundRecord, Incident, OutboundMessage, Person
from db.repositories.status import NewReport, append_report
from db.session import make_engine
from tests.console.test_console_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, login
from tests.support import ROOT, free_port, hotline_env, running_hotline

pytestmark = pytest.mark.browser

AXE = (ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
BLOCKING = ("serious", "critical")


@pytest.fixture
def axe_db(_sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, dict[str, int]]]:
    path = tmp_path / "axe.db"
    shutil.copyfile(_sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    factory: sessionmaker[Session] = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as s:
        ada = create_user(s, "ada", "admin", PASSWORD, actor="test", phone="+50255590300")
        incident = Incident(name="Incendio ficticio (accesibilidad)")
        s.add(incident)
        s.flush()
        person = Person(incident_id=incident.id, given_names="Rigoberto Andrés", surnames="Quiñónez Paredes",
                        nationality="GT", birth_date=date(1994, 7, 15),
                        **person_keys("Rigoberto Andrés", "Quiñónez Paredes"))
        s.add(person)
        s.flush()
        append_report(s, person, NewReport("hospitalized", "Hospital ficticio", "Lista ficticia",
                                           verified_at=datetime(2026, 11, 20, 16, 0, tzinfo=UTC)), actor="test")
        status_review.propose_status(s, person, NewReport("deceased", None, "Acta ficticia 9"),
                                     Settings(database_url=url), user=ada)
        conv = Conversation(channel="sms", address="+50255510123",
                            state={"details": {"name": "Rigoberto Paredes", "relationship": "sibling"}})
        s.add(conv)
        s.flush()
        for i in range(12):  # enough lines for the transcript to scroll
            s.add(InboundRecord(conversation_id=conv.id, channel="sms", address=conv.address,
                                 provider_id=f"SM-axe-{i}", text=f"Mensaje ficticio {i}", state="done",
                                 received_at=utcnow()))
            s.add(OutboundMessage(conversation_id=conv.id, channel="sms", recipient=conv.address,
                                  text=f"Respuesta ficticia {i}", status="delivered"))
        case = Case(reference="TST-AXEA", conversation_id=conv.id, reason="no_match", priority="urgent",
                    status="open", channel="sms", sought_name="rigoberto paredes")
        s.add(case)
        s.flush()
        ids = {"case": case.id, "person": person.id}
    engine.dispose()
    yield url, ids


@pytest.fixture
def axe_server(axe_db: tuple[str, dict[str, int]]) -> Iterator[str]:
    url, _ = axe_db
    port = free_port()
    env = hotline_env(url, HOTLINE_PUBLIC_URL=f"http://127.0.0.1:{port}", HOTLINE_WEBCHAT="1",
                      WEBCHAT_MESSAGES_PER_MINUTE="0", LOG_LEVEL="WARNING")
    with running_hotline(["serve", "--port", str(port), "--no-worker"], env, port) as running:
        yield running


def violations(page: Any) -> list[str]:
    page.evaluate(AXE)  # evaluated by the browser's devtools protocol: the page's CSP does not apply
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in result["violations"] if v["impact"] in BLOCKING]


def test_no_serious_or_critical_violation_on_any_console_page_or_the_web_chat(
    axe_server: str, axe_db: tuple[str, dict[str, int]]
) -> None:
    from playwright.sync_api import sync_playwright

    _, ids = axe_db
    pages = ["/console/queue", "/console/queue?vista=mios", "/console/queue?q=0123&vista=todos",
             f"/console/cases/{ids['case']}", "/console/persons?q=Rigoberto", f"/console/persons/{ids['person']}",
             "/console/dashboard", "/console/import", "/console/audit", "/console/exports", "/console/users",
             "/console/replies", "/console/account", "/console/account/second-factor"]
    found: dict[str, list[str]] = {}
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            anonymous = chromium.new_context(locale="es-MX").new_page()
            # The check is worth something: a button without a name is a critical violation.
            anonymous.set_content('<html lang="es"><title>x</title><main><button></button></main></html>')
            assert any(v.startswith("button-name (critical)") for v in violations(anonymous))
            anonymous.goto(axe_server + "/console/login")
            found["/console/login"] = violations(anonymous)
            anonymous.goto(axe_server + "/chat")
            anonymous.fill("#t", "Hola")
            anonymous.click("#send")
            anonymous.locator(".msg.bot").first.wait_for()
            found["/chat"] = violations(anonymous)
            for width in (1280, 768):  # a laptop and a tablet in portrait
                ada = login(chromium, axe_server, "ada")
                ada.set_viewport_size({"width": width, "height": 1000})
                for path in pages:
                    ada.goto(axe_server + path)
                    assert "/console/login" not in ada.url and ada.locator("h1").count() == 1, path
                    found[f"{path} @{width}"] = violations(ada)
        finally:
            chromium.close()
    failing = {page: problems for page, problems in found.items() if problems}
    assert failing == {}, "\n".join(f"{page}: {problem}" for page, items in failing.items() for problem in items)
