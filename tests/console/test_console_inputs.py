"""Finding 9 in the console's forms: a control character in a status report, a reply to a relative,
a note or an incident name is refused with a sentence naming the field and the character, and
nothing is written. All names and numbers are FICTIONAL."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import OutboundMessage, StatusReport
from tests.console.conftest import Seed, page_csrf

Client = Callable[[str | None], TestClient]


def _count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_status_report_with_a_control_character_is_refused(make_client: Client, seed: Seed,
                                                              session_factory: sessionmaker[Session]) -> None:
    operator = make_client("operator")
    token = page_csrf(operator, f"/console/persons/{seed.person_id}")
    before = _count(session_factory, StatusReport)
    r = operator.post(f"/console/persons/{seed.person_id}/status",
                      data={"csrf_token": token, "status": "safe", "location": "Albergue\x1b[31m ficticio",
                            "source": "Acta ficticia 3"})
    assert r.status_code == 422
    assert "«Lugar» contiene un carácter de control invisible (U+001B)" in r.text
    assert _count(session_factory, StatusReport) == before


def test_a_reply_or_a_note_with_a_control_character_is_refused(make_client: Client, seed: Seed,
                                                               session_factory: sessionmaker[Session]) -> None:
    operator = make_client("operator")
    token = page_csrf(operator, f"/console/cases/{seed.case_id}")
    before = _count(session_factory, OutboundMessage)
    r = operator.post(f"/console/cases/{seed.case_id}/reply", data={"csrf_token": token, "text": "Hola\x07, le llamamos"})
    assert r.status_code == 422 and "(U+0007)" in r.text
    assert _count(session_factory, OutboundMessage) == before
    for action in ("resolve", "death-notification"):
        r = operator.post(f"/console/cases/{seed.case_id}/{action}", data={"csrf_token": token, "note": "nota\x7f"})
        assert r.status_code == 422 and "«Nota»" in r.text and "(U+007F)" in r.text, action
    # Line breaks stay allowed in a message to a relative.
    r = operator.post(f"/console/cases/{seed.case_id}/reply",
                      data={"csrf_token": token, "text": "Hola.\nLe llamamos hoy."}, follow_redirects=False)
    assert r.status_code in (200, 303)
    assert _count(session_factory, OutboundMessage) == before + 1


def test_an_incident_name_with_a_control_character_is_refused(make_client: Client) -> None:
    admin = make_client("admin")
    r = admin.post("/console/import", data={"csrf_token": page_csrf(admin, "/console/import"),
                                            "incident": "Incendio\x00 ficticio"},
                   files={"file": ("lista.csv", b"nombres,apellidos\nAna,Ficticia\n", "text/csv")})
    assert r.status_code == 422 and "«Incidente»" in r.text and "(U+0000)" in r.text
