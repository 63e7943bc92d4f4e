"""Console sessions kept on the server (table ``console_sessions``).

The browser holds only a random id (32 bytes); the table holds its SHA-256, so that reading the
table gives no usable cookie. A session is usable while it is not ended, has seen a request within
the idle timeout (``CONSOLE_IDLE_MINUTES``) and is younger than its absolute lifetime
(``CONSOLE_SESSION_HOURS``). Logout, deactivation and a password reset end rows here: a copied
cookie then opens nothing, in every API process at once.

Like the rest of ``bot/``, these functions work in the caller's transaction and never commit.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from common.settings import Settings
from db.base import utcnow
from db.models import OperatorSession
from db.repositories import operator_sessions

SID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
STAGES = ("second_factor", "enrol", "full")
# Waiting for the code, or for a first enrolment, is short: the password must be typed again after.
PARTIAL_LIFETIME = timedelta(minutes=10)
# The last-seen time is written at most this often (not one write per page).
TOUCH_EVERY = timedelta(seconds=60)
KEEP_ENDED = timedelta(days=1)


def new_sid() -> str:
    return secrets.token_urlsafe(32)  # 43 characters


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


@dataclass(frozen=True)
class Started:
    sid: str
    row: OperatorSession


def start(session: Session, user_id: int, stage: str, settings: Settings, now: datetime | None = None) -> Started:
    """A new session for ``user_id`` at ``stage``; returns the id for the cookie."""
    assert stage in STAGES
    now = now or utcnow()
    lifetime = timedelta(hours=settings.console_session_hours) if stage == "full" else PARTIAL_LIFETIME
    sid = new_sid()
    row = operator_sessions.add_session(session, id_hash=_key(sid), user_id=user_id, stage=stage, now=now,
                                        expires_at=now + lifetime)
    # Old rows are removed now and then, at logins (no background job needed).
    operator_sessions.delete_expired_before(session, now - KEEP_ENDED)
    session.flush()
    return Started(sid, row)


def find(session: Session, sid: str | None, settings: Settings, now: datetime | None = None, *,
         activity: bool = True) -> OperatorSession | None:
    """The live session for ``sid``, touched; None if unknown, ended, idle too long or expired (an
    idle or expired one is ended here, so it stays ended). ``activity=False`` is a page's own
    background refresh: it is answered but does not count as the operator being there, or an open
    tab would keep a walked-away session alive for ever."""
    if not sid or not SID_PATTERN.match(sid):
        return None
    row = operator_sessions.by_id_hash(session, _key(sid))
    if row is None or row.ended_at is not None:
        return None
    now = now or utcnow()
    idle = timedelta(minutes=settings.console_idle_minutes)
    if row.expires_at <= now or now - row.last_seen_at > idle:
        end(row, "expired" if row.expires_at <= now else "idle", now)
        return None
    if activity and now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    return row


def end(row: OperatorSession, reason: str, now: datetime | None = None) -> None:
    if row.ended_at is None:
        row.ended_at = now or utcnow()
        row.ended_reason = reason


def end_all(session: Session, user_id: int, *, reason: str) -> int:
    """End every live session of ``user_id`` (deactivation, password reset, "end sessions")."""
    return operator_sessions.end_all_of_user(session, user_id, reason=reason, at=utcnow())


def live_count(session: Session, user_id: int, settings: Settings) -> int:
    """Sessions of ``user_id`` that could still be used (for the users page)."""
    now = utcnow()
    idle = timedelta(minutes=settings.console_idle_minutes)
    return operator_sessions.count_live(session, user_id, now=now, seen_after=now - idle)
