"""Case actions through the API: link to a record (the policy answers), record a death notification,
resolve; a death-notification case takes no written reply before the call is recorded. Fictional."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.auth import create_token, create_user
from db.models import AuditEvent, Case, ConsoleNotice, Conversation, OutboundMessage
from tests.api.conftest import CaseSeed, Roster, Tokens


def _case(factory: sessionmaker[Session], *, reason: str = "no_match", state: dict[str, Any] | None = None,
          address: str = "+15005550100", channel: str = "sms") -> int:
    with factory.begin() as s:
        conv = Conversation(channel=channel, address=address, state=state or {})
        s.add(conv)
        s.flush()
        case = Case(reference=f"ACT-{address[-4:]}", conversation_id=conv.id, reason=reason, status="open",
                    priority="urgent" if reason == "death_notification" else "normal", channel=channel)
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
    assert body["disclosed"] is True and body["code"] == "disclosed" and body["case"]["person_id"] == roster.ids["F-001"]
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
    assert unverified["disclosed"] is False and "not verified" in unverified["explanation"]
    assert unverified["code"] == "unconfirmed"
    strangers = client.post(f"/api/v1/cases/{_case(session_factory, address='+15005550101')}/link",
                            json={"person_id": roster.ids["F-001"]}, headers=tokens.headers("operator")).json()
    assert strangers["disclosed"] is False and "have not shown that they know the person" in strangers["explanation"]
    assert strangers["code"] == "no_proof"
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
    assert closed.status_code == 409 and "resolved" in closed.json()["detail"] and closed.json()["code"] == "closed"
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
    assert early.status_code == 409 and "death notification" in early.json()["detail"]
    assert client.post(f"/api/v1/cases/{case_id}/death-notification", json={"note": " "}, headers=op).status_code == 422

    done = client.post(f"/api/v1/cases/{case_id}/death-notification",
                       json={"note": "Llamada ficticia: la trabajadora social habló con la madre."}, headers=op)
    assert done.status_code == 200, done.text
    twice = client.post(f"/api/v1/cases/{case_id}/death-notification", json={"note": "otra"}, headers=op)
    assert twice.status_code == 409 and "already recorded" in twice.json()["detail"]
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


# --- who works a case: take, assign, reopen (issue 12) ------------------------------------------------

PASSWORD = "contraseña ficticia de prueba 2024"


def _user_token(factory: sessionmaker[Session], username: str, role: str = "operator") -> tuple[int, dict[str, str]]:
    with factory.begin() as s:
        user = create_user(s, username, role, PASSWORD, actor="test")
        _, secret = create_token(s, f"{username}'s token", role, actor="test", user=user)
        s.flush()
        return user.id, {"Authorization": f"Bearer {secret}"}


def test_a_users_token_takes_a_case_and_a_colleague_only_takes_it_over_deliberately(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    case_id = _case(session_factory)
    olga_id, olga = _user_token(session_factory, "olga.ficticia")
    otto_id, otto = _user_token(session_factory, "otto.ficticio")
    taken = client.post(f"/api/v1/cases/{case_id}/take", json={}, headers=olga)
    assert taken.status_code == 200, taken.text
    assert taken.json()["assignee_id"] == olga_id and taken.json()["status"] == "in_progress"
    refused = client.post(f"/api/v1/cases/{case_id}/take", json={}, headers=otto)
    assert refused.status_code == 409 and "olga.ficticia" in refused.json()["detail"]
    assert refused.json()["code"] == "held_by_other"
    over = client.post(f"/api/v1/cases/{case_id}/take", json={"take_over": True}, headers=otto)
    assert over.status_code == 200 and over.json()["assignee_id"] == otto_id
    with session_factory() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "case",
                                                                        AuditEvent.subject_id == str(case_id))
                                               .order_by(AuditEvent.id))]
        assert actions == ["case_taken", "case_taken_over"]
        [notice] = s.scalars(select(ConsoleNotice).where(ConsoleNotice.user_id == olga_id)).all()
        assert "otto.ficticio" in notice.text


def test_an_integration_assigns_and_cannot_hold_a_case(
    client: TestClient, tokens: Tokens, session_factory: sessionmaker[Session]
) -> None:
    case_id = _case(session_factory)
    olga_id, _ = _user_token(session_factory, "olga.ficticia")
    op = tokens.headers("operator")  # an integration's token
    assert client.post(f"/api/v1/cases/{case_id}/take", json={}, headers=op).status_code == 409
    assigned = client.post(f"/api/v1/cases/{case_id}/assign", json={"user_id": olga_id}, headers=op)
    assert assigned.status_code == 200 and assigned.json()["assignee_id"] == olga_id
    assert client.post(f"/api/v1/cases/{case_id}/assign", json={"user_id": olga_id}, headers=op).status_code == 409
    assert client.post(f"/api/v1/cases/{case_id}/assign", json={"user_id": 999999}, headers=op).status_code == 404
    viewer_id, _ = _user_token(session_factory, "vera.ficticia", role="viewer")
    assert client.post(f"/api/v1/cases/{case_id}/assign", json={"user_id": viewer_id}, headers=op).status_code == 409
    assert client.post(f"/api/v1/cases/{case_id}/assign", json={"user_id": olga_id},
                       headers=tokens.headers("viewer")).status_code == 403
    with session_factory() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "case_assigned")).all()
        assert event.actor == f"token:{tokens.ids['operator']}" and event.details["to"] == "olga.ficticia"
        [notice] = s.scalars(select(ConsoleNotice).where(ConsoleNotice.user_id == olga_id)).all()
        assert "le asignó" in notice.text


def test_a_resolved_case_is_reopened_with_its_reason(
    client: TestClient, tokens: Tokens, session_factory: sessionmaker[Session]
) -> None:
    op = tokens.headers("operator")
    case_id = _case(session_factory)
    assert client.post(f"/api/v1/cases/{case_id}/reopen", json={"note": "x"}, headers=op).status_code == 409
    assert client.post(f"/api/v1/cases/{case_id}/resolve", json={"note": "resuelto (ficticio)"},
                       headers=op).status_code == 200
    assert client.post(f"/api/v1/cases/{case_id}/reopen", json={"note": "  "}, headers=op).status_code == 422
    reopened = client.post(f"/api/v1/cases/{case_id}/reopen", json={"note": "la familia volvió a escribir"},
                           headers=op)
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert body["status"] == "open" and body["resolved_at"] is None and body["next_followup_at"] is not None
    with session_factory() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "case_reopened")).all()
        assert event.details["note"] == "la familia volvió a escribir" and event.details["previous_resolution"]


def test_every_case_refusal_is_worded_in_english_for_the_api_and_in_spanish_for_the_console() -> None:
    from api.console.cases import REFUSALS as CONSOLE_WORDS
    from api.routers.cases import REFUSALS as API_WORDS
    from bot.cases.refusals import CaseRefusal

    assert set(API_WORDS) == set(CaseRefusal) == set(CONSOLE_WORDS)
    assert all(not set("áéíóúñ¿«") & set(text) for text in API_WORDS.values())


def test_a_reply_to_a_caller_of_the_voice_line_is_refused_in_english(
    client: TestClient, tokens: Tokens, session_factory: sessionmaker[Session]
) -> None:
    case_id = _case(session_factory, channel="voice")
    reply = client.post(f"/api/v1/cases/{case_id}/replies", json={"text": "Hola (ficticio)."},
                        headers=tokens.headers("operator"))
    assert reply.status_code == 409 and "call them back" in reply.json()["detail"]
