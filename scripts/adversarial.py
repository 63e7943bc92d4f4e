"""Adversarial check of the disclosure policy (SPEC section 5, issue 9): thousands of FICTIONAL
inquiries, written the ways relatives and attackers write, played through the real service against a
FICTIONAL roster, and judged by an oracle written from the SPEC (tests/adversarial/). Prints, by
family: inquiries, those the policy allows, those answered, recall, wrong disclosures, death hints,
deceased-record calls made/due and conversations that got one question three times; then every
failing example grouped by cause.

    .venv/bin/python scripts/adversarial.py                      # SQLite (a temporary file), 3,000 personas
    .venv/bin/python scripts/adversarial.py --postgres           # a temporary PostgreSQL database (TEST_POSTGRES_ADMIN_URL)
    .venv/bin/python scripts/adversarial.py --database-url postgresql+psycopg://user@host/emptydb
    .venv/bin/python scripts/adversarial.py --count 500 --seed 7 --failures 5 --failures-file /tmp/adv.txt

``--database-url`` must name an EMPTY database (the script applies the migrations and refuses one
that already holds persons: other records would change who a name matches). The exit status is 1
when there is any wrong disclosure or death hint. Documented in docs/adversarial.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the harness lives in the tests package

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from common.logging import configure_logging  # noqa: E402
from common.settings import Settings  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Person  # noqa: E402
from db.session import make_engine  # noqa: E402
from tests.adversarial.harness import Harness, today_for  # noqa: E402
from tests.adversarial.inquiries import generate  # noqa: E402
from tests.adversarial.report import failures, figures, format_table  # noqa: E402
from tests.adversarial.roster import generate_roster, import_fictional_roster  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def run(url: str, args: argparse.Namespace) -> int:
    upgrade(url)
    engine = make_engine(url)
    try:
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with factory() as session:
            if session.scalar(select(func.count(Person.id))):
                print("refused: the database already holds persons; give an empty database", file=sys.stderr)
                return 2
        settings = Settings(database_url=url, hotline_public_url="http://adversarial.invalid")
        roster = generate_roster(seed=args.roster_seed, size=args.roster_size)
        ids = import_fictional_roster(factory, roster, settings)
        episodes = generate(roster, seed=args.seed, count=args.count, today=today_for(settings))
        started = time.perf_counter()
        harness = Harness(factory, settings, roster, ids)
        runs = harness.run(episodes)
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    table = figures(runs)
    messages = sum(len(r.transcript) for r in runs)
    backend = url.split(":", 1)[0]
    print(f"adversarial set: {len(runs)} personas, {table['all'].inquiries} inquiries, {messages} messages, "
          f"roster {len(roster)} (seed {args.roster_seed}), inquiries seed {args.seed}, {backend}, {seconds:.0f} s\n")
    print(format_table(table))
    listing = failures(runs, roster, per_cause=args.failures)
    if args.failures_file:
        Path(args.failures_file).write_text(failures(runs, roster, per_cause=10_000), encoding="utf-8")
        print(f"\nevery failing example: {args.failures_file}")
    if args.failures:
        print("\nFailing examples by cause (WRONG and DEATH first, then recall misses):")
        print(listing or "  none")
    return 1 if table["all"].wrong or table["all"].death else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=3000, help="personas (each a fresh contact; ~1.1 inquiries each)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the inquiries")
    parser.add_argument("--roster-seed", type=int, default=9)
    parser.add_argument("--roster-size", type=int, default=240)
    parser.add_argument("--database-url", help="an EMPTY database (default: a temporary SQLite file)")
    parser.add_argument("--postgres", action="store_true", help="create and drop a temporary PostgreSQL database")
    parser.add_argument("--failures", type=int, default=3, help="examples printed per cause (0: none)")
    parser.add_argument("--failures-file", help="write every failing example there")
    args = parser.parse_args()
    configure_logging("WARNING")
    if args.database_url:
        sys.exit(run(args.database_url, args))
    if args.postgres:
        name = f"adversarial_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            sys.exit(run(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", args))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    with tempfile.TemporaryDirectory(prefix="adversarial-") as folder:
        sys.exit(run(f"sqlite:///{folder}/hotline.db", args))


if __name__ == "__main__":
    main()
