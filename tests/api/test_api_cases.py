"""Cases through the API: the queue, one case, and an operator's reply to the relative (queued in
the outbox, audited verbatim). Cases are seeded through the ORM; all data is fictional."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import texts_es as T
from db.models import AuditEvent, Case, OutboundMessage, User
from tests.api.conftest import CaseSeed, Tokens


def test_cases_list_in_queue_order_with_the_contract_fields(
    client: TestClient, tokens: Tokens, case_seed: CaseSeed
) -> None:
    body = client.get("/api/v1/cases", headers=tokens.headers("viewer")).json()
    assert body["total"] == 4
    assert [c["reference"] for c in body["items"]] == ["TST-0003", "TST-0002", "TST-0001", "TST-0004"]
    first = body["items"][2]
    assert {
        "id",
        "reference",
        "priority",
        "reason",
        "status",
        "channel",
        "person_id",
        "created_at",
    } <= first.keys()
    assert first["priority"] == "normal" and first["reason"] == "unconfirmed" and first["channel"] == "sms"
    assert first["status"] == "open" and first["person_id"] is not None and first["assignee"] is None


def test_cases_filter_by_status_and_priority_and_paginate(
    client: TestClient, tokens: Tokens, case_seed: CaseSeed
) -> None:
    def refs(**params: Any) -> list[str]:
        response = client.get("/api/v1/cases", params=params, headers=tokens.headers("viewer"))
        assert response.status_code == 200, response.text
        return [c["reference"] for c in response.json()["items"]]

    assert refs(status="open") == ["TST-0003", "TST-0001"]
    assert refs(priority="urgent") == ["TST-0003"]
    assert refs(status="resolved", priority="normal") == []
    assert refs(limit=1, offset=1) == ["TST-0002"]
    assert refs(limit=2, offset=3) == ["TST-0004"]


def test_one_case_with_its_assignee(
    client: TestClient, tokens: Tokens, case_seed: CaseSeed, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as s:
        user = User(username="ana.ficticia", role="operator", password_hash="x")
        s.add(user)
        s.flush()
        case = s.get(Case, case_seed.open_id)
        assert case is not None
        case.assignee_id = user.id
    body = client.get(f"/api/v1/cases/{case_seed.open_id}", headers=tokens.headers("viewer")).json()
    assert body["reference"] == "TST-0001" and body["assignee"] == "ana.ficticia"
    missing = client.get("/api/v1/cases/424242", headers=tokens.headers("viewer"))
    assert missing.status_code == 404 and "424242" in missing.json()["detail"]


def test_a_reply_is_queued_on_the_relatives_channel_and_audited_verbatim(
    client: TestClient, tokens: Tokens, case_seed: CaseSeed, session_factory: sessionmaker[Session]
) -> None:
    text = "Buenas tardes. Seguimos revisando su caso TST-0001; le escribiremos por este medio."
    response = client.post(
        f"/api/v1/cases/{case_seed.open_id}/replies", json={"text": text}, headers=tokens.headers("operator")
    )
    assert response.status_code == 202, response.text
    outbound_id = response.json()["outbound_id"]
    assert response.json()["status"] == "queued"
    with session_factory() as s:
        message = s.get(OutboundMessage, outbound_id)
        assert message is not None
        # Marked as the team's words, never mistaken for the bot's (issue 12).
        sent = T.OPERATOR_REPLY_PREFIX + text
        assert (message.channel, message.recipient, message.text, message.kind, message.priority) == (
            "sms",
            "+15005550006",
            sent,
            "operator",
            0,
        )
        assert message.conversation_id == case_seed.conversation_id and message.status == "queued"
        case = s.get(Case, case_seed.open_id)
        assert case is not None and case.last_contact_at is not None
        (event,) = s.scalars(select(AuditEvent).where(AuditEvent.action == "operator_reply"))
        assert event.actor == f"token:{tokens.ids['operator']}"
        assert (event.subject_type, event.subject_id) == ("case", str(case_seed.open_id))
        assert event.details["text"] == sent and event.details["outbound_id"] == outbound_id


@pytest.mark.parametrize(
    ("which", "reason"),
    [("resolved_id", "resolved"), ("opted_out_id", "opted out"), ("no_conversation_id", "no conversation")],
)
def test_a_reply_that_cannot_be_delivered_is_409_and_queues_nothing(
    client: TestClient,
    tokens: Tokens,
    case_seed: CaseSeed,
    session_factory: sessionmaker[Session],
    which: str,
    reason: str,
) -> None:
    response = client.post(
        f"/api/v1/cases/{getattr(case_seed, which)}/replies",
        json={"text": "Hola."},
        headers=tokens.headers("operator"),
    )
    assert response.status_code == 409
    assert reason in response.json()["detail"]
    with session_factory() as s:
        assert s.scalars(select(OutboundMessage)).all() == []
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "operator_reply")).all() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "body.text"),
        ({"text": "   \n  "}, "body"),
        ({"text": "a" * 1601}, "body.text"),
        ({"text": "hola\x00"}, "body.text"),
        ({"text": 5}, "body.text"),
        ({}, "body.text"),
        ({"text": "hola", "to": "+15005550009"}, "body.to"),
    ],
)
def test_an_invalid_reply_is_422(
    client: TestClient, tokens: Tokens, case_seed: CaseSeed, body: dict[str, Any], field: str
) -> None:
    response = client.post(
        f"/api/v1/cases/{case_seed.open_id}/replies", json=body, headers=tokens.headers("operator")
    )
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}


def test_a_reply_of_exactly_the_maximum_length_is_accepted(
    client: TestClient, tokens: Tokens, case_seed: CaseSeed
) -> None:
    response = client.post(
        f"/api/v1/cases/{case_seed.open_id}/replies",
        json={"text": "ñ" * 1600},
        headers=tokens.headers("operator"),
    )
    assert response.status_code == 202


def test_a_reply_to_an_unknown_case_is_404(client: TestClient, tokens: Tokens, case_seed: CaseSeed) -> None:
    response = client.post(
        "/api/v1/cases/999999/replies", json={"text": "Hola."}, headers=tokens.headers("operator")
    )
    assert response.status_code == 404 and "999999" in response.json()["detail"]
