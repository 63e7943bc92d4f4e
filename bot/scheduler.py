"""Periodic jobs that run inside every outbox worker (``hotline worker``, ``hotline serve``,
``hotline telegram poll``): today, the follow-ups that work against silence (SPEC section 5).

Each job runs in its own transaction, and on one worker at a time: the transaction first takes the
job's PostgreSQL advisory lock (``pg_try_advisory_xact_lock``); a worker that finds it taken skips
this period, as another is running the job right now. (SQLite's one writer at a time does the
same.) The jobs stay safe if run twice anyway (``send_due_followups`` takes its cases with FOR
UPDATE SKIP LOCKED), so no relative gets the same follow-up twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from common.logging import get_logger
from common.settings import Settings
from db.repositories import job_locks
from db.session import session_scope

log = get_logger("scheduler")

FOLLOWUP_CHECK_SECONDS = 60.0  # how often a worker looks for silent cases (the interval is hours)


@dataclass
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[Session], int]  # returns how many things it did (logged as a count)
    next_at: float = field(default=0.0)  # monotonic time; 0 = at the worker's first loop

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def run_once(self, factory: sessionmaker[Session]) -> int:
        """One run in its own transaction; a failure is logged and retried at the next period."""
        self.next_at = time.monotonic() + self.every_seconds
        try:
            with session_scope(factory) as session:
                if not job_locks.try_lock_job(session, self.name):
                    log.info("scheduler.job_skipped", job=self.name, reason="running on another worker")
                    return 0
                done = self.run(session)
        except Exception as exc:  # the database may be briefly unreachable: the next period retries
            log.error("scheduler.job_failed", job=self.name, error=type(exc).__name__)
            return 0
        if done:
            log.info("scheduler.job_done", job=self.name, count=done)
        return done


def followup_job(settings: Settings, every_seconds: float = FOLLOWUP_CHECK_SECONDS) -> PeriodicJob:
    from bot.notifications import send_due_followups

    return PeriodicJob("followups", every_seconds, lambda session: send_due_followups(session, settings))
