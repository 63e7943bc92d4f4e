"""Token administration and the audit log through the API, and ``hotline tokens create`` making a
token that the API accepts. Fictional data."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import ApiToken
from tests.api.conftest import Roster, Tokens
from tests.support import hotline_env, run_hotline


def test_a_created_token_is_shown_once_works_with_its_role_and_is_stored_hashed(
    client: TestClient, tokens: Tokens, session_factory: sessionmaker[Session]
) -> None:
    response = client.post(
        "/api/v1/tokens",
        json={"name": "Hospital ficticio", "role": "operator"},
        headers=tokens.headers("admin"),
    )
    assert response.status_code == 201, response.text
    created = response.json()
    secret = created["token"]
    assert created["role"] == "operator" and created["name"] == "Hospital ficticio"
    assert secret.startswith(created["prefix"])
    new_headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/cases", headers=new_headers).status_code == 200
    assert client.get("/api/v1/tokens", headers=new_headers).status_code == 403

    listed = client.get("/api/v1/tokens", headers=tokens.headers("admin")).json()["items"]
    assert created["id"] in {t["id"] for t in listed}
    assert secret not in str(listed) and all("token" not in t and "token_hash" not in t for t in listed)
    with session_factory() as s:
        row = s.get(ApiToken, created["id"])
        assert row is not None and row.token_hash != secret and secret not in row.token_hash


def test_revoking_is_idempotent_audited_once_and_404_for_unknown(
    client: TestClient, tokens: Tokens, session_factory: sessionmaker[Session]
) -> None:
    target = tokens.ids["viewer"]
    first = client.delete(f"/api/v1/tokens/{target}", headers=tokens.headers("admin"))
    again = client.delete(f"/api/v1/tokens/{target}", headers=tokens.headers("admin"))
    assert first.status_code == again.status_code == 200
    assert first.json()["revoked_at"] == again.json()["revoked_at"] is not None
    assert client.get("/api/v1/persons", headers=tokens.headers("viewer")).status_code == 401
    events = client.get(
        "/api/v1/audit-events", params={"action": "token_revoked"}, headers=tokens.headers("admin")
    ).json()
    assert events["total"] == 1
    assert events["items"][0]["subject_id"] == str(target)
    assert events["items"][0]["actor"] == f"token:{tokens.ids['admin']}"
    assert client.delete("/api/v1/tokens/777777", headers=tokens.headers("admin")).status_code == 404


def test_token_creation_input_is_validated(client: TestClient, tokens: Tokens) -> None:
    for body in (
        {"name": "x", "role": "root"},
        {"name": "", "role": "viewer"},
        {"name": "   ", "role": "viewer"},
        {"name": "n" * 101, "role": "viewer"},
        {"role": "viewer"},
        {"name": "x\x00", "role": "viewer"},
    ):
        response = client.post("/api/v1/tokens", json=body, headers=tokens.headers("admin"))
        assert response.status_code == 422, body
        assert response.json()["detail"]


def test_audit_events_filter_newest_first_and_paginate(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    admin = tokens.headers("admin")
    pid = roster.ids["F-001"]
    for _ in range(3):
        client.get(f"/api/v1/persons/{pid}", headers=tokens.headers("viewer"))
    client.get(f"/api/v1/persons/{roster.ids['F-002']}", headers=tokens.headers("operator"))

    reads = client.get("/api/v1/audit-events", params={"action": "person_read"}, headers=admin).json()
    assert reads["total"] == 4
    ids = [e["id"] for e in reads["items"]]
    assert ids == sorted(ids, reverse=True)
    assert reads["items"][0]["subject_id"] == str(roster.ids["F-002"])

    by_viewer = client.get(
        "/api/v1/audit-events",
        headers=admin,
        params={"actor": f"token:{tokens.ids['viewer']}", "subject_type": "person", "subject_id": str(pid)},
    ).json()
    assert by_viewer["total"] == 3 and {e["action"] for e in by_viewer["items"]} == {"person_read"}

    page = client.get(
        "/api/v1/audit-events", params={"action": "person_read", "limit": 2, "offset": 2}, headers=admin
    ).json()
    assert [e["id"] for e in page["items"]] == ids[2:4]


def test_cli_tokens_create_prints_a_token_the_api_accepts(
    client: TestClient, db_url: str, session_factory: sessionmaker[Session]
) -> None:
    result = run_hotline(
        ["tokens", "create", "--name", "consulado ficticio", "--role", "viewer"], hotline_env(db_url)
    )
    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip().splitlines()[-1].split()[-1]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/persons", headers=headers).status_code == 200
    assert client.get("/api/v1/audit-events", headers=headers).status_code == 403
    with session_factory() as s:
        (row,) = s.scalars(select(ApiToken).where(ApiToken.name == "consulado ficticio"))
        assert row.role == "viewer" and row.last_used_at is not None


def test_cli_tokens_create_refuses_an_unknown_role(db_url: str) -> None:
    result = run_hotline(["tokens", "create", "--name", "x", "--role", "superuser"], hotline_env(db_url))
    assert result.returncode == 2
    assert "role" in result.stderr
