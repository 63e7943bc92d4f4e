"""Benchmark of the channels: the signed SMS webhook under load, the turn workers, the reply as a
relative's phone sees it, and draining a Telegram outbox.

All people, numbers and chats are FICTIONAL. Usage (from the repository root; PostgreSQL on
127.0.0.1, user postgres, as for the tests):

    .venv/bin/python scripts/bench_channels.py                       # everything, as in docs/benchmarks.md
    .venv/bin/python scripts/bench_channels.py --skip-drain          # without the 10,000-message drain
    .venv/bin/python scripts/bench_channels.py --skip-webhook --drain-rows 3000

A temporary PostgreSQL database (created here, migrated with db.migrate.upgrade, dropped at the end)
holds the fictional demo roster, ``--roster-rows`` generated persons and the person the relatives
ask about. Relatives are distinct From numbers, each sending a short conversation (greeting, name,
birth date, "sí": the third turn searches the roster and discloses), signed for HOTLINE_PUBLIC_URL.
The load generator is aiohttp in this process (httpx's pool itself became the bottleneck at 64
connections and made every server look slow).

1. Webhook. ``hotline serve --no-worker`` as a subprocess: one uvicorn process, as one API
   container of the production deployment runs it. At 1, 16 and 64 relatives at once (each sends
   its next message as soon as the previous one was answered) we measure requests per second and
   the latency of each webhook request (until the answer is back, i.e. the message is durable).
   Side by side, in the same run and on the same database, the floor: a bare FastAPI endpoint in
   this file that checks the Twilio signature and inserts one row, built as cheaply as we know
   how (the body parsed directly, one autocommitted INSERT, a small thread pool; api/intake.py
   explains why those matter). Targets: >= 50 % of the floor's throughput, p99 <= 150 ms at 64.
2. Turns. The messages of part 1 are then pending; one ``hotline worker`` process runs their
   dialogue turns (replies go to a fake Twilio, tests/fakes). We measure turns per second.
3. Reply at the phone. ``hotline serve`` with its in-process workers; 16 and 64 relatives each
   have the conversation at a person's pace (``--think`` seconds between messages). We measure,
   per message, the time from sending it to its first reply arriving at the fake Twilio: what a
   relative waits.
4. Drain. 10,000 notifications to distinct Telegram chats in the outbox; one ``hotline worker``
   against the fake Telegram Bot API at TELEGRAM_MESSAGES_PER_SECOND=30. We measure the rate at
   which messages reach the fake (target: within 5 % of 30/s), the most in any one second, and
   that each message arrived exactly once.
5. Faults. Replies to distinct numbers through one ``hotline worker`` at TWILIO_MESSAGES_PER_SECOND
   (``--fault-rate``, 40), against a fake Twilio that takes 50 ms per call: once healthy, once with
   30 % of the calls failing (503, and some 429 with Retry-After 1). Replies per second = messages
   Twilio accepted per second over the first 80 % of them (the rest is the last retries' backoff).
   Target: with faults at least half the healthy rate; each reply exactly once.
6. Shared limit. Four ``hotline worker`` processes share TELEGRAM_MESSAGES_PER_SECOND (``--shared-rate``,
   30) while draining notifications to distinct chats. We measure, at the fake, the most sends in
   any one second (target: never above the limit + 10 %) and the overall rate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import httpx  # noqa: E402
from fastapi import FastAPI, HTTPException, Request, Response  # noqa: E402  (module level: the floor's annotations)
from sqlalchemy import create_engine, text  # noqa: E402

PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
HOTLINE = str(Path(sys.executable).parent / "hotline")
SMS_PATH = "/webhooks/twilio/sms"
FLOOR_PATH = "/floor/sms"
AUTH_TOKEN = "be4c" * 8  # fictional
ACCOUNT_SID = "AC" + "be4c" * 8
PHONE = "+50255500001"

# The conversation each relative has (FICTIONAL person, inserted below).
CONVERSATION = ["Hola, buenas tardes", "Busco a Rigoberto Andrés Quiñónez Paredes", "nació el 15 de julio de 1994",
                "sí"]


# --- the floor: a bare endpoint that checks the signature and inserts one row ---------------------


def floor_app():  # type: ignore[no-untyped-def]
    """Built in the child process (``--serve-floor``)."""
    import anyio
    import anyio.to_thread
    from twilio.request_validator import RequestValidator

    from db.session import make_engine

    engine = make_engine(os.environ["DATABASE_URL"], pool_pre_ping=False, pool_size=8, max_overflow=0,
                         isolation_level="AUTOCOMMIT")
    statement = text("INSERT INTO bench_floor (sid, sender, body) VALUES (:sid, :sender, :body) "
                     "ON CONFLICT (sid) DO NOTHING RETURNING id")
    validator = RequestValidator(AUTH_TOKEN)
    public = os.environ["HOTLINE_PUBLIC_URL"].rstrip("/")
    limiter: list[anyio.CapacityLimiter] = []
    app = FastAPI()

    def insert(sid: str, sender: str, body: str) -> None:
        with engine.connect() as conn:
            conn.execute(statement, {"sid": sid, "sender": sender, "body": body})

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(FLOOR_PATH)
    async def sms(request: Request) -> Response:
        params = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        if not validator.validate(public + request.url.path, params, request.headers.get("X-Twilio-Signature", "")):
            raise HTTPException(403)
        if not limiter:
            limiter.append(anyio.CapacityLimiter(8))
        await anyio.to_thread.run_sync(insert, params["MessageSid"], params["From"], params.get("Body", ""),
                                       limiter=limiter[0])
        return Response('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', media_type="application/xml")

    return app


# --- set-up --------------------------------------------------------------------------------------


def create_database() -> tuple[str, str]:
    name = f"bench_channels_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str, roster_rows: int) -> None:
    from sqlalchemy.orm import sessionmaker

    from bot.matching.keys import person_keys
    from bot.roster.demo import ensure_demo_roster
    from bot.roster.importer import import_roster
    from db.migrate import upgrade
    from db.models import Incident, Person
    from db.repositories.status import NewReport, append_report
    from db.session import make_engine

    upgrade(url)
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    ensure_demo_roster(factory)
    if roster_rows:
        sys.path.insert(0, str(ROOT / "scripts"))
        from bench_import import generate  # the import benchmark's FICTIONAL roster generator

        path = Path(f"/tmp/bench_channels_roster_{os.getpid()}.csv")
        generate(path, roster_rows)
        report = import_roster(factory, str(path), incident_name="Roster de carga (ficticio)")
        path.unlink()
        if not report.ok:
            raise SystemExit(f"generated roster refused: {report.errors[:3]}")
    with factory() as s, s.begin():
        incident = Incident(name="Incidente de referencia (ficticio)")
        s.add(incident)
        s.flush()
        person = Person(incident_id=incident.id, given_names="Rigoberto Andrés", surnames="Quiñónez Paredes",
                        nationality="GT", birth_date=date(1994, 7, 15),
                        **person_keys("Rigoberto Andrés", "Quiñónez Paredes"))
        s.add(person)
        s.flush()
        append_report(s, person, NewReport(status="safe", location="Albergue temporal (ficticio), Ciudad Juárez",
                                           source="Cruz Roja (FICTICIO)",
                                           verified_at=datetime(2026, 11, 20, 16, tzinfo=UTC)), actor="bench")
        s.execute(text("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, sid varchar(64) UNIQUE, "
                       "sender varchar(64), body text, received_at timestamptz DEFAULT now())"))
    engine.dispose()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early ({proc.returncode})")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server not ready")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def base_env(url: str, public: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_", "HOTLINE_"))}
    env.update(DATABASE_URL=url, HOTLINE_PUBLIC_URL=public, LOG_LEVEL="WARNING", TWILIO_ACCOUNT_SID=ACCOUNT_SID,
               TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_PHONE_NUMBER=PHONE)
    return env


# --- load ----------------------------------------------------------------------------------------


def signed(public: str, path: str, sender: str, body: str, sid: str) -> tuple[dict[str, str], dict[str, str]]:
    from twilio.request_validator import RequestValidator

    form = {"From": sender, "To": PHONE, "Body": body, "MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID,
            "NumMedia": "0", "ApiVersion": "2010-04-01"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(public + path, form)
    return {"X-Twilio-Signature": signature}, form


def percentiles(latencies: list[float]) -> dict[str, float]:
    latencies = sorted(latencies)
    n = len(latencies)
    return {"p50_ms": 1000 * statistics.median(latencies), "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))],
            "max_ms": 1000 * latencies[-1]}


async def load(base: str, path: str, concurrency: int, total: int, number_base: int) -> dict[str, float]:
    """``concurrency`` lanes; each lane is one relative after another (a distinct From number each),
    each relative sending CONVERSATION turn by turn, until ``total`` requests were made."""
    latencies: list[float] = []
    errors = Counter[int]()
    per_lane = total // concurrency
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base, connector=connector) as client:
        async def lane(k: int) -> None:
            for i in range(per_lane):
                relative, turn = divmod(i, len(CONVERSATION))
                sender = f"+502{number_base + k * 1000 + relative:08d}"
                sid = f"SM{uuid.uuid4().hex}"
                headers, form = signed(base, path, sender, CONVERSATION[turn], sid)
                start = time.perf_counter()
                async with client.post(path, data=form, headers=headers) as r:
                    await r.read()
                    status = r.status
                latencies.append(time.perf_counter() - start)
                if status != 200:
                    errors[status] += 1

        started = time.perf_counter()
        await asyncio.gather(*(lane(k) for k in range(concurrency)))
        elapsed = time.perf_counter() - started
    if errors:
        print(f"  errors from {path}: {dict(errors)}", flush=True)
    return {"requests": len(latencies), "per_second": len(latencies) / elapsed, **percentiles(latencies),
            "errors": sum(errors.values())}


def webhook_benchmark(url: str, levels: list[int], total: int) -> list[tuple[int, dict[str, float], dict[str, float]]]:
    hotline_port, floor_port = free_port(), free_port()
    hotline_base, floor_base = f"http://127.0.0.1:{hotline_port}", f"http://127.0.0.1:{floor_port}"
    hotline = subprocess.Popen([HOTLINE, "serve", "--no-worker", "--port", str(hotline_port)],
                               env=base_env(url, hotline_base), cwd=ROOT)
    floor = subprocess.Popen([sys.executable, __file__, "--serve-floor", "--port", str(floor_port)],
                             env=base_env(url, floor_base), cwd=ROOT)
    results = []
    try:
        wait_ready(hotline_base, hotline)
        wait_ready(floor_base, floor)
        # Warm-up: connection pools, imports, the first query plans.
        asyncio.run(load(hotline_base, SMS_PATH, 4, 32, 90_000_000))
        asyncio.run(load(floor_base, FLOOR_PATH, 4, 32, 90_000_000))
        for i, c in enumerate(levels):
            n = max(total, c * len(CONVERSATION))
            floor_figures = asyncio.run(load(floor_base, FLOOR_PATH, c, n, 10_000_000 * (i + 1)))
            hotline_figures = asyncio.run(load(hotline_base, SMS_PATH, c, n, 10_000_000 * (i + 1)))
            results.append((c, hotline_figures, floor_figures))
            print(f"  {c:>3} relatives: hotline {hotline_figures['per_second']:7.1f}/s "
                  f"p50 {hotline_figures['p50_ms']:6.1f} ms p99 {hotline_figures['p99_ms']:6.1f} ms "
                  f"(errors {hotline_figures['errors']:.0f}) | floor {floor_figures['per_second']:7.1f}/s "
                  f"p50 {floor_figures['p50_ms']:6.1f} ms p99 {floor_figures['p99_ms']:6.1f} ms", flush=True)
    finally:
        stop(hotline)
        stop(floor)
    return results


# --- turns and the reply at the phone ------------------------------------------------------------


def fake_twilio_env(url: str, public: str, fake) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = base_env(url, public)
    # Replies go to the fake Twilio, unthrottled: what is measured is the turns, not a send rate.
    env.update(TWILIO_API_BASE_URL=fake.url, TWILIO_MESSAGES_PER_SECOND="0")
    return env


def count_pending(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM inbound_messages WHERE state = 'pending'")).scalar_one())
    finally:
        engine.dispose()


def turns_benchmark(url: str) -> dict[str, float]:
    """One ``hotline worker`` runs the turns of everything part 1 recorded."""
    from tests.fakes import FakeTwilio

    backlog = count_pending(url)
    fake = FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, phone_number=PHONE).start()
    worker = subprocess.Popen([HOTLINE, "worker"], env=fake_twilio_env(url, "http://127.0.0.1:9", fake), cwd=ROOT)
    started = time.perf_counter()
    try:
        while (left := count_pending(url)) > 0:
            if worker.poll() is not None:
                raise SystemExit(f"worker exited ({worker.returncode}) with {left} turns pending")
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
    finally:
        stop(worker)
        fake.stop()
    engine = create_engine(url)
    with engine.connect() as conn:
        failed = int(conn.execute(text("SELECT count(*) FROM inbound_messages WHERE state = 'failed'")).scalar_one())
    engine.dispose()
    return {"turns": backlog, "seconds": elapsed, "per_second": backlog / elapsed, "failed": failed}


class ArrivalsTwilio:  # built lazily: tests.fakes is only importable from the repository root
    @staticmethod
    def make():  # type: ignore[no-untyped-def]
        from tests.fakes import FakeTwilio

        class _Arrivals(FakeTwilio):
            """The fake Twilio, also noting when each message to a number arrived."""

            def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
                super().__init__(**kwargs)
                self.arrivals: dict[str, list[float]] = defaultdict(list)

            def _record(self, method, params, status, **extra):  # type: ignore[no-untyped-def]
                entry = super()._record(method, params, status, **extra)
                if method == "messages.create" and status < 300 and extra.get("to"):
                    self.arrivals[extra["to"]].append(entry["monotonic"])
                return entry

        return _Arrivals(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, phone_number=PHONE)


async def conversations_at_a_persons_pace(base: str, fake, relatives: int, think: float,  # type: ignore[no-untyped-def]
                                          number_base: int) -> dict[str, float]:
    """Each relative sends CONVERSATION, waiting for the first reply to each message at its phone
    (the fake Twilio) and then ``think`` seconds; the wait for each first reply is measured."""
    waits: list[float] = []
    unanswered = 0
    connector = aiohttp.TCPConnector(limit=relatives)
    async with aiohttp.ClientSession(base, connector=connector) as client:
        async def relative(k: int) -> None:
            nonlocal unanswered
            sender = f"+502{number_base + k:08d}"
            await asyncio.sleep(think * k / relatives)  # they do not all start in the same instant
            for body in CONVERSATION:
                seen = len(fake.arrivals[sender])
                headers, form = signed(base, SMS_PATH, sender, body, f"SM{uuid.uuid4().hex}")
                sent = time.monotonic()
                async with client.post(SMS_PATH, data=form, headers=headers) as r:
                    await r.read()
                deadline = sent + 30
                while len(fake.arrivals[sender]) <= seen and time.monotonic() < deadline:
                    await asyncio.sleep(0.005)
                if len(fake.arrivals[sender]) <= seen:
                    unanswered += 1
                    continue
                waits.append(fake.arrivals[sender][seen] - sent)
                await asyncio.sleep(think)

        await asyncio.gather(*(relative(k) for k in range(relatives)))
    return {"messages": len(waits) + unanswered, "unanswered": unanswered, **percentiles(waits)}


def phone_benchmark(url: str, levels: list[int], think: float) -> list[tuple[int, dict[str, float]]]:
    fake = ArrivalsTwilio.make().start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([HOTLINE, "serve", "--port", str(port)], env=fake_twilio_env(url, base, fake), cwd=ROOT)
    results = []
    try:
        wait_ready(base, server)
        for i, relatives in enumerate(levels):
            figures = asyncio.run(conversations_at_a_persons_pace(base, fake, relatives, think, 50_000_000 * (i + 1)))
            results.append((relatives, figures))
            print(f"  {relatives:>3} relatives: {figures['messages']:.0f} messages, first reply at the phone "
                  f"p50 {figures['p50_ms']:.0f} ms p99 {figures['p99_ms']:.0f} ms max {figures['max_ms']:.0f} ms "
                  f"(unanswered {figures['unanswered']:.0f})", flush=True)
    finally:
        stop(server)
        fake.stop()
    return results


# --- drain ---------------------------------------------------------------------------------------


def drain_benchmark(url: str, rows: int, rate: float) -> dict[str, float]:
    from sqlalchemy.orm import sessionmaker

    from db.repositories import outbox
    from db.session import make_engine
    from tests.fakes import FakeTelegram

    engine = make_engine(url)
    factory = sessionmaker(bind=engine)
    with factory() as s, s.begin():
        s.execute(text("DELETE FROM outbound_messages"))
        for i in range(rows):
            outbox.enqueue(s, channel="telegram", recipient=str(600_000_000 + i),
                           text=f"Hay información verificada nueva (aviso ficticio {i}).",
                           kind="notification", priority=outbox.PRIORITY_BULK)
    fake = FakeTelegram().start()
    env = base_env(url, "http://127.0.0.1:9")
    env.update(TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.url,
               TELEGRAM_MESSAGES_PER_SECOND=str(rate), TELEGRAM_PER_CHAT_PER_SECOND="1")
    worker = subprocess.Popen([HOTLINE, "worker"], env=env, cwd=ROOT)
    try:
        while True:
            with engine.connect() as conn:
                left = conn.execute(text("SELECT count(*) FROM outbound_messages "
                                         "WHERE status IN ('queued', 'sending')")).scalar_one()
            if left == 0:
                break
            time.sleep(1)
    finally:
        stop(worker)
        fake.stop()
        engine.dispose()
    ok = [c for c in fake.calls_of("sendMessage") if c["status"] == 200]
    times = sorted(c["monotonic"] for c in ok)
    texts = Counter(c["text"] for c in ok)
    measured = (len(times) - 1) / (times[-1] - times[0])
    return {
        "rows": rows,
        "received": len(ok),
        "distinct": len(texts),
        "doubled": sum(1 for n in texts.values() if n > 1),
        "seconds": times[-1] - times[0],
        "per_second": measured,
        "deviation_pct": 100 * (measured - rate) / rate,
        "max_in_1s": fake.max_calls_within(1.0, "sendMessage"),
    }


# --- the outbox under faults, and one limit shared by four workers ---------------------------------


def _queue(url: str, channel: str, n: int, label: str) -> list[str]:
    from sqlalchemy.orm import sessionmaker

    from db.repositories import outbox
    from db.session import make_engine

    engine = make_engine(url)
    factory = sessionmaker(bind=engine)
    texts = [f"Respuesta {label} {i} (ficticia)" for i in range(n)]
    with factory() as s, s.begin():
        s.execute(text("DELETE FROM outbound_messages"))
        s.execute(text("DELETE FROM outbox_rate_limits"))
        for i, body in enumerate(texts):
            recipient = f"+502{30_000_000 + i:08d}" if channel == "sms" else str(500_000_000 + i)
            outbox.enqueue(s, channel=channel, recipient=recipient, text=body)
    engine.dispose()
    return texts


def _wait_sent(url: str, n: int, workers: list[subprocess.Popen[bytes]], timeout: float = 900) -> None:
    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                sent = conn.execute(text("SELECT count(*) FROM outbound_messages WHERE status = 'sent'")).scalar_one()
            if sent >= n:
                return
            if any(w.poll() is not None for w in workers):
                raise SystemExit("a worker exited early")
            if time.monotonic() > deadline:
                raise SystemExit(f"only {sent} of {n} sent in {timeout:.0f} s")
            time.sleep(0.5)
    finally:
        engine.dispose()


def _accepted_per_second(times: list[float], share: float = 0.8) -> float:
    times = sorted(times)
    k = int(len(times) * share)
    return (k - 1) / (times[k - 1] - times[0])


def faults_benchmark(url: str, rows: int, rate: float) -> dict[str, float]:
    from tests.fakes import FakeTwilio

    figures: dict[str, float] = {"rows": rows, "rate": rate}
    for faulty in (False, True):
        texts = _queue(url, "sms", rows, "con fallos" if faulty else "sin fallos")
        fake = FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, phone_number=PHONE).start()
        fake.delay(0.05)
        if faulty:
            fake.fail_ratio(0.3, seed=3, status=503, method="messages.create")
            fake.rate_limit_next(rows // 30, retry_after=1, method="messages.create")
        env = base_env(url, "http://127.0.0.1:9")
        env.update(TWILIO_API_BASE_URL=fake.url, TWILIO_MESSAGES_PER_SECOND=str(rate))
        worker = subprocess.Popen([HOTLINE, "worker"], env=env, cwd=ROOT)
        try:
            _wait_sent(url, rows, [worker])
        finally:
            stop(worker)
            fake.stop()
        calls = fake.calls_of("messages.create")
        accepted = [c["monotonic"] for c in calls if c["status"] == 201]
        bodies = Counter(m["body"] for m in fake.messages)
        key = "faults" if faulty else "clean"
        figures[f"{key}_per_second"] = _accepted_per_second(accepted)
        figures[f"{key}_failed_pct"] = 100 * sum(c["status"] >= 400 for c in calls) / len(calls)
        figures[f"{key}_doubled"] = sum(1 for n in bodies.values() if n > 1)
        figures[f"{key}_lost"] = len(set(texts) - set(bodies))
        print(f"  {key}: {figures[f'{key}_per_second']:.1f} replies/s, {figures[f'{key}_failed_pct']:.0f} % of "
              f"calls failed, doubled {figures[f'{key}_doubled']:.0f}, lost {figures[f'{key}_lost']:.0f}", flush=True)
    return figures


def shared_limit_benchmark(url: str, rows: int, rate: float, workers: int = 4,
                           redis_url: str | None = None) -> dict[str, float]:
    from tests.fakes import FakeTelegram

    texts = _queue(url, "telegram", rows, "compartida")
    fake = FakeTelegram().start()
    env = base_env(url, "http://127.0.0.1:9")
    env.update(TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.url,
               TELEGRAM_MESSAGES_PER_SECOND=str(rate), TELEGRAM_PER_CHAT_PER_SECOND="1")
    if redis_url:  # the slots in Redis instead of PostgreSQL (REDIS_URL), under a prefix of this run's own
        env.update(REDIS_URL=redis_url, REDIS_KEY_PREFIX=f"bench-{os.getpid()}")
    procs = [subprocess.Popen([HOTLINE, "worker"], env=env, cwd=ROOT) for _ in range(workers)]
    try:
        _wait_sent(url, rows, procs)
    finally:
        for p in procs:
            stop(p)
        fake.stop()
    ok = sorted(c["monotonic"] for c in fake.calls_of("sendMessage") if c["status"] == 200)
    received = Counter(c["text"] for c in fake.calls_of("sendMessage") if c["status"] == 200)
    engine = create_engine(url)
    with engine.connect() as conn:
        senders = conn.execute(text("SELECT count(DISTINCT claimed_by) FROM outbound_messages")).scalar_one()
    engine.dispose()
    return {
        "rows": rows, "rate": rate, "workers": workers, "senders": senders,
        "per_second": (len(ok) - 1) / (ok[-1] - ok[0]),
        "max_in_1s": fake.max_calls_within(1.0, "sendMessage"),
        "doubled": sum(1 for n in received.values() if n > 1), "lost": len(set(texts) - set(received)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,16,64", help="concurrent relatives, comma-separated")
    parser.add_argument("--requests", type=int, default=2048, help="webhook requests per level and server")
    parser.add_argument("--roster-rows", type=int, default=5000, help="generated persons besides the demo roster")
    parser.add_argument("--drain-rows", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0, help="TELEGRAM_MESSAGES_PER_SECOND for the drain")
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a relative takes between messages in part 3")
    parser.add_argument("--skip-webhook", action="store_true", help="skip parts 1 to 3")
    parser.add_argument("--skip-drain", action="store_true")
    parser.add_argument("--skip-faults", action="store_true", help="skip part 5")
    parser.add_argument("--skip-shared", action="store_true", help="skip part 6")
    parser.add_argument("--fault-rows", type=int, default=1200)
    parser.add_argument("--fault-rate", type=float, default=40.0, help="TWILIO_MESSAGES_PER_SECOND for part 5")
    parser.add_argument("--shared-rows", type=int, default=1800)
    parser.add_argument("--shared-rate", type=float, default=30.0,
                        help="TELEGRAM_MESSAGES_PER_SECOND shared by four workers in part 6")
    parser.add_argument("--redis", metavar="URL", help="part 6 with the limit shared through Redis (REDIS_URL)")
    parser.add_argument("--serve-floor", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve_floor:
        import uvicorn

        uvicorn.run(floor_app(), host="127.0.0.1", port=args.port, log_level="warning")
        return

    name, url = create_database()
    try:
        print(f"database {name}: migrating, loading the fictional rosters ({args.roster_rows} generated)...",
              flush=True)
        prepare(url, args.roster_rows)
        if not args.skip_webhook:
            print(f"signed SMS webhook, {args.requests} requests per level (hotline serve --no-worker vs floor):",
                  flush=True)
            results = webhook_benchmark(url, [int(x) for x in args.levels.split(",")], args.requests)
            print("\n| relatives at once | hotline req/s | p50 ms | p99 ms | floor req/s | floor p50 ms | "
                  "floor p99 ms | hotline / floor |")
            print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            for c, h, f in results:
                print(f"| {c} | {h['per_second']:.0f} | {h['p50_ms']:.1f} | {h['p99_ms']:.1f} | "
                      f"{f['per_second']:.0f} | {f['p50_ms']:.1f} | {f['p99_ms']:.1f} | "
                      f"{100 * h['per_second'] / f['per_second']:.0f} % |")
            print("\nturns: one hotline worker runs the dialogue turns of those messages...", flush=True)
            t = turns_benchmark(url)
            print(f"{t['turns']:.0f} turns in {t['seconds']:.1f} s: {t['per_second']:.0f} turns/s "
                  f"(failed {t['failed']:.0f})")
            print(f"\nreply at the phone: hotline serve with its workers, {args.think:.1f} s between a "
                  "relative's messages:", flush=True)
            phone = phone_benchmark(url, [16, 64], args.think)
            print("\n| relatives at once | messages | first reply p50 ms | p99 ms | max ms | unanswered |")
            print("| ---: | ---: | ---: | ---: | ---: | ---: |")
            for relatives, p in phone:
                print(f"| {relatives} | {p['messages']:.0f} | {p['p50_ms']:.0f} | {p['p99_ms']:.0f} | "
                      f"{p['max_ms']:.0f} | {p['unanswered']:.0f} |")
        if not args.skip_drain:
            print(f"\ndraining {args.drain_rows} Telegram notifications at {args.rate}/s (one hotline worker)...",
                  flush=True)
            d = drain_benchmark(url, args.drain_rows, args.rate)
            print(f"received {d['received']} ({d['distinct']} distinct, {d['doubled']} doubled) in "
                  f"{d['seconds']:.1f} s: {d['per_second']:.2f}/s ({d['deviation_pct']:+.1f} % of the limit), "
                  f"at most {d['max_in_1s']} in any 1 s")
        if not args.skip_faults:
            print(f"\nreplies with and without 30 % provider faults ({args.fault_rows} each, one hotline worker at "
                  f"{args.fault_rate}/s)...", flush=True)
            f = faults_benchmark(url, args.fault_rows, args.fault_rate)
            print(f"with faults {f['faults_per_second']:.1f} replies/s against {f['clean_per_second']:.1f} without: "
                  f"{100 * f['faults_per_second'] / f['clean_per_second']:.0f} % (target >= 50 %)")
        if not args.skip_shared:
            print(f"\nfour hotline workers sharing TELEGRAM_MESSAGES_PER_SECOND={args.shared_rate} "
                  f"({args.shared_rows} notifications, slots in {'Redis' if args.redis else 'PostgreSQL'})...",
                  flush=True)
            sh = shared_limit_benchmark(url, args.shared_rows, args.shared_rate, redis_url=args.redis)
            print(f"{sh['senders']} workers sent; {sh['per_second']:.2f}/s overall, at most {sh['max_in_1s']} in any "
                  f"1 s (limit {args.shared_rate:.0f}, target <= {args.shared_rate * 1.1:.0f}); doubled "
                  f"{sh['doubled']}, lost {sh['lost']}")
    finally:
        drop_database(name)


if __name__ == "__main__":
    main()
