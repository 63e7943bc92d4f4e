"""Provider rate limits: an overall pace per channel (Telegram about 30 messages/s per bot; Twilio
a messages-per-second per sending number) and a minimum interval per recipient (Telegram: one
message per second per chat).

The pace means the provider's limit whatever the number of worker processes: on PostgreSQL every
worker reserves its send slots in the database (``db.repositories.rate_limits``); on SQLite, where
one process does the sending, the process keeps the pace itself. Within a worker, a channel's sends
pass a gate one at a time, highest priority first (a relative's reply before bulk notifications),
so that only the head of the line holds a slot reservation.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from db.base import utcnow

# Seconds a locally paced send may start late and still count from its planned slot (LocalPace).
LATE_TOLERANCE = 0.002


class Pace(Protocol):
    async def wait(self) -> None:
        """Return at this caller's send slot."""
        ...


@dataclass
class LocalPace:
    """Spaces events at least ``1/rate`` seconds apart in this process (a token bucket with a
    burst of one)."""

    rate: float
    _next: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def wait(self) -> None:
        if self.rate <= 0:
            return
        interval = 1.0 / self.rate
        # Waiters sleep one at a time, holding the lock, and the next slot is counted from when this
        # one actually woke: if the process stalls (a busy CPU, a long GC), the sends that were due
        # meanwhile then go out spaced, not in a burst. A waiter late by less than LATE_TOLERANCE
        # keeps the planned schedule, so the ordinary lateness of a sleep does not lower the rate.
        async with self._lock:
            while (delay := self._next - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            self._next = max(self._next, time.monotonic() - LATE_TOLERANCE) + interval


@dataclass
class SharedPace:
    """The pace of one key shared by every worker: ``reserve(interval)`` books the next slot in the
    database and says how many seconds away it is (run in a thread: it is a database call)."""

    rate: float
    reserve: Callable[[float], float]

    async def wait(self) -> None:
        if self.rate <= 0:
            return
        interval = 1.0 / self.rate
        while True:
            seconds = await asyncio.to_thread(self.reserve, interval)
            slot = time.monotonic() + seconds
            if seconds > 0:
                await asyncio.sleep(seconds)
            # Woken far past the slot (a stalled process): other workers' slots follow ours closely,
            # and sending now would crowd them. That slot is gone unused; book another.
            if time.monotonic() - slot <= interval / 2:
                return


@dataclass
class RecipientSpacing:
    """At most one message per ``interval`` seconds to any one recipient. Seeded with the last send
    to each claimed recipient from the database, so that it holds when the recipient's messages
    move from one worker to another."""

    interval: float
    _last: dict[str, float] = field(default_factory=dict)

    def seed(self, recipient: str, started: datetime) -> None:
        if self.interval <= 0:
            return
        at = time.monotonic() - (utcnow() - started).total_seconds()
        self._last[recipient] = max(self._last.get(recipient, at), at)

    def wait_needed(self, recipient: str) -> float:
        if self.interval <= 0:
            return 0.0
        last = self._last.get(recipient)
        return 0.0 if last is None else max(0.0, last + self.interval - time.monotonic())

    def reserve(self, recipient: str) -> None:
        if self.interval <= 0:
            return
        self._last[recipient] = time.monotonic()
        if len(self._last) > 100_000:  # forget old recipients; their interval has long passed
            cutoff = time.monotonic() - self.interval
            self._last = {k: v for k, v in self._last.items() if v > cutoff}


@dataclass
class ChannelLimits:
    """A channel's limits as configured (0 = none). The worker turns them into a pace: shared
    through the database on PostgreSQL, its own on SQLite."""

    per_second: float = 0.0
    per_recipient_interval: float = 0.0


class ChannelGate:
    """A channel's sends go through one at a time, highest priority first. The head of the line
    takes an in-flight slot (``slots``, shared by every channel of the worker), runs ``before``
    (the worker confirms it still owns the row: a claim lost is not worth a pace slot), waits for
    its pace slot and lets the next one in; the provider call follows at once, so that the spacing
    the pace made is the spacing the provider sees. The caller releases the in-flight slot once the
    provider answered (``enter`` returns True), or at once when ``before`` said no (False)."""

    def __init__(self, pace: Pace, slots: asyncio.Semaphore) -> None:
        self.pace = pace
        self.slots = slots
        self._line: list[tuple[int, int, int]] = []
        self._busy = False
        self._changed = asyncio.Condition()
        self._seq = itertools.count()

    async def enter(self, priority: int, order: int, before: Callable[[], Awaitable[bool]]) -> bool:
        me = (priority, order, next(self._seq))
        async with self._changed:
            heapq.heappush(self._line, me)
            try:
                await self._changed.wait_for(lambda: not self._busy and self._line[0] == me)
            except BaseException:
                self._line.remove(me)
                heapq.heapify(self._line)
                self._changed.notify_all()
                raise
            heapq.heappop(self._line)
            self._busy = True
        try:
            await self.slots.acquire()
            try:
                if not await before():
                    self.slots.release()
                    return False
                await self.pace.wait()
            except BaseException:
                self.slots.release()
                raise
            return True
        finally:
            async with self._changed:
                self._busy = False
                self._changed.notify_all()
