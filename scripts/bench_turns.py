"""Benchmark of the dialogue turns: one ``hotline worker`` against a floor measured in the same run,
two workers against one, and a surge of relatives answered by ``hotline serve`` plus one worker.

All people, numbers and texts are FICTIONAL. Usage (from the repository root; PostgreSQL on
127.0.0.1, user postgres, as for the tests):

    .venv/bin/python scripts/bench_turns.py                       # everything, as in docs/benchmarks.md
    .venv/bin/python scripts/bench_turns.py --relatives 500 --skip-surge   # quicker

A temporary PostgreSQL database (created here, migrated, dropped at the end) holds the fictional
demo roster, ``--roster-rows`` generated persons and the person the relatives ask about (the
channel benchmark's set-up, scripts/bench_channels.py). Each relative has the four-message
conversation of that benchmark (greeting, name, birth date — a roster search and a disclosure —,
"sí"); the surge adds "gracias".

1. Floor. What a turn cannot do without, in plain SQLAlchemy against the same database: read the
   conversation and the person, insert one reply row, commit; as many threads as one worker has
   turn lanes, one turn per message of the backlog below.
2. One worker. The backlog (``--relatives`` x 4 messages, recorded as the webhook records them, in
   one transaction) is run by one ``hotline worker`` process. Turns per second = backlog / time
   from the commit of the backlog to the last message answered (the worker is started and
   listening before). Like the floor, the turns alone: the SMS channel is off in the worker, its
   replies stay queued. Target: at least half the floor's turns per second. Then once more with
   the worker's outbox sending every reply to a fake Twilio (as in production the same process
   does), for comparison.
3. Two workers. The same with a fresh backlog and two ``hotline worker`` processes. Target: at
   least 1.6 times one worker.
4. Surge. ``hotline serve`` (with its in-process workers) plus one ``hotline worker``; ``--surge``
   relatives each send ``--surge-messages`` messages through the signed SMS webhook at once, one
   after the other without waiting for replies. Per message, the wait from sending it to the
   first reply to it arriving at the fake Twilio. Target: p99 <= 10 s.

The machine's load average is printed with every figure (docs/benchmarks.md keeps it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import aiohttp  # noqa: E402
import bench_channels as channels  # noqa: E402  (set-up, signing, fake Twilio with arrival times)
from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

SURGE_CONVERSATION = [*channels.CONVERSATION, "gracias"]


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


# --- the backlog ---------------------------------------------------------------------------------


def address(series: int, k: int) -> str:
    return f"+502{series * 1_000_000 + k:08d}"


def record_backlog(url: str, series: int, relatives: int) -> int:
    """``relatives`` x CONVERSATION pending, recorded with the webhook's own statement, message by
    message as many relatives would send them (every first message, then every second...), in one
    transaction: the workers see the whole backlog at once."""
    from db.repositories import conversations as conv_repo

    engine = create_engine(url)
    try:
        with Session(engine) as s, s.begin():
            for turn, body in enumerate(channels.CONVERSATION):
                for k in range(relatives):
                    conv_repo.record_inbound(s, "sms", address(series, k), f"SM{series}x{k}x{turn}", body, None)
    finally:
        engine.dispose()
    return relatives * len(channels.CONVERSATION)


def pending(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM inbound_messages WHERE state = 'pending'")).scalar_one())


def failed(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM inbound_messages WHERE state = 'failed'")).scalar_one())


# --- 1. the floor --------------------------------------------------------------------------------


def _floor_process(url: str, series: int, relatives: int, threads: int, person_id: int, process: int,
                   processes: int, start: Any, times: Any) -> None:
    """One floor process: ``threads`` lanes taking every ``threads * processes``-th message."""
    from db.base import utcnow
    from db.models import Conversation, OutboundMessage, Person

    engine = create_engine(url, pool_size=threads)
    turns = relatives * len(channels.CONVERSATION)
    stride = threads * processes

    errors: list[str] = []

    def lane(first: int) -> None:
        try:
            run(first)
        except Exception as exc:  # counted and reported: a floor with failed turns is no floor
            errors.append(type(exc).__name__)

    def run(first: int) -> None:
        for i in range(first, turns, stride):
            recipient = address(series, i % relatives)
            with Session(engine) as s, s.begin():
                conversation = s.scalars(select(Conversation).where(Conversation.channel == "sms",
                                                                    Conversation.address == recipient)).one()
                person = s.get(Person, person_id)
                assert person is not None
                s.add(OutboundMessage(conversation_id=conversation.id, channel="sms", recipient=recipient,
                                      text=f"Respuesta de prueba sobre {person.id} (ficticia)", kind="reply",
                                      priority=0, status="cancelled", next_attempt_at=utcnow()))

    start.wait()  # every process ready: none runs alone at the start
    started = time.monotonic()  # system-wide on Linux: comparable between the processes
    workers = [threading.Thread(target=lane, args=(process * threads + k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    times.put((started, time.monotonic(), errors))
    engine.dispose()


def floor(url: str, series: int, relatives: int, threads: int, processes: int = 1) -> dict[str, float]:
    """Per message of a backlog like the workers': read the conversation and the person, insert one
    reply row, commit (plain SQLAlchemy ORM, a plain engine), in ``processes`` processes of
    ``threads`` threads each (the workers' shape). The time runs from the first process's start to
    the last one's end."""
    import multiprocessing

    engine = create_engine(url)
    with engine.begin() as conn:  # the conversations the turns would have made
        conn.execute(text("INSERT INTO conversations (channel, address, state, opted_out, created_at, updated_at) "
                          "SELECT 'sms', a, '{}', false, now(), now() FROM unnest(CAST(:a AS text[])) AS a"),
                     {"a": [address(series, k) for k in range(relatives)]})
        person_id = conn.execute(text("SELECT max(id) FROM persons")).scalar_one()
    engine.dispose()
    turns = relatives * len(channels.CONVERSATION)
    context = multiprocessing.get_context("fork")
    times = context.Queue()
    start = context.Barrier(processes)
    procs = [context.Process(target=_floor_process,
                             args=(url, series, relatives, threads, person_id, k, processes, start, times))
             for k in range(processes)]
    for p in procs:
        p.start()
    spans = [times.get(timeout=900) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit("a floor process failed")
    if errors := [e for _, _, errs in spans for e in errs]:
        raise SystemExit(f"the floor's turns failed: {errors[:5]}")
    seconds = max(end for _, end, _ in spans) - min(began for began, _, _ in spans)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM outbound_messages WHERE status = 'cancelled' AND text LIKE 'Respuesta de prueba%'"))
    engine.dispose()
    return {"processes": processes, "turns": turns, "seconds": seconds, "per_second": turns / seconds}


# --- 2, 3. workers on a backlog -------------------------------------------------------------------


def listening(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hotline-listener' "
                                     "AND datname = current_database()")).scalar_one())


