"""Benchmark of ``hotline roster import``: rows per second, the ratio to a bare COPY of the same file
measured in the same run, the re-import of the unchanged file, and peak memory; SQLite and PostgreSQL.

All data is generated and FICTIONAL. Usage (from the repository root):

    .venv/bin/python scripts/bench_import.py --reimport                  # 200,000 rows, both databases
    .venv/bin/python scripts/bench_import.py --rows 1000000 --reimport   # the million-row figures
    .venv/bin/python scripts/bench_import.py --rows 50000 --backends sqlite --reimport

Each import runs in a child process so that its peak RSS is its own (``os.wait4``: the rusage of that
child alone). SQLite gets a temporary file; PostgreSQL a temporary database on 127.0.0.1 (user
postgres), created and dropped here. On PostgreSQL the same CSV is first loaded with a bare ``COPY``
(client-side, like psql's ``\\copy``) into a plain table of text columns, three times, and the median
is the yardstick the import is compared with. The machine's load average is printed next to every
figure. The figures go in docs/benchmarks.md ("Import").
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

GIVEN = ["José", "Juan", "Luis", "Carlos", "Jesús", "Francisco", "Ignacio", "Eduardo", "Guillermo", "Mario",
         "Pedro", "Miguel", "Óscar", "Ángel", "Julio", "Raúl", "Andrés", "Héctor", "Rubén", "Tomás"]
SURNAMES = ["Hernández", "García", "López", "Martínez", "Pérez", "Gómez", "Velázquez", "Yáñez", "Ramírez",
            "Morales", "Castillo", "Orellana", "Cabrera", "de la Cruz", "del Valle", "Sánchez", "Moreno",
            "Ixcoy", "Tzul", "Quiñónez"]
COUNTRIES = ["GT", "GT", "GT", "HN", "SV", "VE", "CO", "EC"]
HOSPITALS = ["Hospital General de Ciudad Juárez (ficticio)", "Hospital General de Zona No. 6 (ficticio)"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """A FICTIONAL roster of ``rows`` lines: every column used, every status."""
    rng = random.Random(seed)
    start = date(1960, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["external_id", "given_names", "surnames", "nationality", "birth_date", "age", "status",
                      "location", "source", "verified_at", "restricted"])
        for i in range(rows):
            given = rng.choice(GIVEN) + (f" {rng.choice(GIVEN)}" if rng.random() < 0.4 else "")
            surnames = f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
            born = start + timedelta(days=rng.randrange(16000))
            with_date = rng.random() < 0.85
            roll = rng.random()
            if roll < 0.6:
                status, location, source = "", "", ""
            elif roll < 0.85:
                status, location = "hospitalizado", rng.choice(HOSPITALS)
                source = "Lista de ingresos (FICTICIA) 28/03 14:00"
            else:
                status, location = rng.choice(["a salvo", "trasladado", "liberado", "retornado", "fallecido"]), ""
                source = "Lista oficial (FICTICIA) 29/03"
            out.writerow([
                f"B{i:08d}", given, surnames, rng.choice(COUNTRIES),
                born.strftime("%d/%m/%Y") if with_date else "",
                "" if with_date else str(rng.randrange(18, 70)),
                status, location, source,
                "2023-03-28T14:00:00-06:00" if source else "",
                "1" if rng.random() < 0.001 else "",
            ])


def _backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a local PostgreSQL backend, from /proc (None-safe: 0 when
    the server is not on this machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(url: str, csv_path: str, incident: str) -> None:
    """One import in this process; prints one JSON line of figures (the parent measures its RSS)."""
    from sqlalchemy import event
    from sqlalchemy.orm import sessionmaker

    from bot.roster.importer import import_roster
    from db.session import make_engine

    engine = make_engine(url)
    backends: list[int] = []
    if engine.dialect.name == "postgresql":
        # The server's own CPU for the import: the backends of this engine's connections (the
        # server runs on this machine; the figure is 0 otherwise).
        event.listen(engine, "connect", lambda dbapi, _record: backends.append(dbapi.info.backend_pid))
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    started = time.perf_counter()
    report = import_roster(factory, csv_path, incident_name=incident)
    seconds = time.perf_counter() - started
    server_cpu = sum(_backend_cpu(pid) for pid in backends)
    engine.dispose()
    if not report.ok:
        print(json.dumps({"error": [str(e) for e in report.errors[:5]]}))
        sys.exit(1)
    print(json.dumps({
        "rows": report.rows, "created": report.created, "updated": report.updated,
        "unchanged": report.unchanged, "seconds": round(seconds, 2),
        "rows_per_second": round(report.rows / seconds), "server_cpu_seconds": round(server_cpu, 1),
    }))


def run_child(url: str, csv_path: Path) -> dict[str, Any]:
    """One import in a child process: its figures, its own peak RSS and CPU time, the load around it."""
    load_before = os.getloadavg()[0]
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", url, "--csv", str(csv_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    stdout, stderr = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    # wait4: the resource usage of this child alone (RUSAGE_CHILDREN would be the largest of all).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"import failed:\n{stdout}\n{stderr}")
    figures: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    figures["peak_rss_mb"] = round(usage.ru_maxrss / 1024)  # kilobytes on Linux
    # The importer's own CPU time, less sensitive than wall time to a busy machine.
    figures["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)
    figures["load"] = f"{load_before:.1f}-{os.getloadavg()[0]:.1f}"
    return figures


def bare_copy(url: str, csv_path: Path) -> tuple[float, float, str]:
    """Median of three bare COPYs of the CSV into a plain table of text columns: what PostgreSQL
    takes to receive and store the file with no work of ours. Returns (seconds, the server's CPU
    seconds, load)."""
    import psycopg

    load_before = os.getloadavg()[0]
    times = []
    cpu = []
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        columns = ", ".join(f"c{i} text" for i in range(11))
        conn.execute(f"CREATE TABLE bench_bare_copy ({columns})")
        conn.commit()
        for _ in range(3):
            cpu_before = _backend_cpu(conn.info.backend_pid)
            started = time.perf_counter()
            with conn.cursor().copy("COPY bench_bare_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, \
                    csv_path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            conn.commit()
            times.append(time.perf_counter() - started)
            cpu.append(_backend_cpu(conn.info.backend_pid) - cpu_before)
            conn.execute("TRUNCATE bench_bare_copy")
            conn.commit()
        conn.execute("DROP TABLE bench_bare_copy")
        conn.commit()
    return sorted(times)[1], sorted(cpu)[1], f"{load_before:.1f}-{os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--reimport", action="store_true", help="also time re-importing the same file")
    parser.add_argument("--revision", default="head",
                        help="migrate the database to this Alembic revision (default head): the import "
                             "on an earlier schema, to compare side by side")
    parser.add_argument("--schema-sql", action="append", default=[], metavar="SQL",
                        help="run this statement after migrating (repeatable): a schema variant to measure, "
                             "e.g. \"DROP INDEX ix_persons_incident_id\"")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.csv, "Benchmark (ficticio)")
        return

    from sqlalchemy import create_engine, text

    from db.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        csv_path = Path(tmp) / "roster.csv"
        t0 = time.perf_counter()
        generate(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 1e6
        print(f"generated {args.rows:,} fictional rows ({size_mb:.0f} MB) in {time.perf_counter() - t0:.0f} s")
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                cleanup = None
            elif backend == "postgresql":
                name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
                admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

                def cleanup(admin=admin, name=name) -> None:  # type: ignore[no-untyped-def]
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    admin.dispose()
            else:
                raise SystemExit(f"unknown backend {backend!r}")
            try:
                upgrade(url, args.revision)
                if args.schema_sql:
                    engine = create_engine(url)
                    with engine.begin() as conn:
                        for statement in args.schema_sql:
                            conn.execute(text(statement))
                    engine.dispose()
                    print(f"{backend}: schema variant: {'; '.join(args.schema_sql)}")
                bare: float | None = None
                if backend == "postgresql":
                    bare, bare_cpu, load = bare_copy(url, csv_path)
                    print(f"{backend}: bare COPY of the same file {bare:.2f} s, server CPU {bare_cpu:.2f} s "
                          f"(median of 3; load {load})")
                first = run_child(url, csv_path)
                ratio = f" = {first['seconds'] / bare:.1f}x the bare COPY" if bare else ""
                server = f", server CPU {first['server_cpu_seconds']} s" if bare else ""
                print(f"{backend}: first import {first['rows']:,} rows in {first['seconds']} s{ratio}, "
                      f"{first['rows_per_second']:,} rows/s, peak RSS {first['peak_rss_mb']} MB, "
                      f"CPU {first['cpu_seconds']} s{server} (load {first['load']})")
                if args.reimport:
                    again = run_child(url, csv_path)
                    print(f"{backend}: re-import ({again['unchanged']:,} unchanged, {again['updated']:,} updated, "
                          f"{again['created']:,} created) in {again['seconds']} s, "
                          f"{again['rows_per_second']:,} rows/s, peak RSS {again['peak_rss_mb']} MB, "
                          f"CPU {again['cpu_seconds']} s (load {again['load']})")
            finally:
                if cleanup is not None:
                    cleanup()


if __name__ == "__main__":
    main()
