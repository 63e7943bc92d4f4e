"""The outbox worker: claims due rows as it has room, sends each only while it still owns it, within
provider limits shared by all workers, and records every outcome even across a database outage.

Rows flow: each recipient has a lane (its rows one after the other, in the order queued), lanes run
concurrently up to ``concurrency`` provider calls in flight, and the worker claims more as rows
leave. So one slow send holds up only its own recipient, and a 429 only the recipient it concerns
(for the provider's Retry-After). A lease per row, renewed while the worker holds it; right before
each provider call the worker confirms in the database that the row is still its own (a committed
UPDATE); a claim lost meanwhile is logged and counted, never sent. When recording an outcome fails
(the database is unreachable) the worker keeps it, provider id included, and retries until the
database answers, instead of letting the lease run out and the row be sent again.

WhatsApp text to a relative whose 24-hour window is closed is held rather than sent (and one
template announces it), in its own step right before the send (bot/whatsapp_window.py).

Database work is synchronous SQLAlchemy run in threads; sends are coroutines.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot import opt_out, whatsapp_window
from bot.outbox.ratelimit import ChannelGate, ChannelLimits, LocalPace, Pace, RecipientSpacing, SharedPace
from bot.outbox.redis_slots import RedisSlots
from bot.outbox.senders import PermanentError, ProviderLog, RateLimited, Sender, SendError, ShowsChoices
from bot.scheduler import PeriodicJob
from common.logging import get_logger
from common.metrics import OUTBOX_CLAIMS_LOST, OUTBOX_IN_DOUBT, OUTBOX_RECORD_RETRIES, OUTBOX_RESULTS
from db.repositories import outbox as repo
from db.repositories import rate_limits
from db.session import session_scope

log = get_logger("outbox")

# Kinds that may still go to a contact that just opted out (the confirmation of the opt-out).
ALLOWED_AFTER_OPT_OUT = frozenset({"optout_confirmation"})
# How far back of its recorded start the provider's log is searched for an interrupted send (clock
# differences between our hosts and the provider's).
LOG_SEARCH_MARGIN = timedelta(minutes=5)

T = TypeVar("T")


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    recipient: str
    text: str
    kind: str
    priority: int
    attempts: int
    # The row was ``sending`` when claimed: its earlier send may have reached the provider.
    in_doubt: bool = False
    send_started_at: datetime | None = None
    repeats: int = 0
    choices: dict[str, Any] | None = None  # buttons to show with the text (bot/engine/choices.py)


@dataclass
class WorkerConfig:
    batch_size: int = 50  # most rows held at once (waiting in lanes or in flight)
    lease_seconds: float = 60.0
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_cap: float = 600.0
    idle_sleep: float = 0.5
    concurrency: int = 16  # most provider calls in flight
    # First pause before retrying to record an outcome when the database does not answer (doubles
    # up to 1 s: the outcome must be recorded before the row's lease and grace run out). On stop,
    # recording is tried for ``stop_grace`` seconds more.
    record_retry: float = 0.2
    stop_grace: float = 15.0
    # Limits shared with other workers through the database: None = on PostgreSQL.
    shared_limits: bool | None = None
    # Share them through Redis instead (REDIS_URL; bot/outbox/redis_slots.py), on either database.
    redis_url: str | None = None
    redis_key_prefix: str = "hotline"
    # Jobs run between claims (bot/scheduler.py: the follow-ups to silent cases).
    periodic: list[PeriodicJob] = field(default_factory=list)
    # WhatsApp's window (bot/whatsapp_window.py); None: every row goes as it is.
    whatsapp: whatsapp_window.WindowRules | None = None


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
        self._held: dict[int, Claimed] = {}
        self._lanes: dict[tuple[str, str], deque[Claimed]] = {}
        self._lane_tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._slots: asyncio.Semaphore | None = None
        self._gates: dict[str, ChannelGate] = {}
        self._redis: RedisSlots | None = None
        self._spacing = {ch: RecipientSpacing(lim.per_recipient_interval) for ch, lim in self.limits.items()}
        self._stopping_since: float | None = None
        # Rows from the moment their confirmation is asked until their outcome is recorded: a
        # stopping worker lets these finish, and stops the lanes still waiting for their turn.
        self._committing: set[int] = set()
        # The ContentVariables of the template rows claimed (read with the row, used at its send).
        self._templates: dict[int, dict[str, str]] = {}

    # --- database steps (run in threads) --------------------------------------------------------

    def _db(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        with session_scope(self.session_factory) as session:
            return fn(session, *args, **kwargs)

    def _shared(self) -> bool:
        if self.config.shared_limits is not None:
            return self.config.shared_limits
        return self.session_factory.kw["bind"].dialect.name == "postgresql"

    def _claim(self, budgets: dict[str, int]) -> list[Claimed]:
        claimed: list[Claimed] = []
        room = self.config.batch_size - len(self._held)
        with session_scope(self.session_factory) as session:
            for channel, budget in budgets.items():
                rows = repo.claim_due(session, self.worker_id, limit=min(budget, room - len(claimed)),
                                      lease_seconds=self.config.lease_seconds, channels=(channel,))
                if not rows:
                    continue
                recipients = {r.recipient for r in rows}
                # Drop what may no longer be sent: the contact opted out after it was queued.
                out = repo.opted_out_recipients(session, channel, recipients)
                spacing = self._spacing.get(channel)
                if spacing is not None and spacing.interval > 0:
                    for recipient, started in repo.last_send_started(session, channel, recipients).items():
                        spacing.seed(recipient, started)
                for r in rows:
                    if r.recipient in out and r.kind not in ALLOWED_AFTER_OPT_OUT:
                        repo.cancel(session, r.id, self.worker_id, "recipient opted out")
                        continue
                    if r.template_variables is not None:
                        self._templates[r.id] = dict(r.template_variables)
                    claimed.append(Claimed(r.id, r.channel, r.recipient, r.text, r.kind, r.priority, r.attempts,
                                           r.status == "sending", r.send_started_at, r.repeats, r.choices))
        return claimed

    # --- pacing ---------------------------------------------------------------------------------

    def _gate(self, channel: str) -> ChannelGate:
        gate = self._gates.get(channel)
        if gate is None:
            if self._slots is None:
                self._slots = asyncio.Semaphore(self.config.concurrency)
            rate = self.limits[channel].per_second if channel in self.limits else 0.0
            pace: Pace
            if self.config.redis_url and rate > 0:
                if self._redis is None:
                    self._redis = RedisSlots(self.config.redis_url, self.config.redis_key_prefix)
                pace = SharedPace(rate, partial(self._redis.book, channel))
            elif self._shared() and rate > 0:
                def book(interval: float, key: str = channel) -> float:
                    return self._db(rate_limits.reserve_slot, key, interval)
                pace = SharedPace(rate, book)
            else:
                pace = LocalPace(rate)
            gate = self._gates[channel] = ChannelGate(pace, self._slots)
        return gate

    def _budgets(self) -> dict[str, int]:
        """How many rows of each channel to claim now: a share of the room left, and no more than the
        channel's pace can send within half a lease (the rest stays for other workers and later
        replies)."""
        room = self.config.batch_size - len(self._held)
        if room <= 0:
            return {}
        budgets: dict[str, int] = {}
        for channel in self.senders:
            rate = self.limits[channel].per_second if channel in self.limits else 0.0
            cap = max(1, room // len(self.senders))  # a backlog on one channel leaves room for the others
            if rate > 0:
                held = sum(1 for c in self._held.values() if c.channel == channel)
                cap = min(cap, max(1, int(rate * self.config.lease_seconds / 2)) - held)
            if cap > 0:
                budgets[channel] = cap
        return budgets

    # --- outcomes ---------------------------------------------------------------------------------

    async def _record(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run one recording step, retrying until the database answers (the outcome, e.g. a provider
        id, is kept meanwhile). When stopping, give up after ``stop_grace`` and re-raise."""
        delay = self.config.record_retry
        while True:
            try:
                return await asyncio.to_thread(lambda: self._db(fn, *args, **kwargs))
            except Exception as exc:
                OUTBOX_RECORD_RETRIES.inc()
                if self._stopping_since is not None and \
                        time.monotonic() - self._stopping_since > self.config.stop_grace:
                    raise
                log.warning("outbox.record_retry", step=fn.__name__, error=type(exc).__name__,
                            retry_in=round(delay, 2))
                await asyncio.sleep(delay)
                delay = min(1.0, delay * 2)

    def _backoff(self, attempts: int) -> float:
        base = min(self.config.backoff_cap, self.config.backoff_base * (2 ** max(0, attempts - 1)))
        return base * (0.5 + random.random() / 2)  # jitter so retries do not stampede

    def _claim_lost(self, item: Claimed, reason: str, stage: str) -> None:
        OUTBOX_CLAIMS_LOST.labels(item.channel, reason).inc()
        level = log.info if reason == "cancelled" else log.warning
        level("outbox.claim_lost", outbox_id=item.id, channel=item.channel, reason=reason, stage=stage)

    # --- one row ----------------------------------------------------------------------------------

    async def _settle_in_doubt(self, item: Claimed) -> str:
        """A row whose earlier send may have reached the provider. Returns ``done`` (recorded, or left
        for later), ``send`` (never reached it: send normally) or ``repeat`` (no way to know: send
        once more, counted)."""
        sender = self.senders[item.channel]
        if isinstance(sender, ProviderLog):
            since = (item.send_started_at or datetime.now().astimezone()) - LOG_SEARCH_MARGIN
            try:
                text = None if item.kind == whatsapp_window.TEMPLATE_KIND else item.text
                found = await sender.find_sent(item.recipient, text, since)
            except SendError as exc:
                log.info("outbox.in_doubt_check_failed", outbox_id=item.id, error=str(exc))
                await self._record(repo.defer_in_doubt, item.id, self.worker_id, str(exc),
                                   delay_seconds=self._backoff(1), in_doubt_grace=self.config.lease_seconds)
                return "done"
            known = await self._record(repo.known_provider_ids, found) if found else set()
            ours = [sid for sid in found if sid not in known]
            if ours:
                if await self._record(repo.mark_sent, item.id, self.worker_id, ours[0]):
                    OUTBOX_IN_DOUBT.labels(item.channel, "found_in_provider_log").inc()
                    OUTBOX_RESULTS.labels(item.channel, "sent").inc()
                    log.info("outbox.in_doubt_found_sent", outbox_id=item.id, channel=item.channel)
                else:
                    self._claim_lost(item, "lost", "in_doubt_check")
                return "done"
            OUTBOX_IN_DOUBT.labels(item.channel, "not_in_provider_log").inc()
            log.info("outbox.in_doubt_not_sent", outbox_id=item.id, channel=item.channel)
            return "send"
        if item.repeats >= 1:
            # Sent again once already, and that send was interrupted too: a person decides.
            await self._record(repo.mark_failed, item.id, self.worker_id,
                               "outcome of two sends unknown (worker died during each)", status="dead")
            OUTBOX_IN_DOUBT.labels(item.channel, "dead").inc()
            OUTBOX_RESULTS.labels(item.channel, "dead").inc()
            log.warning("outbox.in_doubt_dead", outbox_id=item.id, channel=item.channel)
            return "done"
        return "repeat"

    async def _deliver(self, item: Claimed) -> bool:
        """Send one row if it is still ours. Returns False when the recipient's later rows must not
        follow it now (it is to be retried later, so they would overtake it)."""
        repeat = False
        if item.in_doubt:
            verdict = await self._settle_in_doubt(item)
            if verdict == "done":
                return True
            repeat = verdict == "repeat"
        if (held := await self._hold_outside_window(item)) is not None:
            return held

        spacing = self._spacing.get(item.channel)
        if spacing is not None and (wait := spacing.wait_needed(item.recipient)) > 0:
            await asyncio.sleep(wait)
        gate = self._gate(item.channel)
        confirmed_at: list[float] = []  # when this worker last confirmed the row its own (monotonic)
        outcome: list[bool] = []  # what to return when the row is not sent (confirm said no)

        async def still_ours() -> bool:
            # Taken before the UPDATE: the confirmation is only as fresh as the moment it was asked
            # (the reply may reach a stalled event loop much later).
            asked_at = time.monotonic()
            self._committing.add(item.id)
            try:
                started = await asyncio.to_thread(
                    lambda: self._db(repo.confirm_send, item.id, self.worker_id,
                                     lease_seconds=self.config.lease_seconds, repeat=repeat and not confirmed_at))
            except Exception as exc:  # the database is unreachable: nothing was sent; try again later
                log.warning("outbox.confirm_failed", outbox_id=item.id, error=type(exc).__name__)
                await asyncio.sleep(self.config.record_retry)
                outcome.append(False)
                return False
            if started is None:
                if confirmed_at and not item.in_doubt:
                    # We marked it sending and never sent it: if it is still ours, say so.
                    await self._record(repo.unsend, item.id, self.worker_id)
                reason = await self._record(repo.why_not_owned, item.id)
                self._claim_lost(item, reason, "before_send")
                outcome.append(True)
                return False
            confirmed_at.append(asked_at)
            return True

        try:
            return await self._confirm_and_send(item, gate, still_ours, confirmed_at, outcome, spacing, repeat)
        finally:
            self._committing.discard(item.id)

    async def _confirm_and_send(self, item: Claimed, gate: ChannelGate, still_ours: Callable[[], Awaitable[bool]],
                                confirmed_at: list[float], outcome: list[bool], spacing: RecipientSpacing | None,
                                repeat: bool) -> bool:
        while True:
            # Returns holding an in-flight slot, the row confirmed ours, at our pace slot.
            if not await gate.enter(item.priority, item.id, still_ours):
                return outcome[0]
            # Confirmed, then paced: the send must still follow the confirmation closely. After a
            # long wait (a stalled process) another worker may have taken the row in doubt; confirm
            # again rather than send on an old confirmation.
            if time.monotonic() - confirmed_at[-1] <= self.config.lease_seconds / 2:
                break
            gate.slots.release()
        try:
            if spacing is not None:
                spacing.reserve(item.recipient)
            if repeat:
                OUTBOX_IN_DOUBT.labels(item.channel, "repeated").inc()
                log.warning("outbox.repeat_unknown_outcome", outbox_id=item.id, channel=item.channel)
            return await self._send(item)
        finally:
            gate.slots.release()

    async def _send(self, item: Claimed) -> bool:
        sender = self.senders[item.channel]
        if item.kind == whatsapp_window.TEMPLATE_KIND:
            sender = whatsapp_window.TemplateSend(sender, self._templates.pop(item.id, {}))
        try:
            if item.choices is not None and isinstance(sender, ShowsChoices):
                provider_id = await sender.send_with_choices(item.recipient, item.text, item.choices)
            else:
                provider_id = await sender.send(item.recipient, item.text)
        except RateLimited as exc:
            # Only this recipient waits, for as long as the provider asked; no attempt is counted.
            log.info("outbox.rate_limited", outbox_id=item.id, retry_after=exc.retry_after)
            OUTBOX_RESULTS.labels(item.channel, "rate_limited").inc()
            await self._record(repo.release, item.id, self.worker_id, delay_seconds=exc.retry_after)
            return False
        except PermanentError as exc:
            if self.config.whatsapp is not None and whatsapp_window.refused_for_window(exc):
                return await self._hold_refused(item)
            log.warning("outbox.permanent_failure", outbox_id=item.id, channel=item.channel, error=str(exc))
            if exc.opted_out:
                await self._record(opt_out.provider_opted_out, item.channel, item.recipient)
            await self._record(repo.mark_failed, item.id, self.worker_id, str(exc))
            OUTBOX_RESULTS.labels(item.channel, "failed").inc()
            return True
        except (SendError, Exception) as exc:  # a bug in an adapter must not kill the worker
            state = await self._record(
                repo.mark_retry, item.id, self.worker_id, f"{type(exc).__name__}: {exc}",
                delay_seconds=self._backoff(item.attempts + 1), max_attempts=self.config.max_attempts,
            )
            OUTBOX_RESULTS.labels(item.channel, "retry" if state == "queued" else str(state)).inc()
            log.info("outbox.retry", outbox_id=item.id, attempts=item.attempts + 1, state=state,
                     error=type(exc).__name__)
            return state != "queued"
        if await self._record(repo.mark_sent, item.id, self.worker_id, provider_id):
            OUTBOX_RESULTS.labels(item.channel, "sent").inc()
        else:
            # Sent, but another worker took the row meanwhile (our lease ran out and was not renewed).
            self._claim_lost(item, "lost", "after_send")
        return True

    # --- WhatsApp's window (bot/whatsapp_window.py) ---------------------------------------------

    async def _hold_outside_window(self, item: Claimed) -> bool | None:
        """Before free text goes to WhatsApp: None to send it, True when it was held (the rows behind
        it go on, and are held in turn), False when the database did not answer (retried later)."""
        rules = self.config.whatsapp
        if rules is None or item.channel != whatsapp_window.CHANNEL or item.kind == whatsapp_window.TEMPLATE_KIND:
            return None
        try:
            held = await asyncio.to_thread(self._db, whatsapp_window.hold_if_closed, item.id, self.worker_id,
                                           item.recipient, rules)
        except Exception as exc:  # nothing was sent: the row waits for its lease, then goes again
            log.warning("outbox.window_check_failed", outbox_id=item.id, error=type(exc).__name__)
            await asyncio.sleep(self.config.record_retry)
            return False
        if not held:
            return None
        OUTBOX_RESULTS.labels(item.channel, "held").inc()
        log.info("outbox.held", outbox_id=item.id, channel=item.channel, reason="window_closed")
        self._wake.set()  # the template it may have queued
        return True

    async def _hold_refused(self, item: Claimed) -> bool:
        """Twilio refused the free text (63016): nothing went out; held, not failed."""
        assert self.config.whatsapp is not None
        if await self._record(whatsapp_window.hold_refused, item.id, self.worker_id, item.recipient,
                              self.config.whatsapp):
            OUTBOX_RESULTS.labels(item.channel, "held").inc()
            log.info("outbox.held", outbox_id=item.id, channel=item.channel, reason="63016")
        else:
            self._claim_lost(item, "lost", "after_send")
        self._wake.set()
        return True

    # --- lanes ----------------------------------------------------------------------------------

    def _dispatch(self, claimed: list[Claimed]) -> None:
        for item in claimed:
            self._held[item.id] = item
            key = (item.channel, item.recipient)
            self._lanes.setdefault(key, deque()).append(item)
            if key not in self._lane_tasks:
                self._lane_tasks[key] = asyncio.create_task(self._lane(key))

    async def _lane(self, key: tuple[str, str]) -> None:
        """One recipient's rows, one after the other, in the order claimed (priority, then age)."""
        lane = self._lanes[key]
        try:
            while lane and not self._stop.is_set():
                item = lane[0]
                try:
                    go_on = await self._deliver(item)
                except Exception as exc:  # recording gave up while stopping: the lease takes over
                    log.error("outbox.lane_error", outbox_id=item.id, error=type(exc).__name__)
                    go_on = False
                lane.popleft()
                self._held.pop(item.id, None)
                if not go_on:
                    # The rows behind it must not overtake it: give them back; they are claimed again
                    # once it has gone (repo.claim_due keeps a recipient's order).
                    await self._give_back(list(lane))
                    lane.clear()
                self._wake.set()  # room for more rows
            if lane:  # stopping: the rows not yet sent go back to the queue
                await self._give_back(list(lane))
                lane.clear()
        finally:
            self._lanes.pop(key, None)
            self._lane_tasks.pop(key, None)
            self._wake.set()

    async def _give_back(self, items: list[Claimed]) -> None:
        for item in items:
            self._held.pop(item.id, None)
        ids = [c.id for c in items]
        if ids:
            try:
                await asyncio.to_thread(self._db, repo.unclaim, self.worker_id, ids)
            except Exception as exc:  # their leases run out instead
                log.warning("outbox.give_back_failed", rows=len(ids), error=type(exc).__name__)

    async def _renew_leases(self) -> None:
        """Keep the leases of the rows this worker holds (waiting or in flight) from running out."""
        period = max(0.05, self.config.lease_seconds / 3)
        while not self._stop.is_set() or self._held:
            await asyncio.sleep(min(period, 1.0) if self._stop.is_set() else period)
            ids = list(self._held)
            if not ids:
                continue
            try:
                await asyncio.to_thread(self._db, repo.renew, self.worker_id, ids,
                                        lease_seconds=self.config.lease_seconds)
            except Exception as exc:
                log.warning("outbox.renew_failed", rows=len(ids), error=type(exc).__name__)

    # --- loops ----------------------------------------------------------------------------------

    async def claim_more(self) -> int:
        """Claim what there is room for and start sending it; returns how many rows were claimed."""
        budgets = self._budgets()
        if not budgets:
            return 0
        claimed = await asyncio.to_thread(self._claim, budgets)
        self._dispatch(claimed)
        return len(claimed)

    async def run_once(self) -> int:
        """Claim one batch and send it all (tests and one-shot drains); returns how many rows were
        claimed."""
        renewer = asyncio.create_task(self._renew_leases())
        try:
            n = await self.claim_more()
            while self._lane_tasks:
                await asyncio.gather(*list(self._lane_tasks.values()))
            return n
        finally:
            renewer.cancel()

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
        renewer = asyncio.create_task(self._renew_leases())
        try:
            while not self._stop.is_set():
                try:
                    await self.run_periodic()
                except Exception as exc:
                    log.error("outbox.periodic_error", error=type(exc).__name__)
                try:
                    n = await self.claim_more()
                except Exception as exc:  # the database may be briefly unreachable: wait and go on
                    log.error("outbox.worker_error", error=type(exc).__name__)
                    n = 0
                if n == 0 or len(self._held) >= self.config.batch_size:
                    try:
                        await asyncio.wait_for(self._wake.wait(), timeout=self.config.idle_sleep)
                    except TimeoutError:
                        pass
                self._wake.clear()
            # Stopping: sends under way finish and are recorded; lanes still waiting for their turn
            # stop now, and their rows go back to the queue for the other workers.
            self._stopping_since = time.monotonic()
            tasks = list(self._lane_tasks.items())
            for key, task in tasks:
                lane = self._lanes.get(key)
                if lane and lane[0].id not in self._committing:
                    task.cancel()
            await asyncio.gather(*(task for _, task in tasks), return_exceptions=True)
            await self._give_back(list(self._held.values()))
        finally:
            renewer.cancel()
            if self._redis is not None:
                self._redis.close()
        log.info("outbox.worker_stopped", worker_id=self.worker_id)

    def wake(self) -> None:
        """Rows were just queued in this process (a turn's replies): look now, not at the next poll.
        Call it from the event loop the worker runs on."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

