"""Wake-ups without polling (db/notify.py) and periodic jobs on one worker at a time (bot/scheduler.py).

On PostgreSQL the statement that records a message NOTIFYs; a turn worker LISTENing on its own
connection runs the turn at once although its poll is a minute long, when the message was
recorded by another process. Two workers running the same periodic job at the same moment: one
runs it, the other skips (an advisory lock), never both at once. Every number is FICTIONAL.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.scheduler import PeriodicJob
from bot.turns import TurnConfig, TurnProcessor
from common.settings import Settings
from db import notify
from db.models import InboundRecord
from db.notify import Listener
from tests.support import ROOT

RELATIVE = "+50255580001"  # fictional
SLOW_POLL = 60.0  # far longer than any wait below: only a notification can wake the worker

RECORD_IN_ANOTHER_PROCESS = """
import sys
from sqlalchemy.orm import sessionmaker
from db.repositories.conversations import record_inbound
from db.session import make_engine
engine = make_engine(sys.argv[1])
with sessionmaker(bind=engine).begin() as s:
    assert record_inbound(s, "sms", sys.argv[2], sys.argv[3], "Hola", None) is not None
engine.dispose()
"""


def record_elsewhere(db_url: str, provider_id: str) -> float:
    """Record one message from a separate process; when it had committed (monotonic clock)."""
    subprocess.run([sys.executable, "-c", RECORD_IN_ANOTHER_PROCESS, db_url, RELATIVE, provider_id],
                   cwd=ROOT, check=True, timeout=60)
    return time.monotonic()


def state_of(factory: sessionmaker[Session], provider_id: str) -> str | None:
    with factory() as s:
        return s.scalar(select(InboundRecord.state).where(InboundRecord.provider_id == provider_id))


@pytest.fixture
def worker_in_thread(settings: Settings, session_factory: sessionmaker[Session]
                     ) -> Iterator[tuple[TurnProcessor, Listener | None]]:
    """A turn processor with a one-minute poll, and on PostgreSQL its listener, on an event loop
    of its own (as in a ``hotline worker``)."""
    processor = TurnProcessor(session_factory, settings,
                              TurnConfig(concurrency=1, idle_sleep=SLOW_POLL, listening_sleep=SLOW_POLL))
    listener = Listener.for_database(settings.database_url)
    if listener is not None:
        listener.subscribe(notify.INBOUND, processor.wake)
        processor.listener = listener
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(processor.run(),), daemon=True)
    thread.start()
    try:
        yield processor, listener
    finally:
        loop.call_soon_threadsafe(processor.stop)
        thread.join(timeout=15)
        assert not thread.is_alive()
        loop.close()


def wait_until(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


@pytest.mark.postgres_only
def test_a_message_recorded_by_another_process_wakes_a_listening_turn_worker_at_once(
    db_url: str, worker_in_thread: tuple[TurnProcessor, Listener | None], session_factory: sessionmaker[Session],
) -> None:
    _, listener = worker_in_thread
    assert listener is not None and wait_until(lambda: listener.connected, 10)
    time.sleep(0.2)  # the lane's first look (nothing) is done: it now sleeps on a one-minute poll
    for n in range(3):
        committed = record_elsewhere(db_url, f"SMwake{n}")
        assert wait_until(lambda n=n: state_of(session_factory, f"SMwake{n}") == "done", 5), \
            "the turn did not run: the NOTIFY did not wake the worker"
        assert time.monotonic() - committed < 2.0


@pytest.mark.postgres_only
def test_without_the_listener_the_same_worker_sleeps_through_its_poll(
    db_url: str, settings: Settings, session_factory: sessionmaker[Session],
) -> None:
    """The control: the wake-up above came from the notification, not from a poll."""
    processor = TurnProcessor(session_factory, settings,
                              TurnConfig(concurrency=1, idle_sleep=SLOW_POLL, listening_sleep=SLOW_POLL))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(processor.run(),), daemon=True)
    thread.start()
    try:
        time.sleep(0.3)
        record_elsewhere(db_url, "SMnowake")
        assert not wait_until(lambda: state_of(session_factory, "SMnowake") == "done", 1.5)
    finally:
        loop.call_soon_threadsafe(processor.stop)
        thread.join(timeout=15)
        loop.close()


@pytest.mark.postgres_only
def test_a_redelivery_notifies_nobody(db_url: str, session_factory: sessionmaker[Session]) -> None:
    import psycopg

    from db.repositories.conversations import record_inbound

    dsn = notify.psycopg_dsn(db_url)
    assert dsn
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"LISTEN {notify.INBOUND}")
        with session_factory.begin() as s:
            assert record_inbound(s, "sms", RELATIVE, "SMonce", "Hola", None) is not None
        assert len(list(conn.notifies(timeout=2, stop_after=1))) == 1
        with session_factory.begin() as s:
            assert record_inbound(s, "sms", RELATIVE, "SMonce", "Hola", None) is None
        assert list(conn.notifies(timeout=0.5)) == []


def test_two_workers_never_run_the_same_periodic_job_at_once(
    backend: str, session_factory: sessionmaker[Session],
) -> None:
    running, most, runs = 0, 0, 0
    guard = threading.Lock()
    start = threading.Barrier(2)

    def job(session: Session) -> int:
        nonlocal running, most, runs
        with guard:
            running += 1
            runs += 1
            most = max(most, running)
        time.sleep(0.5)  # long enough for the other worker to try meanwhile
        with guard:
            running -= 1
        return 1

    def worker() -> None:
        # Each worker process has its own PeriodicJob of the same name, as every worker does.
        periodic = PeriodicJob("prueba-de-bloqueo", every_seconds=60, run=job)
        start.wait()
        periodic.run_once(session_factory)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert most == 1
    if backend == "postgresql":
        assert runs == 1  # the other found the advisory lock taken and skipped this period
    else:
        assert runs == 2  # SQLite: the second waited for the writer's lock, then ran after
    # The lock ends with the run's transaction: the next period runs again.
    assert PeriodicJob("prueba-de-bloqueo", every_seconds=60, run=job).run_once(session_factory) == 1
