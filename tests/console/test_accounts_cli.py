"""``hotline users`` and ``hotline tokens`` as an operator runs them (real subprocesses, both databases):
the password policy, ``--phone``, reset-password and deactivate ending console sessions at once,
tokens with an owner, an expiry and the ``reporter`` role (issue 10, findings 3, 4 and 7). FICTIONAL
accounts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.base import utcnow
from db.models import ApiToken, AuditEvent, User
from tests.console.conftest import PASSWORD, USERS, csrf_of
from tests.support import hotline_env, run_hotline

Client = Callable[[str | None], TestClient]
NEW_PASSWORD = "girasol tranvía cuaderno ochenta"  # fictional


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    return hotline_env(db_url)


def _opens(client: TestClient) -> bool:
    return client.get("/console/queue", follow_redirects=False).status_code == 200


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", "aaaaaaaaaaaa", "password1234", "qwertyuiop12"])
def test_users_create_refuses_short_common_and_guessable_passwords(env: dict[str, str], weak: str,
                                                                   session_factory: sessionmaker[Session]) -> None:
    result = run_hotline(["users", "create", "--username", "nadia", "--role", "admin"], env, stdin=weak + "\n")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "error: " in result.stderr and "Traceback" not in result.stderr
    assert any(w in result.stderr for w in ("at least 12 characters", "breached", "too easy to guess"))
    with session_factory() as s:
        assert s.scalars(select(User)).all() == []


def test_users_create_with_a_phone_stores_it_in_e164(env: dict[str, str], session_factory: sessionmaker[Session]) -> None:
    result = run_hotline(["users", "create", "--username", "nadia", "--role", "operator", "--phone", "+502 5551 0123"],
                         env, stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    bad = run_hotline(["users", "create", "--username", "nico", "--role", "operator", "--phone", "+1234"],
                      env, stdin=PASSWORD + "\n")
    assert bad.returncode == 2 and "not a valid number" in bad.stderr
    with session_factory() as s:
        assert [(u.username, u.phone) for u in s.scalars(select(User))] == [("nadia", "+50255510123")]


def test_end_sessions_logs_the_user_out_at_once_and_is_audited(
        env: dict[str, str], make_client: Client, session_factory: sessionmaker[Session]) -> None:
    olga = make_client("operator")
    assert _opens(olga)
    result = run_hotline(["users", "end-sessions", "--username", USERS["operator"]], env)
    assert result.returncode == 0, result.stderr
    assert "1 session(s)" in result.stdout and "ended" in result.stdout
    assert not _opens(olga)
    with session_factory() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "sessions_ended")).all()
        assert (event.actor, event.details) == ("cli", {"sessions_ended": 1})


def test_reset_password_ends_the_sessions_at_once_and_the_new_password_works(
        env: dict[str, str], make_client: Client) -> None:
    olga = make_client("operator")
    assert _opens(olga)
    result = run_hotline(["users", "reset-password", "--username", USERS["operator"]], env, stdin=NEW_PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert "1 session(s) ended" in result.stdout
    assert not _opens(olga)
    fresh = make_client(None)
    page = fresh.get("/console/login")
    r = fresh.post("/console/login", data={"username": USERS["operator"], "password": NEW_PASSWORD,
                                            "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    weak = run_hotline(["users", "reset-password", "--username", USERS["operator"]], env, stdin="1234567890\n")
    assert weak.returncode == 2 and "12 characters" in weak.stderr
    missing = run_hotline(["users", "reset-password", "--username", "nadie"], env, stdin=NEW_PASSWORD + "\n")
    assert missing.returncode == 2 and "no user 'nadie'" in missing.stderr


def test_deactivate_ends_the_sessions_at_once(env: dict[str, str], make_client: Client,
                                              session_factory: sessionmaker[Session], accounts: dict[str, int]) -> None:
    olga = make_client("operator")
    result = run_hotline(["users", "deactivate", "--username", USERS["operator"]], env)
    assert result.returncode == 0 and "deactivated; 1 session(s) ended" in result.stdout
    assert not _opens(olga)
    with session_factory() as s:
        user = s.get(User, accounts["operator"])
        assert user is not None and user.active is False


def test_tokens_create_with_expiry_owner_and_the_reporter_role(env: dict[str, str], accounts: dict[str, int],
                                                               session_factory: sessionmaker[Session]) -> None:
    result = run_hotline(["tokens", "create", "--name", "Hospital Ficticio", "--role", "reporter",
                          "--expires-days", "30"], env)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("token: hl_")
    mine = run_hotline(["tokens", "create", "--name", "portátil de olga", "--role", "operator",
                        "--user", USERS["operator"]], env)
    assert mine.returncode == 0 and "for user 'olga'" in mine.stdout
    too_high = run_hotline(["tokens", "create", "--name", "x", "--role", "admin", "--user", USERS["viewer"]], env)
    assert too_high.returncode == 2 and "cannot have more than their role" in too_high.stderr
    unknown_role = run_hotline(["tokens", "create", "--name", "x", "--role", "superuser"], env)
    assert unknown_role.returncode == 2 and "reporter" in unknown_role.stderr
    with session_factory() as s:
        rows = list(s.scalars(select(ApiToken).order_by(ApiToken.id)))
    assert [(t.role, t.integration, t.user_id) for t in rows] == [
        ("reporter", "Hospital Ficticio", None), ("operator", None, accounts["operator"])]
    assert rows[0].expires_at is not None
    assert timedelta(days=29) < rows[0].expires_at - utcnow() <= timedelta(days=30)
    assert rows[1].expires_at is None
