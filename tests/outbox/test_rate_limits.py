"""Provider limits, read from the fake Telegram's own timestamps of the calls it received: 1 message
per second per chat, an overall pace, and Telegram's 429 ``retry_after``. These assert lower bounds
on spacing (a limit can only make sending slower), never how fast something runs. Chats and texts
are FICTIONAL."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.outbox.worker import WorkerConfig
from db.repositories import outbox
from tests.channels.helpers import channel_settings, drain, statuses
from tests.fakes import FakeTelegram, FakeTwilio

# Timestamps are taken when the fake records a call, after the request crossed the loopback: allow
# a little jitter between two calls the worker spaced exactly.
JITTER = 0.1


def _enqueue(factory: sessionmaker[Session], chats: list[int]) -> None:
    with factory() as s, s.begin():
        for i, chat in enumerate(chats):
            outbox.enqueue(s, channel="telegram", recipient=str(chat), text=f"mensaje {i} (ficticio)")


def _success_times(fake: FakeTelegram, **match: object) -> list[float]:
    return sorted(c["monotonic"] for c in fake.calls_of("sendMessage")
                  if c["status"] == 200 and all(c.get(k) == v for k, v in match.items()))


def test_one_message_per_second_per_chat_and_the_overall_pace(
    db_url: str, session_factory: sessionmaker[Session], fake_telegram: FakeTelegram
) -> None:
    limit = 10
    settings = channel_settings(db_url, "https://hotline.example.org", telegram=fake_telegram,
                                telegram_messages_per_second=limit, telegram_per_chat_per_second=1)
    busy_chat = 900_000_001
    _enqueue(session_factory, [busy_chat] * 4 + list(range(910_000_000, 910_000_030)))
    drain(session_factory, settings, config=WorkerConfig(concurrency=16, idle_sleep=0.05))
    assert statuses(session_factory) == {"sent": 34}

    times = _success_times(fake_telegram, chat_id=busy_chat)
    assert len(times) == 4
    assert all(b - a >= 1.0 - JITTER for a, b in zip(times, times[1:], strict=False)), times
    assert fake_telegram.max_calls_within(1.0, "sendMessage") <= limit + 1
    # The busy chat's messages arrived in the order they were queued.
    assert fake_telegram.sent_to(busy_chat) == [f"mensaje {i} (ficticio)" for i in range(4)]


def test_a_telegram_429_holds_only_its_chat_for_its_retry_after(
    db_url: str, session_factory: sessionmaker[Session], fake_telegram: FakeTelegram
) -> None:
    settings = channel_settings(db_url, "https://hotline.example.org", telegram=fake_telegram,
                                telegram_messages_per_second=30, telegram_per_chat_per_second=1)
    fake_telegram.rate_limit_next(1, retry_after=2, method="sendMessage")
    chats = [920_000_000 + i for i in range(5)]
    _enqueue(session_factory, chats)
    drain(session_factory, settings, config=WorkerConfig(concurrency=1, idle_sleep=0.05))
    calls = fake_telegram.calls_of("sendMessage")
    [limited] = [c for c in calls if c["status"] == 429]
    again = [c for c in calls if c["chat_id"] == limited["chat_id"] and c["monotonic"] > limited["monotonic"]]
    # That chat waited Telegram's retry_after (2 s)...
    assert again and all(c["monotonic"] - limited["monotonic"] >= 2.0 - JITTER for c in again)
    # ...and the other chats did not wait for it.
    others = [c for c in calls if c["chat_id"] != limited["chat_id"]]
    assert others and max(c["monotonic"] for c in others) - limited["monotonic"] < 1.0
    # The limited message was not lost: every chat got its one message.
    assert sorted(m["chat"]["id"] for m in fake_telegram.sent_messages) == chats
    assert statuses(session_factory) == {"sent": 5}


def test_a_twilio_429_holds_only_its_number_for_its_retry_after(
    db_url: str, session_factory: sessionmaker[Session], fake_twilio: FakeTwilio
) -> None:
    settings = channel_settings(db_url, "https://hotline.example.org", twilio=fake_twilio,
                                twilio_messages_per_second=30)
    fake_twilio.rate_limit_next(1, retry_after=3, method="messages.create")
    numbers = [f"+5025591{i:04d}" for i in range(4)]  # FICTIONAL
    with session_factory() as s, s.begin():
        for i, number in enumerate(numbers):
            outbox.enqueue(s, channel="sms", recipient=number, text=f"aviso {i} (ficticio)")
            outbox.enqueue(s, channel="sms", recipient=number, text=f"segundo aviso {i} (ficticio)")
    drain(session_factory, settings, config=WorkerConfig(concurrency=1, idle_sleep=0.05))
    calls = fake_twilio.calls_of("messages.create")
    [limited] = [c for c in calls if c["status"] == 429]
    again = [c for c in calls if c["to"] == limited["to"] and c["monotonic"] > limited["monotonic"]]
    # Twilio's Retry-After (3 s), not a fixed pause, holds that number; its second message waits behind.
    assert len(again) == 2 and all(c["monotonic"] - limited["monotonic"] >= 3.0 - JITTER for c in again)
    assert fake_twilio.bodies_to(limited["to"])[0].startswith("aviso")
    others = [c for c in calls if c["to"] != limited["to"]]
    assert len(others) == 6 and max(c["monotonic"] for c in others) - limited["monotonic"] < 2.0
    assert sorted(m["to"] for m in fake_twilio.messages) == sorted(numbers * 2)
    assert statuses(session_factory) == {"sent": 8}