def wait_listening(engine, n: int, procs: list[subprocess.Popen[bytes]], timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while listening(engine) < n:
        if any(p.poll() is not None for p in procs):
            raise SystemExit("a worker exited at start")
        if time.monotonic() > deadline:
            raise SystemExit("the workers did not start listening")
        time.sleep(0.2)
    time.sleep(1.0)  # past the wake-up each listener gives itself on connecting


def workers_run(url: str, series: int, relatives: int, processes: int, *, send: bool) -> dict[str, float]:
    """``send``: the workers' outbox also sends every reply (to the fake Twilio); otherwise the SMS
    channel is off in the workers and the replies stay queued: the turns alone, as the floor."""
    from tests.fakes import FakeTwilio

    engine = create_engine(url)
    fake = FakeTwilio(account_sid=channels.ACCOUNT_SID, auth_token=channels.AUTH_TOKEN,
                      phone_number=channels.PHONE).start()
    env = channels.fake_twilio_env(url, "http://127.0.0.1:9", fake)
    if not send:
        env = {k: v for k, v in env.items() if not k.startswith("TWILIO_")}
    procs = [subprocess.Popen([channels.HOTLINE, "worker"], env=env, cwd=ROOT) for _ in range(processes)]
    try:
        wait_listening(engine, processes, procs)
        turns = record_backlog(url, series, relatives)
        started = time.perf_counter()  # from the backlog's commit: recording it is the webhooks' work
        while (left := pending(engine)) > 0:
            if any(p.poll() is not None for p in procs):
                raise SystemExit(f"a worker exited with {left} turns pending")
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        for p in procs:
            channels.stop(p)
        fake.stop()
    figures = {"processes": processes, "turns": turns, "seconds": seconds, "per_second": turns / seconds,
               "failed": failed(engine)}
    with engine.begin() as conn:  # replies left unsent: a later run (the surge) must not send them first
        conn.execute(text("UPDATE outbound_messages SET status = 'cancelled' WHERE status IN ('queued', 'sending')"))
    engine.dispose()
    return figures


# --- 4. the surge --------------------------------------------------------------------------------


async def send_surge(base: str, relatives: int, messages: list[str], series: int) -> dict[str, list[float]]:
    """Every relative sends its messages one after the other (each as soon as the previous was
    recorded), all relatives at once; returns each relative's send times."""
    sent: dict[str, list[float]] = {}
    # A connection per relative, as Twilio would call the webhook for each of them: a send time
    # never includes waiting for a free connection in this client.
    connector = aiohttp.TCPConnector(limit=relatives)
    async with aiohttp.ClientSession(base, connector=connector) as client:
        async def relative(k: int) -> None:
            sender = address(series, k)
            times = sent.setdefault(sender, [])
            for body in messages:
                headers, form = channels.signed(base, channels.SMS_PATH, sender, body, f"SM{uuid.uuid4().hex}")
                times.append(time.monotonic())
                async with client.post(channels.SMS_PATH, data=form, headers=headers) as r:
                    await r.read()
                    if r.status != 200:
                        raise SystemExit(f"webhook answered {r.status}")

        await asyncio.gather(*(relative(k) for k in range(relatives)))
    return sent


def replies_per_message(url: str, messages: list[str]) -> list[int]:
    """How many replies each message of the script gets (the same for every relative: one person,
    one script), from a control relative answered through the synchronous path."""
    from sqlalchemy.orm import sessionmaker

    from bot.conversations import handle_inbound
    from common.settings import Settings
    from db.session import make_engine

    engine = make_engine(url)
    settings = Settings(database_url=url, hotline_public_url="http://127.0.0.1:9")
    counts = []
    factory = sessionmaker(bind=engine)
    for n, body in enumerate(messages):
        with factory() as s, s.begin():
            result = handle_inbound(s, settings, channel="sms", address="+50299999999", provider_id=f"control-{n}",
                                    text=body)
            counts.append(len(result.replies))
    with engine.begin() as conn:  # the control's replies are not to be sent
        conn.execute(text("UPDATE outbound_messages SET status = 'cancelled' WHERE recipient = '+50299999999'"))
    engine.dispose()
    return counts


def surge(url: str, relatives: int, messages: list[str], series: int) -> dict[str, float]:
    counts = replies_per_message(url, messages)
    firsts = [sum(counts[:i]) for i in range(len(messages))]  # index of each message's first reply
    fake = channels.ArrivalsTwilio.make().start()
    port = channels.free_port()
    base = f"http://127.0.0.1:{port}"
    env = channels.fake_twilio_env(url, base, fake)
    server = subprocess.Popen([channels.HOTLINE, "serve", "--port", str(port)], env=env, cwd=ROOT)
    worker = subprocess.Popen([channels.HOTLINE, "worker"], env=env, cwd=ROOT)
    engine = create_engine(url)
    try:
        channels.wait_ready(base, server)
        wait_listening(engine, 2, [server, worker])
        sent = asyncio.run(send_surge(base, relatives, messages, series))
        expected = sum(counts)
        deadline = time.monotonic() + 300
        while any(len(fake.arrivals[a]) < expected for a in sent) and time.monotonic() < deadline:
            if server.poll() is not None or worker.poll() is not None:
                raise SystemExit("the server or the worker exited")
            time.sleep(0.2)
    finally:
        channels.stop(server)
        channels.stop(worker)
        fake.stop()
    waits: list[float] = []
    unanswered = 0
    for sender, times in sent.items():
        arrivals = fake.arrivals[sender]
        for i, at in enumerate(times):
            if firsts[i] < len(arrivals):
                waits.append(arrivals[firsts[i]] - at)
            else:
                unanswered += 1
    waits.sort()
    n = len(waits)
    figures = {"relatives": relatives, "messages": n + unanswered, "unanswered": unanswered,
               "p50_s": waits[n // 2] if n else float("nan"),
               "p99_s": waits[min(n - 1, int(n * 0.99))] if n else float("nan"),
               "max_s": waits[-1] if n else float("nan"), "failed": failed(engine)}
    engine.dispose()
    return figures


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--relatives", type=int, default=1500, help="relatives in each backlog (x 4 messages)")
    parser.add_argument("--roster-rows", type=int, default=5000, help="generated persons besides the demo roster")
    parser.add_argument("--surge", type=int, default=200, help="relatives in the surge")
    parser.add_argument("--surge-messages", type=int, default=5, help="messages each of them sends (at most 5)")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--skip-two", action="store_true", help="skip the two-worker run")
    parser.add_argument("--skip-sending", action="store_true", help="skip the run with the replies sent")
    parser.add_argument("--skip-surge", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    from bot.turns import TurnConfig

    lanes = TurnConfig().concurrency
    name, url = channels.create_database()
    results: dict[str, object] = {}
    try:
        print(f"database {name}: migrating, loading the fictional rosters ({args.roster_rows} generated)...",
              flush=True)
        channels.prepare(url, args.roster_rows)
        backlog = args.relatives * len(channels.CONVERSATION)
        if not args.skip_floor:
            f = results["floor"] = floor(url, 1, args.relatives, lanes) | {"load": os.getloadavg()}
            print(f"floor ({lanes} threads, {backlog} turns): {f['per_second']:.0f} turns/s ({load()})", flush=True)
        one = results["one_worker"] = workers_run(url, 2, args.relatives, 1, send=False) | {"load": os.getloadavg()}
        ratio = f" = {one['per_second'] / f['per_second']:.2f} x the floor" if not args.skip_floor else ""
        print(f"one hotline worker, turns ({backlog}): {one['per_second']:.0f} turns/s{ratio}, failed "
              f"{one['failed']:.0f} ({load()})", flush=True)
        if not args.skip_two and not args.skip_floor:
            # The machine's own scaling, for the two workers below: the floor in two processes.
            f2 = results["floor_two_processes"] = floor(url, 6, args.relatives, lanes, processes=2) \
                | {"load": os.getloadavg()}
            print(f"floor in two processes ({lanes} threads each, {backlog} turns): {f2['per_second']:.0f} turns/s = "
                  f"{f2['per_second'] / f['per_second']:.2f} x one ({load()})", flush=True)
        if not args.skip_two:
            two = results["two_workers"] = workers_run(url, 3, args.relatives, 2, send=False) | {"load": os.getloadavg()}
            print(f"two hotline workers, turns ({backlog}): {two['per_second']:.0f} turns/s = "
                  f"{two['per_second'] / one['per_second']:.2f} x one worker, failed {two['failed']:.0f} ({load()})",
                  flush=True)
        if not args.skip_sending:
            sending = results["one_worker_sending"] = workers_run(url, 5, args.relatives, 1, send=True) \
                | {"load": os.getloadavg()}
            print(f"one hotline worker, turns while its outbox sends every reply to the fake Twilio ({backlog}): "
                  f"{sending['per_second']:.0f} turns/s = {sending['per_second'] / one['per_second']:.2f} x turns "
                  f"alone, failed {sending['failed']:.0f} ({load()})", flush=True)
        if not args.skip_surge:
            script = SURGE_CONVERSATION[: args.surge_messages]
            s = results["surge"] = surge(url, args.surge, script, 4) | {"load": os.getloadavg()}
            print(f"surge, {args.surge} relatives x {len(script)} messages at once (hotline serve + one hotline "
                  f"worker): first reply p50 {s['p50_s']:.1f} s, p99 {s['p99_s']:.1f} s, max {s['max_s']:.1f} s, "
                  f"unanswered {s['unanswered']:.0f}, failed {s['failed']:.0f} ({load()})", flush=True)
    finally:
        channels.drop_database(name)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
