"""Nothing lost, nothing doubled: the outbox against failing providers, a worker killed mid-batch,
and several workers on PostgreSQL. Real senders (twilio SDK, python-telegram-bot) against the fakes,
real ``hotline worker`` processes. Numbers, chats and texts are FICTIONAL."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox.worker import WorkerConfig
from db.models import OutboundMessage
from db.repositories import outbox
from tests.channels.helpers import channel_settings, drain, duplicates, provider_env, statuses
from tests.fakes import FakeTelegram, FakeTwilio
from tests.support import HOTLINE, ROOT, hotline_env


def _enqueue_sms(factory: sessionmaker[Session], n: int, prefix: str = "aviso") -> list[str]:
    texts = [f"{prefix} {i} (ficticio)" for i in range(n)]
    with factory() as s, s.begin():
        for i, text in enumerate(texts):
            outbox.enqueue(s, channel="sms", recipient=f"+5025560{i:04d}", text=text)
    return texts


def _enqueue_telegram(factory: sessionmaker[Session], n: int, first_chat: int = 800_000_000) -> list[str]:
    texts = [f"notificación {i} (ficticia)" for i in range(n)]
    with factory() as s, s.begin():
        for i, text in enumerate(texts):
            outbox.enqueue(s, channel="telegram", recipient=str(first_chat + i), text=text,
                           kind="notification", priority=outbox.PRIORITY_BULK)
    return texts


def test_with_30_percent_of_provider_calls_failing_every_message_arrives_exactly_once(
    db_url: str, session_factory: sessionmaker[Session], fake_twilio: FakeTwilio, fake_telegram: FakeTelegram
) -> None:
    settings = channel_settings(db_url, "https://hotline.example.org", twilio=fake_twilio, telegram=fake_telegram)
    sms_texts = _enqueue_sms(session_factory, 60)
    tg_texts = _enqueue_telegram(session_factory, 60)
    fake_twilio.fail_ratio(0.3, seed=7)
    fake_telegram.fail_ratio(0.3, seed=11, status=502)
    fake_telegram.rate_limit_next(2, retry_after=1, method="sendMessage")
    drain(session_factory, settings, timeout=120,
          config=WorkerConfig(batch_size=20, backoff_base=0.01, backoff_cap=0.05, max_attempts=100,
                              idle_sleep=0.02))
    # The faults did happen, and were retried...
    assert sum(c["status"] >= 500 for c in fake_twilio.calls_of("messages.create")) >= 10
    assert sum(c["status"] >= 500 for c in fake_telegram.calls_of("sendMessage")) >= 10
    # ...yet each text reached its recipient once, and only once.
    received_sms = [(m["to"], m["body"]) for m in fake_twilio.messages]
    assert sorted(b for _, b in received_sms) == sorted(sms_texts) and not duplicates([b for _, b in received_sms])
    assert all(to == f"+5025560{int(body.split()[1]):04d}" for to, body in received_sms)
    received_tg = [(m["chat"]["id"], m["text"]) for m in fake_telegram.sent_messages]
    assert sorted(t for _, t in received_tg) == sorted(tg_texts) and not duplicates([t for _, t in received_tg])
    assert all(chat == 800_000_000 + int(text.split()[1]) for chat, text in received_tg)
    assert statuses(session_factory) == {"sent": 120}


def _worker(db_url: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([HOTLINE, "worker"], env=hotline_env(db_url, **env), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_worker_killed_mid_batch_loses_nothing(
    db_url: str, session_factory: sessionmaker[Session], fake_twilio: FakeTwilio
) -> None:
    texts = _enqueue_sms(session_factory, 300)
    fake_twilio.delay(0.05)  # every provider call takes a while: the kill lands mid-batch
    env = provider_env(twilio=fake_twilio, OUTBOX_LEASE_SECONDS="3")
    first = _worker(db_url, env)
    try:
        _wait_for(lambda: len(fake_twilio.messages) >= 60, 60, "the first worker to be well under way")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    with session_factory() as s:
        in_flight = {r.text for r in s.scalars(select(OutboundMessage).where(OutboundMessage.status == "sending"))}
    assert in_flight, "the kill should have left claimed rows behind"
    assert 0 < statuses(session_factory).get("sent", 0) < 300

    second = _worker(db_url, env)
    try:
        _wait_for(lambda: statuses(session_factory) == {"sent": 300}, 120, "every row to be sent")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
    received = [m["body"] for m in fake_twilio.messages]
    assert set(received) == set(texts)  # nothing lost
    # A repeat is only possible for a row whose send was under way when the worker died.
    assert set(duplicates(received)) <= in_flight
    assert all(n == 2 for n in duplicates(received).values())


@pytest.mark.postgres_only
def test_four_worker_processes_on_postgresql_never_send_a_row_twice(
    db_url: str, session_factory: sessionmaker[Session], fake_telegram: FakeTelegram
) -> None:
    env = provider_env(telegram=fake_telegram, LOG_LEVEL="INFO")
    fake_telegram.delay(0.01)
    workers = [_worker(db_url, env) for _ in range(4)]
    started: list[str] = []
    lock = threading.Lock()

    def read(proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "outbox.worker_started" in line:
                with lock:
                    started.append(line)

    readers = [threading.Thread(target=read, args=(p,), daemon=True) for p in workers]
    for t in readers:
        t.start()
    try:
        # Rows are queued only once all four are polling, so that they really compete.
        _wait_for(lambda: len(started) == 4, 60, "four workers to start")
        texts = _enqueue_telegram(session_factory, 1000)
        _wait_for(lambda: statuses(session_factory) == {"sent": 1000}, 180, "every row to be sent")
    finally:
        for p in workers:
            p.send_signal(signal.SIGTERM)
        for p in workers:
            assert p.wait(timeout=30) == 0
    received = [m["text"] for m in fake_telegram.sent_messages]
    assert Counter(received) == Counter(texts)  # each exactly once
    with session_factory() as s:
        by_worker = Counter(s.scalars(select(OutboundMessage.claimed_by)))
    assert len(by_worker) >= 2, f"the workers did not share the work: {by_worker}"
