"""Shared by the outbox's fault tests: real ``hotline worker`` processes, outbox workers running
in-process on their own event loops, a PostgreSQL cluster of the tests' own (to stop and start),
slow fake providers, and counting what reached the fakes. Numbers, chats and texts are FICTIONAL."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import REGISTRY
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox.worker import OutboxWorker
from db.repositories import outbox
from tests.fakes import FakeTelegram, FakeTwilio
from tests.support import HOTLINE, ROOT, hotline_env


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def enqueue_sms(factory: sessionmaker[Session], n: int, prefix: str = "aviso", first: int = 0) -> list[str]:
    texts = [f"{prefix} {i} (ficticio)" for i in range(first, first + n)]
    with factory() as s, s.begin():
        for i, body in zip(range(first, first + n), texts, strict=True):
            outbox.enqueue(s, channel="sms", recipient=f"+5025570{i:04d}", text=body)
    return texts


def enqueue_telegram(factory: sessionmaker[Session], n: int, first_chat: int = 700_000_000,
                     priority: int = outbox.PRIORITY_BULK) -> list[str]:
    texts = [f"notificación {i} (ficticia)" for i in range(n)]
    with factory() as s, s.begin():
        for i, body in enumerate(texts):
            outbox.enqueue(s, channel="telegram", recipient=str(first_chat + i), text=body,
                           kind="notification", priority=priority)
    return texts


def doubled(received: list[str]) -> dict[str, int]:
    return {t: n for t, n in Counter(received).items() if n > 1}


def counter(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class SlowTwilio(FakeTwilio):
    """The fake Twilio, taking ``seconds`` to accept a message to any number in ``slow``."""

    def __init__(self, slow: set[str], seconds: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.slow, self.seconds = slow, seconds

    def _create(self, form: dict[str, str], media_urls: list[str]) -> Any:
        if form.get("To") in self.slow:
            self._stopping.wait(self.seconds)
        return super()._create(form, media_urls)


class WorkerProcess:
    """A real ``hotline worker`` subprocess; its output is read continuously (a full pipe would
    block it) and kept for inspection."""

    def __init__(self, db_url: str, env: dict[str, str], args: tuple[str, ...] = ()) -> None:
        self.proc = subprocess.Popen([HOTLINE, "worker", *args], env=hotline_env(db_url, **env), cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._lines: list[str] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self._lines.append(line)

    def count(self, needle: str) -> int:
        with self._lock:
            return sum(needle in line for line in self._lines)

    def output(self) -> str:
        with self._lock:
            return "".join(self._lines[-40:])

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


@contextmanager
def worker_processes(db_url: str, env: dict[str, str], n: int) -> Iterator[list[WorkerProcess]]:
    # INFO: the start, lost claims and doubts are logged at that level.
    workers = [WorkerProcess(db_url, {**env, "LOG_LEVEL": "INFO"}) for _ in range(n)]
    try:
        wait_for(lambda: all(w.count("outbox.worker_started") for w in workers), 60, "the workers to start")
        yield workers
    finally:
        for w in workers:
            if w.proc.poll() is None:
                w.proc.send_signal(signal.SIGTERM)
        for w in workers:
            w.stop()


class ThreadedWorker:
    """An OutboxWorker running ``run()`` on an event loop of its own, in a thread (as a process
    would), so that a test can stall that loop like a stalled process."""

    def __init__(self, worker: OutboxWorker) -> None:
        self.worker = worker
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.worker.run())

    def start(self) -> ThreadedWorker:
        self.thread.start()
        return self

    def stall(self, seconds: float) -> None:
        """Block the worker's event loop (a GC pause, a starved CPU, a paused VM)."""
        self.loop.call_soon_threadsafe(time.sleep, seconds)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.worker.stop)
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the worker did not stop"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnCluster:
    """A PostgreSQL cluster of the tests' own on another port (pg_createcluster), so that stopping
    the database never touches the server the rest of the suite uses."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.name = f"hotline_test_{uuid.uuid4().hex[:8]}"
        self.port = free_port()

    @staticmethod
    def available() -> str | None:
        """The PostgreSQL major version to use, or None when clusters cannot be made here."""
        if not (shutil.which("pg_createcluster") and shutil.which("pg_ctlcluster")):
            return None
        listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True)
        versions = [line.split()[0] for line in listing.stdout.splitlines() if line.strip()]
        return versions[0] if versions else None

    def create(self) -> str:
        subprocess.run(["pg_createcluster", self.version, self.name, "-p", str(self.port), "--start",
                        "--", "--auth=trust"], check=True, capture_output=True, timeout=120)
        admin = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres",
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "hotline"'))
        admin.dispose()
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/hotline"

    def stop(self) -> None:
        subprocess.run(["pg_ctlcluster", self.version, self.name, "stop", "-m", "fast"], check=True,
                       capture_output=True, timeout=60)

    def start(self) -> None:
        subprocess.run(["pg_ctlcluster", self.version, self.name, "start"], check=True, capture_output=True,
                       timeout=60)

    def drop(self) -> None:
        subprocess.run(["pg_dropcluster", self.version, self.name, "--stop"], capture_output=True, timeout=60)


def fakes_received(twilio: FakeTwilio | None = None, telegram: FakeTelegram | None = None) -> list[str]:
    texts: list[str] = []
    if twilio is not None:
        texts += [m["body"] for m in twilio.messages]
    if telegram is not None:
        texts += [m["text"] for m in telegram.sent_messages]
    return texts
