"""Provider rate limits: an overall pace per channel (Telegram about 30 messages/s per bot; Twilio
a messages-per-second per sending number) and a minimum interval per recipient (Telegram: one
message per second per chat).

The pace means the provider's limit whatever the number of worker processes: on PostgreSQL every
worker reserves its send slots in the database (``db.repositories.rate_limits``); on SQLite, where
one process does the sending, the process keeps the pace itself. Within a worker, a channel's sends
pass a gate one at a time, highest priority first (a relative's reply before bulk notifications),
so that only the head of the line (and the one before it, for its last tenth of a second) holds a
booked slot.
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

# How far ahead of its pace slot the head of a channel's line lets the next one in: the next one's
# confirmation and booking (database round trips) then overlap this one's wait, so the pace is kept
# under load, while a reply arriving later finds at most this much booked ahead of it.
LOOKAHEAD = 0.1


class Pace(Protocol):
    rate: float  # per second; 0 = unlimited

    async def reserve(self) -> float:
        """Book the next send slot; seconds until it (0 or more)."""
        ...


@dataclass
class LocalPace:
    """Slots ``1/rate`` seconds apart, kept by this process (SQLite: one process sends)."""

    rate: float
    _next: float = 0.0

    async def reserve(self) -> float:
        now = time.monotonic()
        slot = max(self._next, now)
        self._next = slot + 1.0 / self.rate
        return slot - now


@dataclass
class SharedPace:
    """The slots of one key shared by every worker: ``book(interval)`` books the next slot in the
    database and says how many seconds away it is (a database call: run in a thread)."""

    rate: float
    book: Callable[[float], float]

    async def reserve(self) -> float:
        return await asyncio.to_thread(self.book, 1.0 / self.rate)


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
    (the worker confirms it still owns the row: a claim lost is not worth a pace slot), books its
    pace slot, lets the next one in ``LOOKAHEAD`` before that slot and returns at the slot; the
    provider call follows at once, so that the spacing the pace made is the spacing the provider
    sees. The caller releases the in-flight slot once the provider answered (``enter`` returned
    True), or not at all when ``before`` said no (False)."""

    def __init__(self, pace: Pace, slots: asyncio.Semaphore) -> None:
        self.pace = pace
        self.slots = slots
        self._line: list[tuple[int, int, int]] = []
        self._busy = False
        self._changed = asyncio.Condition()
        self._seq = itertools.count()

    async def enter(self, priority: int, order: int, before: Callable[[], Awaitable[bool]]) -> bool:
        if self.pace.rate <= 0:  # no pace to keep: no line either (tests, a provider without limits)
            await self.slots.acquire()
            try:
                ok = await before()
            except BaseException:
                self.slots.release()
                raise
            if not ok:
                self.slots.release()
            return ok
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
        head = True

        async def let_next_in() -> None:
            nonlocal head
            if head:
                head = False
                async with self._changed:
                    self._busy = False
                    self._changed.notify_all()

        try:
            await self.slots.acquire()
            try:
                if not await before():
                    self.slots.release()
                    return False
                interval = 1.0 / self.pace.rate
                while True:
                    slot = time.monotonic() + await self.pace.reserve()
                    if (early := slot - LOOKAHEAD - time.monotonic()) > 0:
                        await asyncio.sleep(early)
                    await let_next_in()
                    if (left := slot - time.monotonic()) > 0:
                        await asyncio.sleep(left)
                    # Woken far past the slot (a stalled process): the slots booked after ours
                    # follow closely, and sending now would crowd them. Book another.
                    if time.monotonic() - slot <= interval / 2:
                        return True
            except BaseException:
                self.slots.release()
                raise
        finally:
            await let_next_in()
