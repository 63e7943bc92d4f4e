"""Console sessions kept on the server (table ``console_sessions``), keyed by the SHA-256 of the
cookie's id. When a session is usable, and for how long, is ``bot.console_sessions``; this module
only adds, finds, ends in bulk, counts and removes rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from db.models import OperatorSession


def add_session(session: Session, *, id_hash: str, user_id: int, stage: str, now: datetime,
                expires_at: datetime) -> OperatorSession:
    """A new session row, created and last seen ``now``, with no failed codes."""
    row = OperatorSession(id_hash=id_hash, user_id=user_id, stage=stage, created_at=now, last_seen_at=now,
                          expires_at=expires_at, failed_codes=0)
    session.add(row)
    return row


def delete_expired_before(session: Session, cutoff: datetime) -> None:
    """Remove the rows that expired before ``cutoff`` (ended or not: none is usable any more)."""
    session.execute(delete(OperatorSession).where(OperatorSession.expires_at < cutoff))


def by_id_hash(session: Session, id_hash: str) -> OperatorSession | None:
    """The row for this key (ended or not), or None."""
    return session.get(OperatorSession, id_hash)


def end_all_of_user(session: Session, user_id: int, *, reason: str, at: datetime) -> int:
    """End every row of ``user_id`` not ended yet, in one statement; returns how many."""
    result = session.execute(
        update(OperatorSession)
        .where(OperatorSession.user_id == user_id, OperatorSession.ended_at.is_(None))
        .values(ended_at=at, ended_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def count_live(session: Session, user_id: int, *, now: datetime, seen_after: datetime) -> int:
    """Rows of ``user_id`` not ended, not expired at ``now`` and seen after ``seen_after``."""
    return int(session.scalar(
        select(func.count()).select_from(OperatorSession).where(
            OperatorSession.user_id == user_id, OperatorSession.ended_at.is_(None),
            OperatorSession.expires_at > now, OperatorSession.last_seen_at > seen_after)
    ) or 0)
