"""Console accounts over HTTP, on SQLite and PostgreSQL (issue 10, findings 3 and 4): server-side
sessions (logout, idle timeout, lifetime, deactivation, password reset), login throttling with
growing delays instead of a lock, the same code path for known and unknown names, the password
policy, the second factor (TOTP and recovery codes), and the users page. All data FICTIONAL."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

import bot
from api.app import create_app
from bot import login as login_service
from bot.login import ACCOUNT_MAX_WAIT
from common.settings import Settings
from db.base import utcnow
from db.models import AuditEvent, LoginThrottle, OperatorSession, User
from tests.console.conftest import PASSWORD, USERS, csrf_of, login, page_csrf

Client = Callable[[str | None], TestClient]
OUR_CODE = str(Path(bot.__file__).resolve().parent)


def _login(client: TestClient, username: str, password: str) -> Any:
    page = client.get("/console/login")
    return client.post("/console/login", data={"username": username, "password": password,
                                               "csrf_token": csrf_of(page.text)}, follow_redirects=False)


def _message(r: Any) -> str:
    found = re.search(r'<p class="error" role="alert">([^<]+)</p>', r.text)
    assert found, r.text
    return found.group(1)


def _copy_of(client: TestClient, make_client: Client) -> TestClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    copy = make_client(None)
    copy.cookies.set("hotline_console", client.cookies["hotline_console"], path="/console")
    return copy


def _opens(client: TestClient) -> bool:
    r = client.get("/console/queue", follow_redirects=False)
    if r.status_code == 200:
        return True
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login"), r.status_code
    return False


# --- sessions --------------------------------------------------------------------------------------


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_opens_nothing(make_client: Client) -> None:
    olga = make_client("operator")
    copy = _copy_of(olga, make_client)
    assert _opens(copy)
    r = olga.post("/console/logout", data={"csrf_token": page_csrf(olga)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login?salida=1"
    assert not _opens(copy)
    assert not _opens(olga)


def test_the_cookie_carries_only_a_random_id(make_client: Client, session_factory: sessionmaker[Session],
                                             accounts: dict[str, int]) -> None:
    olga = make_client("operator")
    cookie = olga.cookies["hotline_console"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie)
    with session_factory() as s:
        rows = list(s.scalars(select(OperatorSession).where(OperatorSession.user_id == accounts["operator"])))
    assert [r.stage for r in rows] == ["full"] and cookie not in {r.id_hash for r in rows}


def test_an_idle_session_ends_and_so_does_one_past_its_lifetime(make_client: Client,
                                                                 session_factory: sessionmaker[Session],
                                                                 accounts: dict[str, int]) -> None:
    olga, otto = make_client("operator"), make_client("operator2")
    assert _opens(olga) and _opens(otto)
    with session_factory.begin() as s:  # 31 minutes without a request (the default idle timeout is 30)
        s.execute(update(OperatorSession).where(OperatorSession.user_id == accounts["operator"])
                  .values(last_seen_at=utcnow() - timedelta(minutes=31)))
        s.execute(update(OperatorSession).where(OperatorSession.user_id == accounts["operator2"])
                  .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert not _opens(olga) and not _opens(otto)
    with session_factory() as s:
        reasons = set(s.scalars(select(OperatorSession.ended_reason)))
    assert reasons == {"idle", "expired"}


def test_a_recent_request_keeps_the_session_alive(make_client: Client, session_factory: sessionmaker[Session],
                                                  accounts: dict[str, int]) -> None:
    olga = make_client("operator")
    with session_factory.begin() as s:
        s.execute(update(OperatorSession).values(last_seen_at=utcnow() - timedelta(minutes=29)))
    assert _opens(olga)
    with session_factory() as s:
        seen = s.scalars(select(OperatorSession.last_seen_at)).one()
    assert utcnow() - seen < timedelta(minutes=1)


def test_the_pages_own_refreshes_do_not_keep_a_walked_away_session_alive(
        make_client: Client, session_factory: sessionmaker[Session], accounts: dict[str, int]) -> None:
    """An open tab polls the alerts and the transcript for ever; only the operator's own requests
    are activity (the scripts mark their refreshes with X-Console-Refresh: 1)."""
    olga = make_client("operator")
    refresh = {"X-Console-Refresh": "1", "Accept": "application/json"}
    with session_factory.begin() as s:
        s.execute(update(OperatorSession).values(last_seen_at=utcnow() - timedelta(minutes=29)))
    for _ in range(3):
        assert olga.get("/console/alerts", headers=refresh, follow_redirects=False).status_code == 200
    with session_factory() as s:
        seen = s.scalars(select(OperatorSession.last_seen_at)).one()
    assert utcnow() - seen > timedelta(minutes=28)  # answered, but not counted as the operator
    with session_factory.begin() as s:
        s.execute(update(OperatorSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    ended = olga.get("/console/alerts", headers=refresh, follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"].startswith("/console/login")
    assert not _opens(olga)
    with session_factory() as s:
        assert s.scalars(select(OperatorSession.ended_reason)).one() == "idle"


# --- the users page and the commands ----------------------------------------------------------------


def test_an_admin_resets_a_password_on_the_users_page_and_the_sessions_end_at_once(
        make_client: Client, accounts: dict[str, int]) -> None:
    admin, olga = make_client("admin"), make_client("operator")
    copy = _copy_of(olga, make_client)
    token = page_csrf(admin, "/console/users")
    r = admin.post(f"/console/users/{accounts['operator']}/reset-password", data={"csrf_token": token})
    assert r.status_code == 200
    new_password = re.search(r'id="new-password-value">([^<]+)<', r.text)
    assert new_password, r.text
    assert not _opens(olga) and not _opens(copy)
    assert _login(make_client(None), USERS["operator"], PASSWORD).status_code == 401
    assert _login(make_client(None), USERS["operator"], new_password.group(1)).status_code == 303


def test_an_admin_deactivates_an_account_its_sessions_end_and_it_cannot_log_in(
        make_client: Client, accounts: dict[str, int], session_factory: sessionmaker[Session]) -> None:
    admin, olga = make_client("admin"), make_client("operator")
    r = admin.post(f"/console/users/{accounts['operator']}/deactivate",
                   data={"csrf_token": page_csrf(admin, "/console/users")}, follow_redirects=True)
    assert r.status_code == 200 and "Cuenta desactivada" in r.text
    assert not _opens(olga)
    refused = _login(make_client(None), USERS["operator"], PASSWORD)
    unknown = _login(make_client(None), "no-existe", PASSWORD)
    assert refused.status_code == unknown.status_code == 401 and _message(refused) == _message(unknown)
    r = admin.post(f"/console/users/{accounts['operator']}/reactivate",
                   data={"csrf_token": page_csrf(admin, "/console/users")})
    assert _login(make_client(None), USERS["operator"], PASSWORD).status_code == 303
    with session_factory() as s:
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == str(accounts["operator"]),
                                                                 AuditEvent.actor == "user:ada")))
    assert actions == ["user_deactivated", "user_reactivated"]


def test_ending_sessions_from_the_users_page(make_client: Client, accounts: dict[str, int]) -> None:
    admin, olga = make_client("admin"), make_client("operator")
    r = admin.post(f"/console/users/{accounts['operator']}/end-sessions",
                   data={"csrf_token": page_csrf(admin, "/console/users")}, follow_redirects=False)
    assert r.status_code == 303
    assert not _opens(olga)
    assert _opens(admin)


def test_an_admin_cannot_lock_themselves_out_from_the_users_page(make_client: Client, accounts: dict[str, int]) -> None:
    admin = make_client("admin")
    r = admin.post(f"/console/users/{accounts['admin']}/deactivate",
                   data={"csrf_token": page_csrf(admin, "/console/users")})
    assert r.status_code == 409 and "su propia cuenta" in r.text
    assert _opens(admin)


def test_the_users_page_shows_second_factor_phone_masked_and_sessions(
        make_client: Client, session_factory: sessionmaker[Session], accounts: dict[str, int]) -> None:
    with session_factory.begin() as s:
        s.execute(update(User).where(User.id == accounts["operator"]).values(phone="+50255510123"))
    make_client("operator")
    page = make_client("admin").get("/console/users").text
    row = re.search(r'<tr data-user="olga">(.*?)</tr>', page, re.S)
    assert row and "+50255510123" not in page
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    assert cells[3] == "no" and "0123" in cells[4] and cells[5] == "1"


# --- throttling ------------------------------------------------------------------------------------


def test_failures_grow_a_wait_and_the_right_password_works_once_it_is_over(
        make_client: Client, session_factory: sessionmaker[Session]) -> None:
    client = make_client(None)
    for _ in range(5):  # five free failures
        assert _login(client, USERS["operator"], "contraseña-equivocada").status_code == 401
    assert _login(client, USERS["operator"], "contraseña-equivocada").status_code == 401  # the sixth sets a wait
    with session_factory.begin() as s:
        row = s.get(LoginThrottle, ("account", "olga"))
        assert row is not None and row.failures == 6 and row.blocked_until is not None
        assert timedelta(0) < row.blocked_until - utcnow() <= timedelta(seconds=1)  # 1 s, then doubling
        row.blocked_until = utcnow() + timedelta(seconds=60)  # as after several more failures (no sleeping)
    during = _login(client, USERS["operator"], PASSWORD)  # the right password, during the wait
    assert during.status_code == 429 and 50 <= int(during.headers["retry-after"]) <= 60
    assert "Espere" in _message(during)
    # Attempts during the wait are not counted: hammering cannot push it further.
    for _ in range(20):
        assert _login(client, USERS["operator"], "contraseña-equivocada").status_code == 429
    with session_factory.begin() as s:
        row = s.get(LoginThrottle, ("account", "olga"))
        assert row is not None and row.failures == 6
        row.blocked_until = utcnow() - timedelta(seconds=1)  # the wait is over
        s.execute(update(LoginThrottle).where(LoginThrottle.scope == "address")
                  .values(blocked_until=None))
    assert _login(client, USERS["operator"], PASSWORD).status_code == 303
    with session_factory() as s:
        assert s.get(LoginThrottle, ("account", "olga")) is None  # forgotten after a success


def test_nobody_can_keep_an_operator_out_for_longer_than_a_minute(session_factory: sessionmaker[Session]) -> None:
    """However many failures an attacker sends (from many addresses), the wait per account is capped."""
    with session_factory.begin() as s:
        for n in range(60):
            login_service.record_failure(s, "olga", f"198.51.100.{n}")
        row = s.get(LoginThrottle, ("account", "olga"))
        assert row is not None and row.failures == 60 and row.blocked_until is not None
        assert row.blocked_until - utcnow() <= timedelta(seconds=ACCOUNT_MAX_WAIT)


def test_one_address_cannot_spray_forty_passwords(make_client: Client, session_factory: sessionmaker[Session]) -> None:
    client = make_client(None)
    statuses = [_login(client, f"usuario-{n}", f"clave-rociada-{n}").status_code for n in range(40)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 401  # ten free failures; the eleventh sets a wait
    with session_factory() as s:
        checked = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login_failed"))
    # Each later failure doubles the wait (1, 2, 4, 8, 16 s: more than 40 requests take); every other
    # attempt was a 429 before any password was looked at.
    assert checked is not None and 11 <= checked <= 16
    assert statuses.count(429) == 40 - checked, statuses


def _trace(run: Callable[[], object]) -> list[tuple[str, int, str]]:
    """Every line of our own code run by ``run``, and every argon2 function it called, in order."""
    seen: list[tuple[str, int, str]] = []

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        name = frame.f_code.co_filename
        if name.startswith(OUR_CODE) and event == "line":
            seen.append((name, frame.f_lineno, ""))
        elif "/argon2/" in name and event == "call":
            seen.append(("argon2", 0, frame.f_code.co_name))
        return tracer

    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(None)
    return seen


def test_a_known_and_an_unknown_username_take_the_same_code_path(session_factory: sessionmaker[Session],
                                                                  accounts: dict[str, int]) -> None:
    """Not a timing measurement: the same lines of bot/ run and argon2 verifies once in both cases."""
    def attempt(name: str, address: str) -> Callable[[], object]:
        def run() -> object:
            with session_factory.begin() as s:
                return login_service.check_password_login(s, name, "contraseña-equivocada", address)
        return run

    attempt("calentamiento", "192.0.2.1")()  # first-use imports and caches out of the way
    known = _trace(attempt(USERS["operator"], "192.0.2.2"))
    unknown = _trace(attempt("no-existe-nadie", "192.0.2.3"))
    assert known == unknown
    assert ("argon2", 0, "verify") in known
    assert len([e for e in known if e[2] == "verify"]) == 1


# --- the password policy ----------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", "aaaaaaaaaaaa", "password1234", "iloveyou1234", "Contraseña123",
                                  "olga-olga-olga"])
def test_a_weak_password_is_refused_when_changing_it(make_client: Client, weak: str) -> None:
    olga = make_client("operator")
    r = olga.post("/console/account/password", data={"csrf_token": page_csrf(olga, "/console/account"),
                                                     "current": PASSWORD, "new": weak, "repeat": weak})
    assert r.status_code == 422
    assert re.search(r"al menos 12 caracteres|filtradas|fácil de adivinar", _message(r))


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(make_client: Client) -> None:
    olga = make_client("operator")
    other = make_client("operator")
    new = "tortuga marea lámpara veintitrés"
    r = olga.post("/console/account/password", data={"csrf_token": page_csrf(olga, "/console/account"),
                                                     "current": PASSWORD, "new": new, "repeat": new},
                  follow_redirects=True)
    assert r.status_code == 200 and "Contraseña cambiada" in r.text
    assert _opens(olga) and not _opens(other)
    assert _login(make_client(None), USERS["operator"], new).status_code == 303


# --- the second factor ------------------------------------------------------------------------------


def _enrol(client: TestClient) -> tuple[str, list[str]]:
    page = client.get("/console/account/second-factor")
    assert page.status_code == 200
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
    assert secret and "<svg" in page.text and "otpauth://totp/" in page.text
    wrong = client.post("/console/account/second-factor", data={"csrf_token": csrf_of(page.text), "code": "123456"})
    assert wrong.status_code == 422
    r = client.post("/console/account/second-factor",
                    data={"csrf_token": csrf_of(wrong.text), "code": pyotp.TOTP(secret.group(1)).now()})
    assert r.status_code == 200
    codes = re.findall(r'<li><code class="ref">([a-z0-9-]+)</code></li>', r.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret.group(1), codes


def _code_step(client: TestClient, code: str) -> Any:
    page = client.get("/console/login/code")
    assert page.status_code == 200
    return client.post("/console/login/code", data={"csrf_token": csrf_of(page.text), "code": code,
                                                     "next": "/console/queue"}, follow_redirects=False)


def test_enrolled_users_log_in_with_a_code_and_a_recovery_code_works_once(
        make_client: Client, session_factory: sessionmaker[Session], accounts: dict[str, int]) -> None:
    olga = make_client("operator")
    secret, codes = _enrol(olga)
    with session_factory() as s:
        user = s.get(User, accounts["operator"])
        assert user is not None and user.totp_secret == secret
    totp = pyotp.TOTP(secret)
    client = make_client(None)
    r = _login(client, USERS["operator"], PASSWORD)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login/code")
    assert not _opens(client)  # the password alone opens nothing
    assert _code_step(client, "000000").status_code == 401
    next_code = totp.at(time.time() + 30)  # the enrolment used the current step; a code is never reused
    r = _code_step(client, next_code)
    assert r.status_code == 303 and r.headers["location"] == "/console/queue"
    assert _opens(client)
    # The same code again (a replay) is refused; a recovery code works, once.
    again = make_client(None)
    _login(again, USERS["operator"], PASSWORD)
    assert _code_step(again, next_code).status_code == 401
    assert _code_step(again, codes[0].upper()).status_code == 303
    third = make_client(None)
    _login(third, USERS["operator"], PASSWORD)
    assert _code_step(third, codes[0]).status_code == 401


def test_five_wrong_codes_send_the_user_back_to_the_password(make_client: Client) -> None:
    olga = make_client("operator")
    _enrol(olga)
    client = make_client(None)
    _login(client, USERS["operator"], PASSWORD)
    for _ in range(4):
        assert _code_step(client, "000000").status_code == 401
    page = client.get("/console/login/code")
    r = client.post("/console/login/code", data={"csrf_token": csrf_of(page.text), "code": "000000"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    assert client.get("/console/login/code", follow_redirects=False).status_code == 303


@pytest.fixture
def required_app(settings: Settings) -> Any:
    return create_app(settings.model_copy(update={"hotline_require_second_factor": True}))


def test_where_the_second_factor_is_required_a_user_must_enrol_before_anything_else(
        required_app: Any, accounts: dict[str, int]) -> None:
    with TestClient(required_app) as client:
        r = _login(client, USERS["viewer"], PASSWORD)
        assert r.status_code == 303 and r.headers["location"] == "/console/account/second-factor"
        queue = client.get("/console/queue", follow_redirects=False)
        assert queue.status_code == 303 and queue.headers["location"] == "/console/account/second-factor"
        page = client.get("/console/account/second-factor")
        assert "exige un segundo factor" in page.text
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
        assert secret
        r = client.post("/console/account/second-factor",
                        data={"csrf_token": csrf_of(page.text), "code": pyotp.TOTP(secret.group(1)).now()})
        assert r.status_code == 200 and "Códigos de recuperación" in r.text
        assert client.get("/console/queue").status_code == 200


def test_production_requires_the_second_factor_and_development_offers_it(settings: Settings) -> None:
    assert settings.hotline_env == "development" and not settings.second_factor_required
    production = settings.model_copy(update={"hotline_env": "production"})
    assert production.second_factor_required


def test_in_development_the_second_factor_is_optional(make_client: Client) -> None:
    olga = make_client("operator")
    page = olga.get("/console/account")
    assert "No activo" in page.text and "/console/account/second-factor" in page.text
    login(make_client(None), USERS["viewer"])  # logs in with the password alone
