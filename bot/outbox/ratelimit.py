"""Provider rate limits, per worker process: an overall pace per channel and a minimum interval
per recipient (Telegram: about 30 messages/s overall, 1 message/s per chat; Twilio: a configured
messages-per-second per sender). With several workers, give each its share of the limit."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

# Seconds a paced send may start late and still count from its planned slot (see Pace.wait).
LATE_TOLERANCE = 0.002


@dataclass
class Pace:
    """Spaces events at least ``1/rate`` seconds apart (a token bucket with a burst of one)."""

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
                await asyncio.sleep(delay)  # in a loop: hold() may have moved _next meanwhile
            self._next = max(self._next, time.monotonic() - LATE_TOLERANCE) + interval

    def hold(self, seconds: float) -> None:
        """The provider said to wait: nothing goes out on this channel before then."""
        self._next = max(self._next, time.monotonic() + seconds)


@dataclass
class RecipientSpacing:
    """At most one message per ``interval`` seconds to any one recipient."""

    interval: float
    _last: dict[str, float] = field(default_factory=dict)

    def wait_needed(self, recipient: str) -> float:
        if self.interval <= 0:
            return 0.0
        last = self._last.get(recipient)
        return 0.0 if last is None else max(0.0, last + self.interval - time.monotonic())

    def reserve(self, recipient: str) -> None:
        self._last[recipient] = time.monotonic()
        if len(self._last) > 100_000:  # forget old recipients; their interval has long passed
            cutoff = time.monotonic() - self.interval
            self._last = {k: v for k, v in self._last.items() if v > cutoff}


@dataclass
class ChannelLimits:
    per_second: float = 0.0  # 0 = unlimited
    per_recipient_interval: float = 0.0
    pace: Pace = field(init=False)
    spacing: RecipientSpacing = field(init=False)

    def __post_init__(self) -> None:
        self.pace = Pace(self.per_second)
        self.spacing = RecipientSpacing(self.per_recipient_interval)
