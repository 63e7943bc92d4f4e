"""``GET /api/v1/cases?q=``: a reference, a contact (whole or its last digits) or the sought
person's name, across open and resolved cases. All data FICTIONAL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bot.cases.opening import open_case
from db.models import Conversation
from tests.api.conftest import CaseSeed, Tokens


def found(client: TestClient, tokens: Tokens, q: str, **params: str) -> list[str]:
    r = client.get("/api/v1/cases", params={"q": q, **params}, headers=tokens.headers("viewer"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"])
    return sorted(item["reference"] for item in body["items"])


def test_find_cases_by_reference_contact_and_name(
    client: TestClient, tokens: Tokens, case_seed: CaseSeed, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as s:
        web = Conversation(channel="local", address="web-0a1b2c3d4e5f")
        s.add(web)
        s.flush()
        opened = open_case(s, web, reason="no_match", priority="normal", person_id=None,
                           details={"name": "Mariano Fictício Inventado"}, prefix="TST")
        opened.callback_phone = "+50254123456"
        reference = opened.reference
    assert found(client, tokens, "TST-0002") == ["TST-0002"]  # resolved
    assert found(client, tokens, "tst-0001") == ["TST-0001"]
    assert found(client, tokens, reference.replace("-", "")) == [reference]
    assert found(client, tokens, "+15005550006") == ["TST-0001", "TST-0002"]  # the whole number
    assert found(client, tokens, "0006") == ["TST-0001", "TST-0002"]  # its last digits
    assert found(client, tokens, "0006", status="resolved") == ["TST-0002"]
    assert found(client, tokens, "3456") == [reference]  # the call-back number a web-chat relative gave
    assert found(client, tokens, "0111") == ["TST-0003"]  # a Telegram chat id
    assert found(client, tokens, "mariano ficticio") == [reference]  # the sought name, accents or not
    assert found(client, tokens, "Hernández García") == ["TST-0001"]  # the linked record's name
    assert found(client, tokens, "006") == []  # too few digits
    assert found(client, tokens, "Nadie Inventado") == []


def test_a_query_with_a_control_character_is_a_422(client: TestClient, tokens: Tokens) -> None:
    r = client.get("/api/v1/cases", params={"q": "JRZ\x07"}, headers=tokens.headers("viewer"))
    assert r.status_code == 422
