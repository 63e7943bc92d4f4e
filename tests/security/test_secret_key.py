"""Finding 1: the session-signing key. Production refuses a weak HOTLINE_SECRET_KEY wherever it
starts; development lets one through only to `hotline demo` and a loopback-only server, which then
sign with a random key of their own; HOTLINE_ENV is a closed set."""

from __future__ import annotations

import secrets
import subprocess
import time

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from bot.auth import create_user
from common.secret_key import DEV_SECRET_KEY, HOW_TO_MAKE_ONE
from common.settings import Settings
from tests.support import free_port, hotline_env, run_hotline, running_hotline

WEAK_KEYS = [
    DEV_SECRET_KEY, "x", "changeme", "secret", "Change-Me", "CHANGEME-" + "a1b2c3d4e5f6g7h8i9j0k1l2m3n4",
    secrets.token_urlsafe(16),  # random but 22 bytes
    "a" * 64,  # long but guessable
    "",
]


@pytest.mark.parametrize("key", WEAK_KEYS)
def test_production_refuses_every_weak_secret_key(key: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(hotline_env="production", hotline_secret_key=key)
    message = str(refused.value)
    assert "HOTLINE_SECRET_KEY" in message and HOW_TO_MAKE_ONE in message


def test_production_accepts_a_random_key_of_32_bytes_or_more() -> None:
    key = secrets.token_urlsafe(48)
    assert Settings(hotline_env="production", hotline_secret_key=key).hotline_secret_key == key


@pytest.mark.parametrize("value", ["staging", "prod", "dev", "test", ""])
def test_hotline_env_is_a_closed_set(value: str) -> None:
    with pytest.raises(ValidationError, match="HOTLINE_ENV must be one of development, production"):
        Settings(hotline_env=value)


def test_hotline_env_accepts_its_two_values_whatever_the_case() -> None:
    assert Settings(hotline_env=" Production ", hotline_secret_key=secrets.token_urlsafe(48)).hotline_env == "production"
    assert Settings(hotline_env="development").hotline_env == "development"


def _refused(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a command that must refuse to start (a timeout means it started: the test fails)."""
    try:
        result = run_hotline(args, env, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hotline {' '.join(args)} started with a weak secret key")
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


@pytest.mark.parametrize("key", ["x", DEV_SECRET_KEY, "changeme"])
def test_a_production_server_refuses_to_start_with_a_weak_key_and_says_how_to_make_one(
        db_url: str, key: str) -> None:
    env = hotline_env(db_url, HOTLINE_ENV="production", HOTLINE_SECRET_KEY=key)
    result = _refused(["serve", "--port", str(free_port()), "--no-worker"], env)
    assert "HOTLINE_SECRET_KEY" in result.stderr and HOW_TO_MAKE_ONE in result.stderr


def test_the_worker_and_the_demo_refuse_it_too_in_production(db_url: str) -> None:
    env = hotline_env(db_url, HOTLINE_ENV="production", HOTLINE_SECRET_KEY="x")
    assert "HOTLINE_SECRET_KEY" in _refused(["worker"], env).stderr
    assert "HOTLINE_SECRET_KEY" in _refused(["demo", "--port", str(free_port())], env).stderr


def test_an_unknown_hotline_env_is_refused_with_the_accepted_values(db_url: str) -> None:
    result = _refused(["serve", "--port", str(free_port())], hotline_env(db_url, HOTLINE_ENV="staging"))
    assert "HOTLINE_ENV must be one of development, production (got 'staging')" in result.stderr


def test_a_development_server_reachable_from_other_machines_refuses_the_default_key(db_url: str) -> None:
    result = _refused(["serve", "--host", "0.0.0.0", "--port", str(free_port()), "--no-worker"],
                      hotline_env(db_url))
    assert "HOTLINE_SECRET_KEY" in result.stderr and "--host 0.0.0.0" in result.stderr


def _forged_admin_cookie(user_id: int) -> str:
    """What the review did: a console session signed with the public development constant."""
    payload = {"sid": secrets.token_urlsafe(18), "csrf": secrets.token_urlsafe(24), "uid": user_id,
               "at": time.time()}
    return URLSafeTimedSerializer(DEV_SECRET_KEY, salt="hotline-console-session").dumps(payload)


def test_a_loopback_development_server_starts_but_the_public_constant_opens_nothing(
        db_url: str, session_factory: sessionmaker[Session]) -> None:
    from db.migrate import upgrade

    upgrade(db_url)
    with session_factory.begin() as s:  # a FICTIONAL administrator
        admin_id = create_user(s, "ada-ficticia", "admin", "contraseña-ficticia-de-prueba-1", actor="test").id
    port = free_port()
    with running_hotline(["serve", "--port", str(port), "--no-worker"], hotline_env(db_url), port) as base:
        r = httpx.get(base + "/console/exports", cookies={"hotline_console": _forged_admin_cookie(admin_id)},
                      follow_redirects=False)
    assert r.status_code in (302, 303) and "/console/login" in r.headers["location"]


def test_demo_and_loopback_serve_sign_with_a_random_key_never_the_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from api.commands.server import settings_to_serve
    from common.secret_key import secret_key_problem
    from common.settings import get_settings

    monkeypatch.delenv("HOTLINE_SECRET_KEY", raising=False)
    monkeypatch.delenv("HOTLINE_ENV", raising=False)
    get_settings.cache_clear()
    try:
        keys = {settings_to_serve(get_settings(), host).hotline_secret_key for host in ("127.0.0.1", "::1", "localhost")}
        keys.add(settings_to_serve(get_settings(), "0.0.0.0", demo=True).hotline_secret_key)
        assert DEV_SECRET_KEY not in keys and all(secret_key_problem(k) is None for k in keys)
        monkeypatch.setenv("HOTLINE_SECRET_KEY", "changeme")
        get_settings.cache_clear()
        with pytest.raises(typer.Exit):
            settings_to_serve(get_settings(), "0.0.0.0")
        strong = secrets.token_urlsafe(48)
        monkeypatch.setenv("HOTLINE_SECRET_KEY", strong)
        get_settings.cache_clear()
        assert settings_to_serve(get_settings(), "0.0.0.0").hotline_secret_key == strong  # kept as given
    finally:
        get_settings.cache_clear()
