"""``GET /metrics`` needs a valid API token (CONTRACT "HTTP"; SPEC section 5, last paragraph: its
counts of dialogue outcomes would otherwise tell anyone whether a name is on the list). Runs on
SQLite and PostgreSQL. Token names are FICTIONAL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from bot.auth import TOKEN_ROLES, create_token
from common.settings import Settings
from db.base import utcnow
from db.models import ApiToken
from db.repositories.tokens import revoke_token
from db.session import make_engine


def make_token(factory: sessionmaker[Session], role: str = "viewer") -> tuple[int, str]:
    with factory.begin() as s:
        token, secret = create_token(s, f"prometheus ficticio {role}", role, actor="test")
        s.flush()
        return token.id, secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def client(settings: Settings) -> TestClient:
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c  # type: ignore[misc]


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer not-a-token"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer " + "x" * 5000},
])
def test_without_a_valid_token_401(client: TestClient, headers: dict[str, str],
                                   session_factory: sessionmaker[Session]) -> None:
    make_token(session_factory)  # a token exists; the request just does not carry it
    r = client.get("/metrics", headers=headers)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert "hotline_" not in r.text and "python_gc" not in r.text


def test_any_valid_token_reads_the_metrics(client: TestClient, session_factory: sessionmaker[Session]) -> None:
    for role in TOKEN_ROLES:
        _, secret = make_token(session_factory, role)
        r = client.get("/metrics", headers=bearer(secret))
        assert r.status_code == 200, (role, r.text)
        assert r.headers["content-type"].startswith("text/plain")
        assert "hotline_inbound_pending" in r.text


def test_a_revoked_or_expired_token_is_refused(client: TestClient, session_factory: sessionmaker[Session]) -> None:
    revoked_id, revoked = make_token(session_factory)
    expired_id, expired = make_token(session_factory)
    assert client.get("/metrics", headers=bearer(revoked)).status_code == 200
    with session_factory.begin() as s:
        token = s.get(ApiToken, revoked_id)
        assert token is not None
        revoke_token(s, token, actor="test")
        s.execute(update(ApiToken).where(ApiToken.id == expired_id).values(expires_at=utcnow() - timedelta(minutes=1)))
    for secret in (revoked, expired):
        r = client.get("/metrics", headers=bearer(secret))
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"


def test_the_database_down_is_503_not_500(settings: Settings, session_factory: sessionmaker[Session]) -> None:
    _, secret = make_token(session_factory)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/metrics", headers=bearer(secret)).status_code == 200
        # Point the app's sessions at a database that does not answer (a closed port).
        dead = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1")
        app.state.sessionmaker = sessionmaker(bind=dead)
        try:
            r = client.get("/metrics", headers=bearer(secret))
        finally:
            dead.dispose()
    assert r.status_code == 503
    assert "database" in r.json()["detail"]
