"""Failed console logins per account name and per client address (table ``login_throttle``).

The rules (how many failures are free, how long each wait is, when rows are forgotten) are
``bot.login``; this module only counts, reads and removes rows. A row is keyed by ``(scope, key)``:
``scope`` is ``"account"`` or ``"address"``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from db.models import LoginThrottle


def blocked_until(session: Session, scope: str, key: str) -> datetime | None:
    """Until when ``key`` is made to wait (None: no wait was set, or there is no row)."""
    row = session.get(LoginThrottle, (scope, key))
    return row.blocked_until if row is not None else None


def count_failure(session: Session, scope: str, key: str, now: datetime, window: timedelta) -> int:
    """Count one failure for ``key`` and return its failures so far. Atomic (one upsert), so that
    concurrent failures all count; a row whose last failure is older than ``window`` starts again
    at 1."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table: Any = LoginThrottle.__table__
    stmt = insert(table).values(scope=scope, key=key, failures=1, last_failure_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["scope", "key"],
        set_={"failures": case((table.c.last_failure_at < now - window, 1), else_=table.c.failures + 1),
              "last_failure_at": now},
    )
    session.execute(stmt)
    return session.scalar(select(LoginThrottle.failures).where(LoginThrottle.scope == scope,
                                                               LoginThrottle.key == key)) or 1


def set_blocked_until(session: Session, scope: str, key: str, until: datetime | None) -> None:
    """Make ``key`` wait until ``until`` (None: no wait). The row is read again from the database
    first: the upsert of ``count_failure`` bypassed the session's copy."""
    row = session.get(LoginThrottle, (scope, key), populate_existing=True)
    if row is not None:
        row.blocked_until = until


def forget(session: Session, scope: str, key: str) -> None:
    """Remove the failures of ``key``."""
    row = session.get(LoginThrottle, (scope, key))
    if row is not None:
        session.delete(row)


def delete_stale(session: Session, cutoff: datetime) -> None:
    """Remove rows whose last failure and wait both ended before ``cutoff``."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < cutoff,
                                                or_(LoginThrottle.blocked_until.is_(None),
                                                    LoginThrottle.blocked_until < cutoff)))
