"""One worker at a time per periodic job: a PostgreSQL advisory lock held by the job's transaction."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def job_key(name: str) -> int:
    """A stable signed 64-bit key per job name (advisory locks take a bigint)."""
    digest = hashlib.blake2b(f"hotline.job.{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def try_lock_job(session: Session, name: str) -> bool:
    """In the caller's transaction: True when this worker may run the job now (the lock is released
    when the transaction ends); False at once when another worker's transaction holds it. SQLite:
    True once the transaction has begun, which takes the one write lock (BEGIN IMMEDIATE,
    db/session.py): a second worker waits for the first run to end, never runs alongside it."""
    if session.get_bind().dialect.name != "postgresql":
        session.connection()  # begins the transaction now, not at the job's first statement
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(job_key(name)))))
