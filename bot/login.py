"""Checking a console login: growing delays instead of a lock, and one code path for every name.

Throttling (table ``login_throttle``): failures are counted per typed account name and per client
address, and forgotten after ``WINDOW`` without one. Beyond a few free failures each one sets a wait
that doubles (per name: from 1 s up to ``ACCOUNT_MAX_WAIT``; per address: from 1 s up to
``ADDRESS_MAX_WAIT``). While a wait runs, attempts are answered "wait N s" (HTTP 429) without
looking at the password and WITHOUT counting: hammering an account cannot push its wait further, and
once the wait is over the right password works. So nobody can lock an operator out for more than a
minute at a time, and one address cannot spray passwords (after ten failures it waits, then longer).

Same work for every name: the name is looked up, then argon2 verifies the password against the
user's hash or, for an unknown name, against a dummy hash of the same parameters; the throttle is
keyed by the typed name whether or not it exists. A deactivated account is verified like any other
and refused after. The refusal reads the same in every case.

Like the rest of ``bot/``, these functions work in the caller's transaction and never commit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.auth import find_user, hash_password, verify_password
from db.base import utcnow
from db.models import User
from db.repositories import audit, login_throttle

WINDOW = timedelta(minutes=15)
KEEP = timedelta(days=1)  # throttle rows older than this are deleted at a successful login
ACCOUNT_FREE_FAILURES = 5
ACCOUNT_MAX_WAIT = 60.0
ADDRESS_FREE_FAILURES = 10
ADDRESS_MAX_WAIT = 900.0
_RULES = {"account": (ACCOUNT_FREE_FAILURES, ACCOUNT_MAX_WAIT), "address": (ADDRESS_FREE_FAILURES, ADDRESS_MAX_WAIT)}

# Verified against when the name is unknown: argon2 with the same parameters as real hashes.
_DUMMY_HASH = hash_password("not-a-real-password-but-the-same-work")


@dataclass(frozen=True)
class LoginResult:
    outcome: str  # "ok", "refused", "throttled"
    user: User | None = None
    retry_after: int = 0  # seconds, when throttled


def account_key(username: str) -> str:
    return username.strip().casefold()[:200]


def address_key(address: str | None) -> str:
    return (address or "unknown")[:200]


def wait_seconds(session: Session, username: str, address: str | None, now: datetime | None = None) -> int:
    """How long this name or this address must still wait (0: it may try now)."""
    now = now or utcnow()
    keys = [("account", account_key(username)), ("address", address_key(address))]
    waits = [0.0]
    for scope, key in keys:
        until = login_throttle.blocked_until(session, scope, key)
        if until is not None and until > now:
            waits.append((until - now).total_seconds())
    return math.ceil(max(waits))


def _delay(scope: str, failures: int) -> float:
    free, cap = _RULES[scope]
    return 0.0 if failures <= free else min(cap, 2.0 ** (failures - free - 1))


def record_failure(session: Session, username: str, address: str | None, now: datetime | None = None) -> None:
    """Count one failure for the name and for the address (atomically: concurrent failures all count)."""
    now = now or utcnow()
    for scope, key in (("account", account_key(username)), ("address", address_key(address))):
        # A failure older than WINDOW is forgotten: the count starts again at 1.
        failures = login_throttle.count_failure(session, scope, key, now, WINDOW)
        delay = _delay(scope, failures)
        login_throttle.set_blocked_until(session, scope, key, now + timedelta(seconds=delay) if delay else None)
    session.flush()


def clear_account(session: Session, username: str, now: datetime | None = None) -> None:
    """A successful login forgets the name's failures (the address's stay until the window ends),
    and rows past the window are removed (names sprayed by someone else would otherwise pile up)."""
    login_throttle.forget(session, "account", account_key(username))
    login_throttle.delete_stale(session, (now or utcnow()) - KEEP)


def check_password_login(session: Session, username: str, password: str, address: str | None,
                         now: datetime | None = None) -> LoginResult:
    """The password step of a console login (the second factor, when enrolled, comes after)."""
    now = now or utcnow()
    wait = wait_seconds(session, username, address, now)
    if wait > 0:
        audit.record(session, actor=f"login:{username[:100]}", action="login_throttled", subject_type="user",
                     details={"retry_after": wait})
        return LoginResult("throttled", retry_after=wait)
    user = find_user(session, username)
    # One path for every name: the same lookup, one argon2 verification, the same bookkeeping.
    verified = verify_password(user.password_hash if user is not None else _DUMMY_HASH, password)
    if verified and user is not None and user.active:
        clear_account(session, username, now)
        return LoginResult("ok", user)
    record_failure(session, username, address, now)
    reason = "unknown_user" if user is None else ("inactive" if verified else "bad_password")
    audit.record(session, actor=f"login:{username[:100]}", action="login_failed", subject_type="user",
                 subject_id=user.id if user is not None else None, details={"reason": reason})
    return LoginResult("refused")
