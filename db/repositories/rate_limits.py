"""Provider limits shared by every worker process, kept in PostgreSQL (``outbox_rate_limits``).

Each limit is the next free send slot of one key (e.g. ``sms``). A worker reserves a slot in one
atomic statement, ``next_at = max(next_at, now) + interval``, and sends when its slot comes: however
many workers reserve, slots are ``interval`` apart. Times are the database's clock, so workers on
hosts whose clocks differ still agree.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# A slot further ahead than this is stale (the limit was lowered, then raised again): start afresh.
STALE_SECONDS = 60.0

_RESERVE = text(
    """
    INSERT INTO outbox_rate_limits AS r (key, next_at)
    VALUES (:key, clock_timestamp() + make_interval(secs => :interval))
    ON CONFLICT (key) DO UPDATE SET next_at =
        CASE WHEN r.next_at > clock_timestamp() + make_interval(secs => :stale) THEN clock_timestamp()
             ELSE GREATEST(r.next_at, clock_timestamp()) END
        + make_interval(secs => :interval)
    RETURNING EXTRACT(EPOCH FROM (r.next_at - clock_timestamp()))::float8 - :interval
    """
)


def reserve_slot(session: Session, key: str, interval: float) -> float:
    """Reserve the next slot of ``key``; returns the seconds to wait for it (0 or more). The caller
    commits at once (autocommit is best: one round trip)."""
    stale = max(STALE_SECONDS, 10 * interval)
    seconds = session.execute(_RESERVE, {"key": key, "interval": interval, "stale": stale}).scalar_one()
    return max(0.0, float(seconds))
