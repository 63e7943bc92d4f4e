"""Nothing waits unseen (HTTP level, SQLite and PostgreSQL): the alerts every page polls (urgent
cases, deaths awaiting a second person, notices), the queue's badge and the dashboard's line for
pending deaths, the case page's live transcript, and an ended session answered with the login
redirect (the page says so). All data FICTIONAL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot import status_review
from common.settings import Settings
from db.base import utcnow
from db.models import Case, InboundRecord, OperatorSession, Person, User
from db.repositories.status import NewReport
from tests.console.conftest import Seed

Client = Callable[[str | None], TestClient]


def test_alerts_name_urgent_cases_and_deaths_awaiting_a_second_person(
    make_client: Client, seed: Seed, accounts: dict[str, int], session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    olga, otto, vera = make_client("operator"), make_client("operator2"), make_client("viewer")
    body = olga.get("/console/alerts").json()
    assert (body["urgent_open"], body["urgent_unassigned"], body["pending_deaths"]) == (1, 1, 0)
    assert body["newest_urgent"] == [{"id": seed.urgent_id, "reference": "TST-BBBB"}]
    assert "Fallecimientos en espera" in olga.get("/console/dashboard").text
    assert 'id="queue-pending-deaths"' not in olga.get("/console/queue").text

    with session_factory.begin() as s:
        olga_user, person = s.get(User, accounts["operator"]), s.get(Person, seed.other_id)
        assert olga_user is not None and person is not None
        status_review.propose_status(s, person, NewReport("deceased", None, "Acta ficticia 9"), settings,
                                     user=olga_user)
    mine, theirs, viewer = (c.get("/console/alerts").json() for c in (olga, otto, vera))
    assert mine["pending_deaths"] == theirs["pending_deaths"] == 1
    assert (mine["pending_for_me"], theirs["pending_for_me"], viewer["pending_for_me"]) == (0, 1, 0)
    assert theirs["pending"][0]["person_id"] == seed.other_id and mine["pending"][0]["mine"] is True
    queue = otto.get("/console/queue").text
    assert 'id="queue-pending-deaths"' in queue and "1 fallecimiento por confirmar" in queue
    assert f'/console/persons/{seed.other_id}#pending' in queue
    dashboard = otto.get("/console/dashboard").text
    assert "1 propuesta espera" in dashboard and f"registro n.º {seed.other_id}" in dashboard
    # Every page carries the alert area and its script (no inline script: the CSP).
    for path in ("/console/queue", f"/console/cases/{seed.case_id}", "/console/persons", "/console/dashboard"):
        page = otto.get(path).text
        assert 'id="live-alerts"' in page and "/console/static/alerts.js" in page and 'id="nav-urgent"' in page
    assert otto.get("/console/static/alerts.js").status_code == 200


def test_the_transcript_fragment_has_what_the_relative_just_wrote(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    olga = make_client("operator")
    page = olga.get(f"/console/cases/{seed.case_id}").text
    assert 'id="transcript" tabindex="0"' in page and f'data-src="/console/cases/{seed.case_id}/transcript"' in page
    before = olga.get(f"/console/cases/{seed.case_id}/transcript")
    with session_factory.begin() as s:
        s.add(InboundRecord(conversation_id=seed.conversation_id, channel="sms", address="+50255510123",
                             provider_id="SM-live-1", text="¿Hay noticias? (ficticio)", state="done",
                             received_at=utcnow()))
    after = olga.get(f"/console/cases/{seed.case_id}/transcript")
    assert int(after.headers["X-Transcript-Count"]) == int(before.headers["X-Transcript-Count"]) + 1
    assert after.text.rstrip().endswith("</li>") and "¿Hay noticias? (ficticio)" in after.text.split("</li>")[-2]
    assert after.headers["X-Case-Status"] == "open" and after.headers["Cache-Control"] == "no-store"
    assert olga.get("/console/cases/999999/transcript").status_code == 404


def test_an_ended_session_gets_the_login_redirect_not_stale_data(
    make_client: Client, seed: Seed, accounts: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    olga = make_client("operator")
    assert olga.get("/console/alerts").status_code == 200
    with session_factory.begin() as s:
        s.execute(update(OperatorSession).where(OperatorSession.user_id == accounts["operator"])
                  .values(last_seen_at=utcnow() - timedelta(hours=2)))
    for path in ("/console/alerts", "/console/queue/rows", f"/console/cases/{seed.case_id}/transcript"):
        r = olga.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/console/login"), path
    with session_factory() as s:
        assert s.get(Case, seed.case_id) is not None


def test_a_viewer_is_not_told_of_a_proposed_death_on_a_restricted_record(
    make_client: Client, seed: Seed, accounts: dict[str, int], session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    with session_factory.begin() as s:
        person, olga_user = s.get(Person, seed.other_id), s.get(User, accounts["operator"])
        assert person is not None and olga_user is not None
        person.restricted = True
        status_review.propose_status(s, person, NewReport("deceased", None, "Acta ficticia 9"), settings,
                                     user=olga_user)
    vera, otto = make_client("viewer"), make_client("operator2")
    assert vera.get("/console/alerts").json()["pending_deaths"] == 0
    assert otto.get("/console/alerts").json()["pending_deaths"] == 1
    assert f"registro n.º {seed.other_id}" not in vera.get("/console/dashboard").text
    assert 'id="queue-pending-deaths"' not in vera.get("/console/queue").text
    assert 'id="queue-pending-deaths"' in otto.get("/console/queue").text
