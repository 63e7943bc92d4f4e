"""The database stopped under load: SMS webhooks still answer 200, and every message is answered
once the database is back (issue 11; SPEC section 6, the spool).

A PostgreSQL cluster of this test's own (pg_createcluster on a free port; the server other tests
use is never touched) serves a real ``hotline serve`` with its in-process workers and the fake
Twilio. Relatives write at a steady pace while the cluster is stopped for a few seconds and started
again. Every request must be answered 200 (a 503 would be a lost message: Twilio does not retry an
inbound SMS), at least some of them from the spool, and afterwards every message must be recorded
once, its turn run, and its relative answered at the fake. The cluster is dropped at the end.
Every number and text is FICTIONAL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from db.migrate import upgrade
from db.models import InboundRecord
from tests.channels.helpers import SMS_PATH, provider_env
from tests.fakes import FakeTwilio
from tests.support import HOTLINE, ROOT, free_port, hotline_env

PUBLIC_URL = "https://hotline.example.org"
OUTAGE_SECONDS = 4.0


def _pg_version() -> str | None:
    base = Path("/usr/lib/postgresql")
    versions = sorted((p.name for p in base.iterdir() if (p / "bin" / "postgres").exists()), key=int) \
        if base.is_dir() else []
    return versions[-1] if versions else None


def _run(*args: str) -> None:
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{' '.join(args)}: {done.stdout}{done.stderr}"


@pytest.fixture
def own_cluster() -> Iterator[tuple[str, str, str]]:
    """(version, name, URL) of a fresh PostgreSQL cluster on a free port, dropped afterwards."""
    version = _pg_version()
    if version is None or shutil.which("pg_createcluster") is None or os.geteuid() != 0:
        pytest.skip("needs Debian's postgresql-common (pg_createcluster) and root to make a cluster of its own")
    name, port = f"hotline_outage_{os.getpid()}", free_port()
    _run("pg_createcluster", version, name, "-p", str(port), "--start-conf=manual",
         "-o", "fsync=off", "--", "--auth=trust")
    try:
        _run("pg_ctlcluster", version, name, "start")
        admin = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE hotline"))
        admin.dispose()
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/hotline"
        upgrade(url)
        yield version, name, url
    finally:
        subprocess.run(["pg_dropcluster", version, name, "--stop"], capture_output=True, timeout=120)


def _scrape(client: httpx.Client, token: str) -> dict[str, float]:
    r = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    values: dict[str, float] = {}
    for line in r.text.splitlines():
        if line.startswith("hotline_spool_"):
            key, value = line.rsplit(" ", 1)
            values[key] = float(value)
    return values


@pytest.mark.timeout(240)
def test_sms_webhooks_answer_200_through_a_database_outage_and_every_message_is_answered(
    own_cluster: tuple[str, str, str], fake_twilio: FakeTwilio, tmp_path: Path,
) -> None:
    from bot.auth import create_token

    version, name, url = own_cluster
    factory = sessionmaker(bind=create_engine(url, poolclass=NullPool))  # (its connections die too)
    with factory.begin() as s:
        _, token = create_token(s, name="prometheus (prueba)", role="viewer")
    port = free_port()
    env = hotline_env(url, **provider_env(twilio=fake_twilio), HOTLINE_PUBLIC_URL=PUBLIC_URL,
                      HOTLINE_SPOOL_DIR=str(tmp_path / "spool"))
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log_file:
        server = subprocess.Popen([HOTLINE, "serve", "--port", str(port)], env=env, cwd=ROOT,
                                  stdout=log_file, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    sent: list[str] = []
    codes: list[int] = []
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log_path.read_text()
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "hotline serve did not start"
            time.sleep(0.2)

        def relatives_write() -> None:
            with httpx.Client(base_url=base, timeout=20) as client:
                n = 0
                while not stop.is_set():
                    sender = f"+502555{n:05d}"  # fictional
                    headers, form = fake_twilio.signed_inbound(
                        PUBLIC_URL + SMS_PATH, {"From": sender, "Body": "Hola", "MessageSid": f"SM{n + 1:032x}"})
                    codes.append(client.post(SMS_PATH, data=form, headers=headers).status_code)
                    sent.append(sender)
                    n += 1
                    time.sleep(0.04)

        writer = threading.Thread(target=relatives_write)
        writer.start()
        time.sleep(1.0)
        _run("pg_ctlcluster", version, name, "stop", "-m", "fast")
        stopped_at = len(sent)
        time.sleep(OUTAGE_SECONDS)
        during = len(sent) - stopped_at
        _run("pg_ctlcluster", version, name, "start")
        time.sleep(1.5)
        stop.set()
        writer.join(timeout=60)
        assert not writer.is_alive()

        assert during >= 10, f"only {during} messages were sent during the outage"
        assert codes == [200] * len(codes), {c: codes.count(c) for c in set(codes)}

        # Everything recorded once, every turn run, every relative answered at the fake.
        def settled() -> bool:
            with factory() as s:
                done = s.scalar(select(func.count()).select_from(InboundRecord)
                                .where(InboundRecord.state == "done"))
            answered = {m["to"] for m in fake_twilio.messages}
            return done == len(sent) and answered >= set(sent)

        deadline = time.monotonic() + 90
        while not settled():
            assert server.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, (
                f"not all answered: {len({m['to'] for m in fake_twilio.messages} & set(sent))} of {len(sent)}")
            time.sleep(0.25)
        with factory() as s:
            rows = s.execute(select(InboundRecord.address, InboundRecord.state)).all()
        assert sorted(a for a, _ in rows) == sorted(sent)  # each recorded once
        with httpx.Client(base_url=base, timeout=10) as client:
            metrics = _scrape(client, token)
        spooled = metrics.get('hotline_spool_events_total{event="spooled"}', 0)
        assert spooled >= during * 0.5, metrics  # the outage's messages went through the spool...
        assert metrics.get('hotline_spool_events_total{event="replayed"}', 0) \
            + metrics.get('hotline_spool_events_total{event="duplicate"}', 0) == spooled
        assert metrics["hotline_spool_messages"] == 0 and metrics["hotline_spool_quarantined"] == 0
        assert not list((tmp_path / "spool").glob("*.json"))  # ...and left it empty
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        factory.kw["bind"].dispose()
