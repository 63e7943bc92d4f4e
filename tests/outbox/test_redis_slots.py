"""Provider limits shared through Redis (REDIS_URL; bot/outbox/redis_slots.py): slots booked by any
number of clients are one interval apart, a worker without Redis keeps a whole limit's pace by
itself, and two ``hotline worker`` processes configured with Redis hold one limit at the provider.
Needs the Redis server on 127.0.0.1:6379 (scripts/ensure_services.sh starts it)."""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox.redis_slots import RedisSlots
from db.models import OutboxRateLimit
from tests.channels.helpers import provider_env, statuses
from tests.fakes import FakeTelegram
from tests.outbox.support import enqueue_telegram, free_port, wait_for, worker_processes

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own: other runs sharing the Redis server keep their slots."""
    name = f"test-{secrets.token_hex(6)}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


def test_slots_booked_by_many_clients_at_once_are_one_interval_apart(prefix: str) -> None:
    clients = [RedisSlots(REDIS_URL, prefix) for _ in range(3)]
    interval = 0.5

    def book(i: int) -> float:
        wait = clients[i % len(clients)].book("sms", interval)
        return time.monotonic() + wait

    with ThreadPoolExecutor(max_workers=6) as pool:
        slots = sorted(pool.map(book, range(30)))
    gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
    # Each booking's clock reading is taken after its round trip: a few ms of noise, no more.
    assert min(gaps) >= interval - 0.05, gaps
    assert max(gaps) <= interval + 0.05, gaps
    assert slots[-1] - slots[0] == pytest.approx(29 * interval, abs=0.1)
    # Another limit's slots are its own: the first booking of "telegram" is now.
    assert clients[0].book("telegram", interval) == pytest.approx(0.0, abs=0.05)
    for c in clients:
        c.close()


def test_without_redis_a_worker_keeps_a_whole_limits_pace_by_itself() -> None:
    unreachable = RedisSlots(f"redis://127.0.0.1:{free_port()}/0")
    assert unreachable.book("sms", 0.25) == 0.25  # one interval, as if it were alone on the limit
    unreachable.close()


@pytest.mark.postgres_only
@pytest.mark.slow
def test_two_workers_sharing_a_limit_through_redis_hold_it_at_the_provider(
    db_url: str, session_factory: sessionmaker[Session], fake_telegram: FakeTelegram, prefix: str
) -> None:
    limit = 20
    with session_factory.begin() as s:
        s.execute(delete(OutboxRateLimit))  # what earlier tests booked in the database
    texts = enqueue_telegram(session_factory, 100)
    env = provider_env(telegram=fake_telegram, TELEGRAM_MESSAGES_PER_SECOND=str(limit),
                       TELEGRAM_PER_CHAT_PER_SECOND="1", REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix)
    with worker_processes(db_url, env, 2):
        wait_for(lambda: statuses(session_factory) == {"sent": 100}, 60, "every row to be sent", interval=0.5)
    ok = sorted(c["monotonic"] for c in fake_telegram.calls_of("sendMessage") if c["status"] == 200)
    assert Counter(m["text"] for m in fake_telegram.sent_messages) == Counter(texts)
    assert fake_telegram.max_calls_within(1.0, "sendMessage") <= limit * 1.1
    assert (len(ok) - 1) / (ok[-1] - ok[0]) <= limit * 1.05  # together, not each
    # The slots were booked in Redis, not in the database's table.
    assert redis.Redis.from_url(REDIS_URL).exists(f"{prefix}:outbox-slot:telegram")
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(OutboxRateLimit)) == 0
