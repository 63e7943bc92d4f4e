"""Case actions through the API: link to a record (the policy answers), record a death notification,
resolve; a death-notification case takes no written reply before the call is recorded. Fictional."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import AuditEvent, Case, Conversation, OutboundMessage
from tests.api.conftest import CaseSeed, Roster, Tokens


def _case(factory: sessionmaker[Session], *, reason: str = "no_match", state: dict[str, Any] | None = None,
          address: str = "+15005550100") -> int:
    with factory.begin() as s:
        conv = Conversation(channel="sms", address=address, state=state or {})
        s.add(conv)
        s.flush()
        case = Case(reference=f"ACT-{address[-4:]}", conversation_id=conv.id, reason=reason, status="open",
                    priority="urgent" if reason == "death_notification" else "normal", channel="sms")
        s.add(case)
        s.flush()
        return case.id


def test_linking_a_relative_who_knows_the_person_sends_the_verified_status(
    client: TestClient, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session]
) -> None:
    case_id = _case(session_factory, state={"details": {"birth_date": "1996-05-03", "nationality": "GT"}})
    response = client.post(f"/api/v1/cases/{case_id}/link", json={"person_id": roster.ids["F-001"]},
                           headers=tokens.headers("operator"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["disclosed"] is True and body["case"]["person_id"] == roster.ids["F-001"]
    assert body["case"]["status"] == "waiting"
    with session_factory() as s:
        [message] = s.scalars(select(OutboundMessage)).all()
        assert message.recipient == "+15005550100" and message.kind == "operator"
        assert "Hospital General Ficticio" in message.text and "DOC-SECRET-1" not in message.text
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "disclosure")).all()
        assert event.details["text"] == message.text and event.actor == f"token:{tokens.ids['operator']}"


def test_linking_explains_why_the_policy_said_no(
    client: TestClient, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session]
) -> None:
    knows = {"details": {"age": 31, "nationality": "HN"}}
    unverified = client.post(f"/api/v1/cases/{_case(session_factory, state=knows)}/link",
                             json={"person_id": roster.ids["F-002"]}, headers=tokens.headers("operator")).json()
    assert unverified["disclosed"] is False and "no está verificado" in unverified["explanation"]
    strangers = client.post(f"/api/v1/cases/{_case(session_factory, address='+15005550101')}/link",
                            json={"person_id": roster.ids["F-001"]}, headers=tokens.headers("operator")).json()
    assert strangers["disclosed"] is False and "no ha mostrado que la conoce" in strangers["explanation"]
    with session_factory() as s:
        assert s.query(OutboundMessage).count() == 0


def test_link_errors_are_4xx_with_a_reason(
    client: TestClient, tokens: Tokens, roster: Roster, case_seed: CaseSeed
) -> None:
    op = tokens.headers("operator")
    missing = client.post(f"/api/v1/cases/{case_seed.open_id}/link", json={"person_id": 999999}, headers=op)
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]
    closed = client.post(f"/api/v1/cases/{case_seed.resolved_id}/link", json={"person_id": roster.ids["F-001"]},
                         headers=op)
    assert closed.status_code == 409 and "cerrado" in closed.json()["detail"]
    bad = client.post(f"/api/v1/cases/{case_seed.open_id}/link", json={"person_id": "x"}, headers=op)
    assert bad.status_code == 422
    no_case = client.post("/api/v1/cases/999999/resolve", json={"note": "x"}, headers=op)
    assert no_case.status_code == 404


def test_a_death_notification_case_takes_no_reply_until_the_call_is_recorded(
    client: TestClient, tokens: Tokens, session_factory: sessionmaker[Session]
) -> None:
    op = tokens.headers("operator")
    case_id = _case(session_factory, reason="death_notification")
    reply = client.post(f"/api/v1/cases/{case_id}/replies", json={"text": "Texto ficticio."}, headers=op)
    assert reply.status_code == 409 and "death notification" in reply.json()["detail"]
    early = client.post(f"/api/v1/cases/{case_id}/resolve", json={"note": "Cerrado."}, headers=op)
    assert early.status_code == 409 and "notificación" in early.json()["detail"]
    assert client.post(f"/api/v1/cases/{case_id}/death-notification", json={"note": " "}, headers=op).status_code == 422

    done = client.post(f"/api/v1/cases/{case_id}/death-notification",
                       json={"note": "Llamada ficticia: la trabajadora social habló con la madre."}, headers=op)
    assert done.status_code == 200, done.text
    twice = client.post(f"/api/v1/cases/{case_id}/death-notification", json={"note": "otra"}, headers=op)
    assert twice.status_code == 409 and "ya está registrada" in twice.json()["detail"]
    assert client.post(f"/api/v1/cases/{case_id}/replies", json={"text": "Texto ficticio."},
                       headers=op).status_code == 202
    closed = client.post(f"/api/v1/cases/{case_id}/resolve", json={"note": "Familia notificada (ficticio)."},
                         headers=op)
    assert closed.status_code == 200
    assert closed.json()["status"] == "resolved" and closed.json()["resolution"] == "Familia notificada (ficticio)."
    assert closed.json()["next_followup_at"] is None
    with session_factory() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).where(
            AuditEvent.subject_type == "case", AuditEvent.subject_id == str(case_id)).order_by(AuditEvent.id))]
    assert actions == ["death_notification_recorded", "operator_reply", "case_resolved"]
    again = client.post(f"/api/v1/cases/{case_id}/resolve", json={"note": "x"}, headers=op)
    assert again.status_code == 409
