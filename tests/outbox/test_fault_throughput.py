"""Throughput when the provider fails 30 % of the calls (issue 11): a fault costs the row that met it
a retry, not the channel a pause, so replies keep flowing at most of the clean rate. The figures are
printed (run with -s); docs/benchmarks.md has the benchmark's. Numbers and texts are FICTIONAL."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy.orm import Session, sessionmaker

from api.composition import build_limits, build_senders
from bot.outbox.worker import OutboxWorker, WorkerConfig
from tests.channels.helpers import channel_settings, statuses
from tests.fakes import FakeTwilio
from tests.outbox.support import ThreadedWorker, enqueue_sms, wait_for

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]

# TWILIO_MESSAGES_PER_SECOND for both runs: low enough that the pace, not this process's share of a
# busy test machine (worker, SDK threads and fake in one process), sets the healthy rate.
RATE = 20
ROWS = 100


def _replies_per_second(fake: FakeTwilio, share: float = 0.8) -> float:
    """Accepted messages per second at the fake, over the first ``share`` of them (the tail is the
    last retries' backoff, not the pipeline's rate)."""
    times = sorted(c["monotonic"] for c in fake.calls_of("messages.create") if c["status"] == 201)
    k = int(len(times) * share)
    return (k - 1) / (times[k - 1] - times[0])


def _run(db_url: str, factory: sessionmaker[Session], fake: FakeTwilio, first: int) -> list[str]:
    settings = channel_settings(db_url, "https://hotline.example.org", twilio=fake, twilio_messages_per_second=RATE)
    texts = enqueue_sms(factory, ROWS, first=first)
    worker = ThreadedWorker(OutboxWorker(factory, build_senders(settings), build_limits(settings),
                                         WorkerConfig(backoff_base=0.2, backoff_cap=1.0, max_attempts=100,
                                                      idle_sleep=0.05)))
    worker.start()
    try:
        wait_for(lambda: statuses(factory).get("sent", 0) == first + ROWS, 60, "every row to be sent",
                 interval=0.25)
    finally:
        worker.stop()
    return texts


def test_thirty_percent_provider_faults_keep_at_least_half_the_throughput(
    db_url: str, session_factory: sessionmaker[Session], fake_twilio: FakeTwilio
) -> None:
    fake_twilio.delay(0.05)
    clean_texts = _run(db_url, session_factory, fake_twilio, 0)
    clean = _replies_per_second(fake_twilio)
    assert Counter(m["body"] for m in fake_twilio.messages) == Counter(clean_texts)

    faulty = FakeTwilio().start()
    try:
        faulty.delay(0.05)
        faulty.fail_ratio(0.3, seed=5, status=503, method="messages.create")
        faulty.rate_limit_next(8, retry_after=1, method="messages.create")  # some of them are 429s
        faulty_texts = _run(db_url, session_factory, faulty, ROWS)
        with_faults = _replies_per_second(faulty)
        calls = faulty.calls_of("messages.create")
        failed = sum(c["status"] >= 400 for c in calls)
        print(f"\nreplies/s at {RATE}/s: {clean:.1f} without faults, {with_faults:.1f} with "
              f"{100 * failed / len(calls):.0f} % of calls failing ({with_faults / clean:.0%})")
        assert failed / len(calls) >= 0.2
        assert Counter(m["body"] for m in faulty.messages) == Counter(faulty_texts)  # still exactly once
        assert with_faults >= clean / 2
    finally:
        faulty.stop()
    faulty.assert_no_internal_errors()
