"""The outbox worker: claims due rows, sends them within provider limits, records each outcome.

Database work is synchronous SQLAlchemy run in threads; sends are concurrent coroutines. Each row's
outcome is committed as soon as its send returns.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from bot.outbox.ratelimit import ChannelLimits
from bot.outbox.senders import PermanentError, RateLimited, Sender, SendError
from bot.scheduler import PeriodicJob
from common.logging import get_logger
from common.metrics import OUTBOX_RESULTS
from db.models import Conversation, OutboundMessage
from db.repositories import outbox as repo
from db.session import session_scope

log = get_logger("outbox")

# Kinds that may still go to a contact that just opted out (the confirmation of the opt-out).
ALLOWED_AFTER_OPT_OUT = frozenset({"optout_confirmation"})


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    recipient: str
    text: str
    kind: str
    attempts: int


@dataclass
class WorkerConfig:
    batch_size: int = 50
    lease_seconds: float = 60.0
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_cap: float = 600.0
    idle_sleep: float = 0.5
    concurrency: int = 16
    # Jobs run between batches (bot/scheduler.py: the follow-ups to silent cases).
    periodic: list[PeriodicJob] = field(default_factory=list)


class OutboxWorker:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        senders: Mapping[str, Sender],
        limits: Mapping[str, ChannelLimits] | None = None,
        config: WorkerConfig | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.senders = dict(senders)
        self.limits = dict(limits or {})
        self.config = config or WorkerConfig()
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{random.randrange(1 << 30):x}"
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()

    # --- database steps (run in threads) --------------------------------------------------------

    def _claim(self) -> list[Claimed]:
        with session_scope(self.session_factory) as session:
            # Exclusive among workers: FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on
            # SQLite (db.session).
            rows = repo.claim_due(
                session,
                self.worker_id,
                limit=self.config.batch_size,
                lease_seconds=self.config.lease_seconds,
                channels=tuple(self.senders),
            )
            claimed = [Claimed(r.id, r.channel, r.recipient, r.text, r.kind, r.attempts) for r in rows]
            ids = [c.id for c in claimed]
            if ids:
                # Drop what may no longer be sent: the contact opted out after it was queued.
                out = {
                    (c.channel, c.address)
                    for c in session.query(Conversation).filter(Conversation.opted_out.is_(True)).filter(
                        Conversation.address.in_({c.recipient for c in claimed})
                    )
                }
                keep = []
                for c in claimed:
                    if (c.channel, c.recipient) in out and c.kind not in ALLOWED_AFTER_OPT_OUT:
                        row = session.get(OutboundMessage, c.id)
                        assert row is not None
                        row.status = "cancelled"
                        row.last_error = "recipient opted out"
                        row.claimed_until = None
                    else:
                        keep.append(c)
                claimed = keep
        return claimed

    def _record(self, fn_name: str, *args: object, **kwargs: object) -> object:
        with session_scope(self.session_factory) as session:
            return getattr(repo, fn_name)(session, *args, **kwargs)

    def _record_opt_out(self, channel: str, recipient: str) -> None:
        from db.base import utcnow

        with session_scope(self.session_factory) as session:
            conv = session.query(Conversation).filter_by(channel=channel, address=recipient).first()
            if conv is not None and not conv.opted_out:
                conv.opted_out = True
                conv.opted_out_at = utcnow()

    # --- sending --------------------------------------------------------------------------------

    def _backoff(self, attempts: int) -> float:
        base = min(self.config.backoff_cap, self.config.backoff_base * (2 ** max(0, attempts - 1)))
        return base * (0.5 + random.random() / 2)  # jitter so retries do not stampede

    async def _send_one(self, item: Claimed) -> None:
        sender = self.senders[item.channel]
        limits = self.limits.get(item.channel)
        if limits is not None:
            wait = limits.spacing.wait_needed(item.recipient)
            if wait > 0:
                # Someone else is talking to this chat right now; give the row back for later
                # (no attempt counted) instead of holding a slot.
                await asyncio.to_thread(self._record, "release", item.id, self.worker_id, delay_seconds=wait)
                return
            await limits.pace.wait()
            # Counted from when the send really starts (after the pace), so that the recipient's
            # next message, sent right after this one, still keeps its distance at the provider.
            limits.spacing.reserve(item.recipient)
        try:
            provider_id = await sender.send(item.recipient, item.text)
        except RateLimited as exc:
            if limits is not None:
                limits.pace.hold(exc.retry_after)
            log.info("outbox.rate_limited", outbox_id=item.id, retry_after=exc.retry_after)
            await asyncio.to_thread(self._record, "release", item.id, self.worker_id,
                                    delay_seconds=exc.retry_after)
        except PermanentError as exc:
            log.warning("outbox.permanent_failure", outbox_id=item.id, channel=item.channel, error=str(exc))
            if exc.opted_out:
                await asyncio.to_thread(self._record_opt_out, item.channel, item.recipient)
            await asyncio.to_thread(self._record, "mark_failed", item.id, self.worker_id, str(exc))
            OUTBOX_RESULTS.labels(item.channel, "failed").inc()
        except (SendError, Exception) as exc:  # a bug in an adapter must not kill the worker
            state = await asyncio.to_thread(
                self._record, "mark_retry", item.id, self.worker_id, f"{type(exc).__name__}: {exc}",
                delay_seconds=self._backoff(item.attempts), max_attempts=self.config.max_attempts,
            )
            OUTBOX_RESULTS.labels(item.channel, "retry" if state == "queued" else str(state)).inc()
            log.info("outbox.retry", outbox_id=item.id, attempts=item.attempts, state=state,
                     error=type(exc).__name__)
        else:
            await asyncio.to_thread(self._record, "mark_sent", item.id, self.worker_id, provider_id)
            OUTBOX_RESULTS.labels(item.channel, "sent").inc()

    async def run_once(self) -> int:
        """Claim one batch and send it; returns how many rows were claimed."""
        claimed = await asyncio.to_thread(self._claim)
        if not claimed:
            return 0
        semaphore = asyncio.Semaphore(self.config.concurrency)
        # One recipient's rows go one after the other, in the order claimed (priority, then age):
        # sent at once, a relative's two replies could arrive swapped. Recipients run concurrently.
        by_recipient: dict[tuple[str, str], list[Claimed]] = {}
        for item in claimed:
            by_recipient.setdefault((item.channel, item.recipient), []).append(item)

        async def in_order(items: list[Claimed]) -> None:
            for item in items:
                async with semaphore:
                    await self._send_one(item)

        await asyncio.gather(*(in_order(items) for items in by_recipient.values()))
        return len(claimed)

    async def run_periodic(self) -> int:
        """Run the periodic jobs that are due; returns how many ran."""
        ran = 0
        for job in self.config.periodic:
            if job.due(time.monotonic()):
                await asyncio.to_thread(job.run_once, self.session_factory)
                ran += 1
        return ran

    async def run(self) -> None:
        log.info("outbox.worker_started", worker_id=self.worker_id, channels=sorted(self.senders))
        while not self._stop.is_set():
            await self.run_periodic()
            try:
                n = await self.run_once()
            except Exception as exc:  # the database may be briefly unreachable: wait and go on
                log.error("outbox.worker_error", error=type(exc).__name__)
                n = 0
            if n == 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.config.idle_sleep)
                except TimeoutError:
                    pass
            self._wake.clear()
        log.info("outbox.worker_stopped", worker_id=self.worker_id)

    def wake(self) -> None:
        """Rows were just queued in this process (a turn's replies): look now, not at the next poll.
        Call it from the event loop the worker runs on."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
