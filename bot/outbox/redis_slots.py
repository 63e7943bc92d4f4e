"""Provider limits shared by every worker through Redis, where one is configured (``REDIS_URL``).

The same slot rule as the PostgreSQL table (``db.repositories.rate_limits``): each key holds the
next free send slot, and a worker books one with ``next = max(next, now) + interval``, atomically
(one Lua script), with Redis's own clock so that workers on hosts whose clocks differ still agree.
Redis suits a deployment whose workers share one Redis already, or many workers on one number: a
booking is one round trip to memory rather than a committed row.

If Redis does not answer, a worker does not stop sending: it keeps the pace of a whole limit by
itself (a warning is logged each time), which can exceed the limit only while Redis is down and
more than one worker is sending.
"""

from __future__ import annotations

import redis

from common.logging import get_logger

log = get_logger("outbox.redis_slots")

# A slot further ahead than this is stale (the limit was lowered, then raised again): start afresh.
STALE_SECONDS = 60.0

_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local stale = tonumber(ARGV[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now or slot > now + stale then slot = now end
redis.call('SET', KEYS[1], string.format('%.6f', slot + interval), 'EX', math.ceil(stale + interval))
return string.format('%.6f', slot - now)
"""


class RedisSlots:
    """Books send slots of named limits (``sms``, ``telegram``...) in Redis, under ``prefix``."""

    def __init__(self, url: str, prefix: str = "hotline") -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._reserve = self._client.register_script(_RESERVE)
        self._prefix = prefix

    def book(self, key: str, interval: float) -> float:
        """Seconds until the booked slot of ``key`` (0 or more). Blocking: run it in a thread."""
        stale = max(STALE_SECONDS, 10 * interval)
        try:
            wait = float(self._reserve(keys=[f"{self._prefix}:outbox-slot:{key}"], args=[interval, stale]))
        except redis.RedisError as exc:
            log.warning("outbox.redis_slots_unavailable", limit=key, error=type(exc).__name__)
            return interval
        return max(0.0, wait)

    def close(self) -> None:
        self._client.close()
