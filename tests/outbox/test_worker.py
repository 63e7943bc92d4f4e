"""The outbox worker: claims, sends, retries with backoff, dead-letters, honours opt-outs, and
never lets two workers send one row."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox.ratelimit import ChannelLimits
from bot.outbox.senders import PermanentError, RateLimited, SendError
from bot.outbox.worker import OutboxWorker, WorkerConfig
from db.models import Conversation, OutboundMessage
from db.repositories import outbox
from tests.support import HOTLINE, ROOT, hotline_env


class RecordingSender:
    """A provider that records what reached it; can fail on demand (a fake provider, not our code)."""

    def __init__(self, channel: str = "sms", failures: list[Exception] | None = None) -> None:
        self.channel = channel
        self.failures = list(failures or [])
        self.sent: list[tuple[str, str, float]] = []

    async def send(self, recipient: str, text: str) -> str | None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((recipient, text, time.monotonic()))
        return f"SM{len(self.sent):032d}"


def _enqueue(factory: sessionmaker[Session], n: int, channel: str = "sms", recipient: str = "+50255550000",
             **kw: object) -> list[int]:
    with factory() as s, s.begin():
        ids = [outbox.enqueue(s, channel=channel, recipient=recipient if n == 1 else f"{recipient[:-3]}{i:03d}",
                              text=f"mensaje {i}", **kw).id for i in range(n)]  # type: ignore[arg-type]
    return ids


def _statuses(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as s:
        return dict(s.execute(select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)).all())


def _drain(worker: OutboxWorker, rounds: int = 50) -> None:
    async def go() -> None:
        for _ in range(rounds):
            await worker.run_once()
    asyncio.run(go())


def test_worker_sends_each_queued_row_once_and_records_the_provider_id(session_factory) -> None:
    ids = _enqueue(session_factory, 5)
    sender = RecordingSender()
    worker = OutboxWorker(session_factory, {"sms": sender})
    _drain(worker, rounds=3)
    assert len(sender.sent) == 5
    assert _statuses(session_factory) == {"sent": 5}
    with session_factory() as s:
        row = s.get(OutboundMessage, ids[0])
        assert row.provider_id and row.provider_id.startswith("SM") and row.sent_at is not None


def test_transient_failures_are_retried_with_backoff_then_sent(session_factory) -> None:
    _enqueue(session_factory, 1)
    sender = RecordingSender(failures=[SendError("503"), SendError("timeout")])
    worker = OutboxWorker(session_factory, {"sms": sender},
                          config=WorkerConfig(backoff_base=0.01, backoff_cap=0.02))
    for _ in range(20):
        _drain(worker, rounds=1)
        if sender.sent:
            break
        time.sleep(0.02)
    assert len(sender.sent) == 1
    with session_factory() as s:
        row = s.scalars(select(OutboundMessage)).one()
        assert row.status == "sent" and row.attempts == 3


def test_a_row_that_keeps_failing_goes_to_the_dead_letter_state_and_is_not_sent_again(session_factory) -> None:
    _enqueue(session_factory, 1)
    sender = RecordingSender(failures=[SendError("boom")] * 3)
    worker = OutboxWorker(session_factory, {"sms": sender},
                          config=WorkerConfig(max_attempts=3, backoff_base=0.001, backoff_cap=0.001))
    for _ in range(10):
        _drain(worker, rounds=1)
        time.sleep(0.005)
    assert sender.sent == []
    assert _statuses(session_factory) == {"dead": 1}
    sender.failures.clear()  # the provider would take it now: a dead row still stays dead
    _drain(worker, rounds=2)
    assert sender.sent == [] and _statuses(session_factory) == {"dead": 1}


def test_rate_limit_answer_holds_the_row_without_counting_an_attempt(session_factory) -> None:
    _enqueue(session_factory, 1)
    sender = RecordingSender(failures=[RateLimited(0.2)])
    worker = OutboxWorker(session_factory, {"sms": sender}, limits={"sms": ChannelLimits(per_second=100)})
    _drain(worker, rounds=1)
    with session_factory() as s:
        row = s.scalars(select(OutboundMessage)).one()
        assert row.status == "queued" and row.attempts == 0
    time.sleep(0.25)
    _drain(worker, rounds=1)
    assert len(sender.sent) == 1


def test_permanent_opt_out_error_marks_the_contact_opted_out_and_cancels_the_rest(session_factory) -> None:
    with session_factory() as s, s.begin():
        s.add(Conversation(channel="sms", address="+50255550000"))
    _enqueue(session_factory, 1)
    _enqueue(session_factory, 1)
    sender = RecordingSender(failures=[PermanentError("21610 unsubscribed", opted_out=True)])
    worker = OutboxWorker(session_factory, {"sms": sender}, config=WorkerConfig(batch_size=1))
    _drain(worker, rounds=3)
    assert sender.sent == []
    assert _statuses(session_factory) == {"failed": 1, "cancelled": 1}
    with session_factory() as s:
        assert s.scalars(select(Conversation)).one().opted_out


def test_replies_go_before_bulk_notifications(session_factory) -> None:
    _enqueue(session_factory, 3, priority=outbox.PRIORITY_BULK, kind="notification")
    _enqueue(session_factory, 1, recipient="+50255559999")
    sender = RecordingSender()
    worker = OutboxWorker(session_factory, {"sms": sender}, config=WorkerConfig(batch_size=1, concurrency=1))
    _drain(worker, rounds=4)
    assert sender.sent[0][0] == "+50255559999"


def test_per_recipient_spacing_is_honoured(session_factory) -> None:
    _enqueue(session_factory, 1, channel="telegram", recipient="111")
    _enqueue(session_factory, 1, channel="telegram", recipient="111")
    sender = RecordingSender(channel="telegram")
    worker = OutboxWorker(session_factory, {"telegram": sender},
                          limits={"telegram": ChannelLimits(per_second=30, per_recipient_interval=0.5)})
    deadline = time.monotonic() + 5
    while len(sender.sent) < 2 and time.monotonic() < deadline:
        _drain(worker, rounds=1)
        time.sleep(0.05)
    assert len(sender.sent) == 2
    assert sender.sent[1][2] - sender.sent[0][2] >= 0.5


def test_two_workers_never_claim_the_same_row(session_factory) -> None:
    _enqueue(session_factory, 200)
    sender_a, sender_b = RecordingSender(), RecordingSender()
    a = OutboxWorker(session_factory, {"sms": sender_a}, config=WorkerConfig(batch_size=7))
    b = OutboxWorker(session_factory, {"sms": sender_b}, config=WorkerConfig(batch_size=7))

    async def both() -> None:
        for _ in range(40):
            await asyncio.gather(a.run_once(), b.run_once())
    asyncio.run(both())
    texts = [t for _, t, _ in sender_a.sent + sender_b.sent]
    assert len(texts) == 200 and len(set(texts)) == 200
    assert _statuses(session_factory) == {"sent": 200}


def test_hotline_worker_command_sends_and_stops_cleanly_on_sigterm(db_url: str, session_factory,
                                                                   fake_twilio) -> None:
    import subprocess

    ids = _enqueue(session_factory, 3, channel="sms", recipient="+50255550123")
    env = hotline_env(db_url, TWILIO_ACCOUNT_SID=fake_twilio.account_sid, TWILIO_AUTH_TOKEN=fake_twilio.auth_token,
                      TWILIO_PHONE_NUMBER=fake_twilio.phone_number, TWILIO_API_BASE_URL=fake_twilio.url)
    proc = subprocess.Popen([HOTLINE, "worker"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _statuses(session_factory).get("sent", 0) < 3:
            time.sleep(0.2)
        assert _statuses(session_factory) == {"sent": 3}, proc.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    assert len(ids) == 3
    assert sorted(c["body"] for c in fake_twilio.calls_of("messages.create")) == [
        "mensaje 0", "mensaje 1", "mensaje 2"]


@pytest.mark.postgres_only
def test_a_row_queued_by_another_process_wakes_a_listening_worker_at_once(
    db_url: str, session_factory: sessionmaker[Session]
) -> None:
    from db.notify import OUTBOX, Listener
    from tests.outbox.support import ThreadedWorker, wait_for

    sender = RecordingSender()
    # It would not look again for a minute: only the notification can wake it.
    worker = ThreadedWorker(OutboxWorker(session_factory, {"sms": sender}, config=WorkerConfig(idle_sleep=60)))
    listener = Listener.for_database(db_url)
    assert listener is not None
    listener.subscribe(OUTBOX, worker.worker.wake)
    worker.start()
    worker.loop.call_soon_threadsafe(listener.start)
    try:
        wait_for(lambda: listener.connected, 10, "the listener to connect")
        time.sleep(0.2)  # the worker has looked once and gone to sleep
        queued = time.monotonic()
        _enqueue(session_factory, 1)
        wait_for(lambda: len(sender.sent) == 1, 10, "the row to be sent")
        assert sender.sent[0][2] - queued < 5
    finally:
        asyncio.run_coroutine_threadsafe(listener.stop(), worker.loop).result(timeout=10)
        worker.stop()
