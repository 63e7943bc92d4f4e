"""Name-search benchmark: recall, near-miss safety and latency of ``search_persons``, side by side
with a plain PostgreSQL pg_trgm ``similarity()`` search over the same names.

All records are FICTIONAL: random combinations of common given names and surnames
(bot.matching.name_lists), generated afresh on every run from a fixed seed.

    .venv/bin/python scripts/bench_search.py                       # 20,000 (SQLite, PostgreSQL) and 1,000,000 (PostgreSQL)
    .venv/bin/python scripts/bench_search.py --sizes 20000 --queries 100   # quick

PostgreSQL: a temporary database is created on --pg-admin-url's server and dropped at the end.
Queries carry one kind of error each; the source record must come back within the top k (k = 1 at
20,000 records, 5 at 1,000,000; a record with the very same folded name counts as found). Near-miss
queries (surnames swapped, the other gender's given name, an unseen given name) are names of
nobody on the roster: we report how often their source record is still called ``strong``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, insert, text  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from bot.matching.keys import fold, name_words, person_keys  # noqa: E402
from bot.matching.name_index import bulk_index_names, index_rows  # noqa: E402
from bot.matching.name_lists import FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES, SURNAMES  # noqa: E402
from bot.matching.nicknames import NICKNAMES  # noqa: E402
from bot.matching.phonetic import phonetic  # noqa: E402
from bot.matching.score import KNOWN_NAMES, gender_swap  # noqa: E402
from bot.matching.search import search_persons  # noqa: E402
from db.base import Base  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Incident, Person  # noqa: E402

POSITIVE_KINDS = ("accents", "surnames_first", "spelling", "typo", "particle_dropped", "nickname",
                  "second_given_dropped")
NEAR_MISS_KINDS = ("surnames_swapped", "other_gender", "unseen_given_name")
SPEC_NICKNAMES = ("chuy", "pepe", "lupe", "memo", "paco", "nacho", "lalo")


# --- fictional roster ---------------------------------------------------------------------------

def _held_out(names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(names used on the roster, names never used: the "unseen" near misses)."""
    used, unseen = [], []
    for i, name in enumerate(names):
        (unseen if i >= 10 and i % 7 == 3 else used).append(name)
    return used, unseen


MALE, MALE_UNSEEN = _held_out(MALE_GIVEN_NAMES)
FEMALE, FEMALE_UNSEEN = _held_out(FEMALE_GIVEN_NAMES)
PARTICLE_SURNAMES = ("de la Cruz", "del Río", "de León", "de la Rosa", "de los Santos", "de Jesús")
PARTICLE_GIVEN = ("María de la Luz", "María del Carmen", "María de los Ángeles", "María de Jesús",
                  "José de Jesús", "Juan de Dios")


def _weights(n: int, offset: float) -> list[float]:
    # Zipf-like: the first names of each list are much more common, as in real rosters.
    return [1.0 / (rank + offset) for rank in range(1, n + 1)]


@dataclass(frozen=True)
class Record:
    id: int
    given: str
    surnames: str
    male: bool


class RosterGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        # Cumulative weights, computed once: random.choices would otherwise redo it on every draw.
        self.mw, self.fw = list(accumulate(_weights(len(MALE), 5))), list(accumulate(_weights(len(FEMALE), 5)))
        self.sw = list(accumulate(_weights(len(SURNAMES), 8)))

    def _given(self, male: bool) -> str:
        r = self.rng
        if r.random() < 0.04:
            choices = [g for g in PARTICLE_GIVEN if g.startswith("J") == male]
            return r.choice(choices)
        names, weights = (MALE, self.mw) if male else (FEMALE, self.fw)
        first = r.choices(names, cum_weights=weights)[0]
        if r.random() < 0.5:
            second = r.choices(names, cum_weights=weights)[0]
            if second != first:
                return f"{first} {second}"
        return first

    def _surname(self) -> str:
        if self.rng.random() < 0.03:
            return self.rng.choice(PARTICLE_SURNAMES)
        return self.rng.choices(SURNAMES, cum_weights=self.sw)[0]

    def records(self, n: int) -> Iterator[Record]:
        for i in range(1, n + 1):
            male = self.rng.random() < 0.7
            surnames = self._surname() if self.rng.random() < 0.05 else f"{self._surname()} {self._surname()}"
            yield Record(i, self._given(male), surnames, male)


# --- queries ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    source: Record


def _maybe_fold(rng: random.Random, text: str) -> str:
    return fold(text) if rng.random() < 0.5 else text


_SPELLING_RULES: tuple[tuple[str, str], ...] = (
    ("v", "b"), ("b", "v"), ("z", "s"), ("ce", "se"), ("ci", "si"), ("ll", "y"), ("ge", "je"),
    ("gi", "ji"), ("je", "ge"), ("ji", "gi"), ("ya", "lla"), ("yo", "llo"),
)


def _spelling_variant(rng: random.Random, word: str) -> str | None:
    w = fold(word)
    options = []
    for old, new in _SPELLING_RULES:
        start = w.find(old)
        while start >= 0:
            options.append(w[:start] + new + w[start + len(old):])
            start = w.find(old, start + 1)
    if w.startswith("h"):
        options.append(w[1:])
    elif w[0] in "aeiou":
        options.append("h" + w)
    if w.endswith("s"):
        options.append(w[:-1] + "z")
    options = [o for o in options if o != w and phonetic(o) == phonetic(w)]
    return rng.choice(options) if options else None


def _typo(rng: random.Random, word: str) -> str | None:
    w = fold(word)
    if len(w) < 4:
        return None
    letters = "abcdefghijklmnopqrstuvwxyz"
    for _ in range(10):
        i = rng.randrange(1, len(w))  # relatives rarely get the first letter wrong
        kind = rng.choice(("insert", "delete", "substitute", "transpose"))
        if kind == "insert":
            out = w[:i] + rng.choice(letters) + w[i:]
        elif kind == "delete":
            out = w[:i] + w[i + 1:]
        elif kind == "substitute":
            out = w[:i] + rng.choice(letters) + w[i + 1:]
        else:
            out = w[: i - 1] + w[i] + w[i - 1] + w[i + 1:] if i < len(w) else w
        # A "typo" that spells another real name, or the other gender, is a different name: skip.
        if out != w and out not in KNOWN_NAMES and not gender_swap(out, w):
            return out
    return None


_NICK_OF = {given: nick for nick in SPEC_NICKNAMES for given in NICKNAMES[nick]}
_GENDER_OF = {
    fold(a): b for a in MALE_GIVEN_NAMES + FEMALE_GIVEN_NAMES for b in MALE_GIVEN_NAMES + FEMALE_GIVEN_NAMES
    if gender_swap(fold(a), fold(b))
}


def _nearest_unseen(rng: random.Random, name: str, male: bool) -> str:
    from rapidfuzz.distance import Levenshtein

    pool = MALE_UNSEEN if male else FEMALE_UNSEEN
    best = min(Levenshtein.distance(fold(name), fold(u)) for u in pool)
    return rng.choice([u for u in pool if Levenshtein.distance(fold(name), fold(u)) == best])


def make_query(kind: str, rec: Record, rng: random.Random) -> str | None:
    given, surnames = rec.given.split(), rec.surnames.split()
    no_particles = [w for w in given if w.lower() not in ("de", "del", "la", "los")]
    if kind == "accents":
        full = f"{rec.given} {rec.surnames}"
        return fold(full) if fold(full) != full.lower() else None
    if kind == "surnames_first":
        return fold(f"{rec.surnames} {rec.given}").upper()
    if kind in ("spelling", "typo"):
        words = given + surnames
        candidates = [i for i, w in enumerate(words) if w.lower() not in ("de", "del", "la", "los")]
        i = rng.choice(candidates)
        new = (_spelling_variant if kind == "spelling" else _typo)(rng, words[i])
        if new is None:
            return None
        words = [fold(w) for w in words]
        words[i] = new
        return " ".join(words)
    if kind == "particle_dropped":
        full = f"{rec.given} {rec.surnames}".split()
        kept = [w for w in full if w.lower() not in ("de", "del", "la", "los")]
        return _maybe_fold(rng, " ".join(kept)) if len(kept) < len(full) else None
    if kind == "nickname":
        nick = _NICK_OF.get(fold(given[0]))
        if nick is None or len(no_particles) != len(given):
            return None
        return _maybe_fold(rng, " ".join([nick.capitalize(), *given[1:], *surnames]))
    if kind == "second_given_dropped":
        if len(given) != 2:
            return None
        return _maybe_fold(rng, f"{given[0]} {rec.surnames}")
    if kind == "surnames_swapped":
        # Two one-word surnames ("de León" alone is one surname, not two to swap).
        if len(surnames) != 2 or fold(surnames[0]) == fold(surnames[1]):
            return None
        if any(w.lower() in ("de", "del", "la", "los") for w in surnames):
            return None
        return _maybe_fold(rng, f"{rec.given} {surnames[1]} {surnames[0]}")
    if kind == "other_gender":
        other = _GENDER_OF.get(fold(given[0]))
        if other is None:
            return None
        return _maybe_fold(rng, " ".join([other, *given[1:], *surnames]))
    if kind == "unseen_given_name":
        return _maybe_fold(rng, " ".join([_nearest_unseen(rng, given[0], rec.male), *given[1:], *surnames]))
    raise ValueError(kind)


def make_queries(records: list[Record], per_kind: int, seed: int) -> list[Query]:
    rng = random.Random(seed + 1)
    names_on_roster = {fold(f"{r.given} {r.surnames}") for r in records}
    queries = []
    for kind in POSITIVE_KINDS + NEAR_MISS_KINDS:
        made, tries = 0, 0
        while made < per_kind and tries < per_kind * 400:
            tries += 1
            rec = rng.choice(records)
            q = make_query(kind, rec, rng)
            if q is None:
                continue
            # A near miss must be nobody's name: else "strong" would be right.
            if kind in NEAR_MISS_KINDS and fold(q) in names_on_roster:
                continue
            queries.append(Query(kind, q, rec))
            made += 1
    return queries


# --- loading ------------------------------------------------------------------------------------

def _person_row(rec: Record, incident_id: int, now: str) -> tuple[object, ...]:
    keys = person_keys(rec.given, rec.surnames)
    return (rec.id, incident_id, rec.given, rec.surnames, "[]", False, keys["name_key"], keys["given_key"],
            keys["surname_key"], keys["phonetic_key"], "unconfirmed", 0, now, now)


_PERSON_COLUMNS = ("id, incident_id, given_names, surnames, aliases, restricted, name_key, given_key, "
                   "surname_key, phonetic_key, current_status, status_version, created_at, updated_at")


def load_postgres(engine: Engine, records: list[Record]) -> float:
    """COPY the roster and its name index; secondary indexes are built after the data."""
    started = time.perf_counter()
    now = datetime.now(UTC).isoformat()
    tables = [Base.metadata.tables["persons"], Base.metadata.tables["person_name_keys"]]
    with engine.begin() as conn:
        new_incident = insert(Incident).values(name="Benchmark (ficticio)").returning(Incident.id)
        incident_id = conn.execute(new_incident).scalar_one()
        for table in tables:
            for index in table.indexes:
                conn.execute(text(f'DROP INDEX IF EXISTS "{index.name}"'))
        conn.execute(text('ALTER TABLE person_name_keys DROP CONSTRAINT pk_person_name_keys'))
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY persons ({_PERSON_COLUMNS}) FROM STDIN") as copy:
            for rec in records:
                copy.write_row(_person_row(rec, incident_id, now))
        variants: set[tuple[str, str]] = set()
        with cur.copy("COPY person_name_keys (person_id, index_key, name_size) FROM STDIN") as copy:
            for rec in records:
                keys, size, person_variants = index_rows(rec.given, rec.surnames)
                variants |= person_variants
                for key in keys:
                    copy.write_row((rec.id, key, size))
        with cur.copy("COPY name_variants (variant, token) FROM STDIN") as copy:
            for row in sorted(variants):
                copy.write_row(row)
        cur.execute("SELECT setval(pg_get_serial_sequence('persons', 'id'), (SELECT max(id) FROM persons))")
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE person_name_keys ADD CONSTRAINT pk_person_name_keys "
                          "PRIMARY KEY (index_key, name_size, person_id)"))
        for table in tables:
            for index in table.indexes:
                index.create(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE persons"))
        conn.execute(text("VACUUM ANALYZE person_name_keys"))
        conn.execute(text("VACUUM ANALYZE name_variants"))
    return time.perf_counter() - started


def load_sqlite(engine: Engine, records: list[Record]) -> float:
    """Insert through SQLAlchemy Core and index with ``bulk_index_names`` (the importer's path)."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        incident = Incident(name="Benchmark (ficticio)")
        session.add(incident)
        session.flush()
        rows = [
            {"id": r.id, "incident_id": incident.id, "given_names": r.given, "surnames": r.surnames, "aliases": [],
             "restricted": False, "current_status": "unconfirmed", "status_version": 0, "created_at": now,
             "updated_at": now, **person_keys(r.given, r.surnames)}
            for r in records
        ]
        for start in range(0, len(rows), 5000):
            session.execute(insert(Person), rows[start:start + 5000])
        bulk_index_names(session, [(r.id, r.given, r.surnames) for r in records])
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


# --- measuring ----------------------------------------------------------------------------------

def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _latency(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(_pct(ms, 50), 2), "p95_ms": round(_pct(ms, 95), 2), "p99_ms": round(_pct(ms, 99), 2),
            "mean_ms": round(statistics.fmean(ms), 2) if ms else float("nan")}


def _found(source: Record, names: list[tuple[int, str]], k: int) -> bool:
    """The source, or a namesake (the same words once particles are dropped: "José de Jesús" is
    "José Jesús"), is in the top k."""
    target = name_words(f"{source.given} {source.surnames}")
    return any(pid == source.id or name_words(name) == target for pid, name in names[:k])


def _contains_in_order(query: str, name_key: str) -> bool:
    """The query's words appear, in order, among the person's: "José Ramírez Reyes" is as much the
    name of José Marcelo Ramírez Reyes (the source) as of José Antonio Ramírez Reyes."""
    words = iter(name_words(name_key))
    return all(w in words for w in name_words(query))


def _tie(query: str, names: list[tuple[int, str]], k: int) -> bool:
    """The top k are all persons whose recorded name contains what was written: the name alone
    cannot tell them from the source (the dialogue then asks for the birth date)."""
    return len(names) >= k and all(_contains_in_order(query, name) for _, name in names[:k])


def _share(values: dict[str, list[bool]]) -> dict[str, float]:
    return {kind: round(sum(v) / len(v), 4) for kind, v in values.items()}


def run_ours(factory: sessionmaker[Session], queries: list[Query], k: int) -> dict[str, object]:
    """Recall per kind: the source is in the top k, or the top k are all persons whose name
    contains what was written (see ``_tie``: twenty "José ... Ramírez Reyes" on a roster of a
    million). ``strict`` counts only the source itself; ``found_as_tie`` is the difference."""
    hits: dict[str, list[bool]] = defaultdict(list)
    strict: dict[str, list[bool]] = defaultdict(list)
    ms: list[float] = []
    cpu_ms: list[float] = []  # this process's CPU only: less sensitive to a busy machine than wall time
    misses: list[str] = []
    for q in queries:
        with factory() as session:
            # Check a connection out of the pool first (with its liveness ping): that is the
            # session's cost, paid once per request whatever it does, not the search's.
            session.connection()
            started, cpu_started = time.perf_counter(), time.process_time()
            found = search_persons(session, q.text, limit=max(k, 5))
            ms.append((time.perf_counter() - started) * 1000)
            cpu_ms.append((time.process_time() - cpu_started) * 1000)
        if q.kind in NEAR_MISS_KINDS:
            wrong = any(c.person.id == q.source.id and c.strong for c in found)
            hits[q.kind].append(wrong)
            if wrong:
                misses.append(f"  near miss called strong [{q.kind}] {q.text!r} <- {q.source.given} / {q.source.surnames}")
            continue
        names = [(c.person.id, c.person.name_key) for c in found]
        exact, tie = _found(q.source, names, k), _tie(q.text, names, k)
        strict[q.kind].append(exact)
        hits[q.kind].append(exact or tie)
        if not (exact or tie):
            misses.append(f"  not found [{q.kind}] {q.text!r} <- {q.source.given} / {q.source.surnames}; got "
                          + "; ".join(f"{c.person.full_name} {c.score}" for c in found[:k]))
    ties = {kind: round(max(0.0, sum(hits[kind]) / len(hits[kind]) - v), 4) for kind, v in _share(strict).items()}
    if misses:
        print("misses (fictional names):", *misses, sep="\n")
    return {"recall_by_kind": {kind: v for kind, v in _share(hits).items() if kind in POSITIVE_KINDS},
            "near_miss_strong": {kind: v for kind, v in _share(hits).items() if kind in NEAR_MISS_KINDS},
            "strict_recall_by_kind": _share(strict), "found_as_tie": ties,
            "latency": _latency(ms), "python_cpu": _latency(cpu_ms), "queries": len(queries)}


def run_trigram(engine: Engine, queries: list[Query], k: int) -> dict[str, object]:
    """The plain PostgreSQL way: pg_trgm over the folded full name."""
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(text("CREATE INDEX IF NOT EXISTS bench_trgm ON persons "
                          "USING gin (name_key gin_trgm_ops)"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE persons"))
    stmt = text("SELECT id, name_key, similarity(name_key, :q) AS sim FROM persons WHERE name_key % :q "
                "ORDER BY sim DESC, id LIMIT 5")
    source_sim = text("SELECT similarity(name_key, :q) FROM persons WHERE id = :id")
    hits: dict[str, list[bool]] = defaultdict(list)
    strict: dict[str, list[bool]] = defaultdict(list)
    top1_source: dict[str, list[bool]] = defaultdict(list)
    ms: list[float] = []
    with engine.connect() as conn:
        for q in queries:
            folded = fold(q.text)
            started = time.perf_counter()
            rows = conn.execute(stmt, {"q": folded}).all()
            ms.append((time.perf_counter() - started) * 1000)
            own = conn.execute(source_sim, {"q": folded, "id": q.source.id}).scalar_one()
            if q.kind in NEAR_MISS_KINDS:
                hits[q.kind].append(own >= 0.5)
                top1_source[q.kind].append(bool(rows) and rows[0][0] == q.source.id)
                continue
            names = [(r[0], r[1]) for r in rows]
            exact, tie = _found(q.source, names, k), _tie(q.text, names, k)
            strict[q.kind].append(exact)
            hits[q.kind].append(exact or tie)
    return {"recall_by_kind": {kind: v for kind, v in _share(hits).items() if kind in POSITIVE_KINDS},
            "near_miss_similarity_ge_0_5": {kind: v for kind, v in _share(hits).items() if kind in NEAR_MISS_KINDS},
            "near_miss_source_top1": _share(top1_source), "strict_recall_by_kind": _share(strict),
            "latency": _latency(ms), "queries": len(queries)}


def run_api(settings_url: str, queries: list[Query], limit: int) -> dict[str, object]:
    """The same searches through GET /api/v1/persons?q= (FastAPI TestClient, in process)."""
    try:
        from fastapi.testclient import TestClient

        from api.app import create_app
        from bot.auth import create_token
        from common.settings import Settings
    except ImportError as exc:  # pragma: no cover - the API is another part of the project
        return {"skipped": str(exc)}
    try:
        app = create_app(Settings(database_url=settings_url, hotline_public_url="http://bench"))
    except Exception as exc:  # the API is built by other parts of the project; report, don't fail
        return {"skipped": f"{type(exc).__name__}: {exc}"}
    with Session(app.state.engine) as session, session.begin():
        _, secret = create_token(session, "bench", "viewer", actor="bench")
    ms: list[float] = []
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {secret}"}
        for q in queries:
            started = time.perf_counter()
            response = client.get("/api/v1/persons", params={"q": q.text, "limit": limit}, headers=headers)
            ms.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                return {"error": f"HTTP {response.status_code}"}
    return {"latency": _latency(ms), "queries": len(queries)}


# --- driver -------------------------------------------------------------------------------------

def _postgres_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    name = f"bench_search_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def bench(backend: str, size: int, args: argparse.Namespace) -> dict[str, object]:
    k = 1 if size <= 100_000 else 5
    print(f"\n== {backend}, {size:,} fictional persons (recall@{k}) ==", flush=True)
    started = time.perf_counter()
    records = list(RosterGenerator(args.seed).records(size))
    queries = make_queries(records, args.queries, args.seed)
    print(f"generated in {time.perf_counter() - started:.1f} s; {len(queries)} queries", flush=True)
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if backend == "postgresql":
        url, drop = _postgres_database(args.pg_admin_url)
    else:
        tmp = tempfile.mkdtemp(prefix="bench_search_")
        url = f"sqlite:///{tmp}/bench.db"
    try:
        upgrade(url)
        engine = create_engine(url)
        load = load_postgres(engine, records) if backend == "postgresql" else load_sqlite(engine, records)
        print(f"loaded in {load:.1f} s", flush=True)
        from db.session import make_engine

        app_engine = make_engine(url)
        factory = sessionmaker(bind=app_engine, expire_on_commit=False)
        search_persons_warmup = queries[: min(20, len(queries))]
        run_ours(factory, search_persons_warmup, k)
        result: dict[str, object] = {"backend": backend, "size": size, "k": k, "load_s": round(load, 1),
                                     "load_average_before": os.getloadavg()}
        result["ours"] = run_ours(factory, queries, k)
        print("ours:", json.dumps(result["ours"]), flush=True)
        result["load_average_after"] = os.getloadavg()
        if backend == "postgresql":
            per_kind: dict[str, int] = defaultdict(int)
            sample = [q for q in queries if (per_kind.__setitem__(q.kind, per_kind[q.kind] + 1)
                                             or per_kind[q.kind] <= args.trgm_queries)]
            if sample:
                result["pg_trgm"] = run_trigram(engine, sample, k)
                print("pg_trgm:", json.dumps(result["pg_trgm"]), flush=True)
            if not args.no_api:
                result["api"] = run_api(url, queries[: args.api_queries], 5)
                print("api:", json.dumps(result["api"]), flush=True)
        print(summary(result), flush=True)
        app_engine.dispose()
        engine.dispose()
        return result
    finally:
        drop()


def summary(result: dict[str, Any]) -> str:
    """The figures that matter, with their ratios and the machine's load."""
    ours = result["ours"]["latency"]
    lines = [f"summary, {result['backend']} {result['size']:,}: search_persons p50 {ours['p50_ms']} ms, p99 "
             f"{ours['p99_ms']} ms (Python CPU p99 {result['ours']['python_cpu']['p99_ms']} ms); lowest recall "
             f"{min(result['ours']['recall_by_kind'].values()):.2f}, near misses called strong "
             f"{max(result['ours']['near_miss_strong'].values()):.2f}"]
    api = result.get("api", {}).get("latency")
    if api:
        lines.append(f"  through the API (audit included): p50 {api['p50_ms']} ms, p99 {api['p99_ms']} ms = "
                     f"{api['p50_ms'] / ours['p50_ms']:.1f} / {api['p99_ms'] / ours['p99_ms']:.1f} x search_persons")
    trgm = result.get("pg_trgm", {}).get("latency")
    if trgm:
        lines.append(f"  pg_trgm: p50 {trgm['p50_ms']} ms, p99 {trgm['p99_ms']} ms = "
                     f"{trgm['p50_ms'] / ours['p50_ms']:.1f} / {trgm['p99_ms'] / ours['p99_ms']:.1f} x ours; "
                     f"lowest recall {min(result['pg_trgm']['recall_by_kind'].values()):.2f}")
    before, after = result["load_average_before"], result["load_average_after"]
    lines.append(f"  load average {before[0]:.1f} before the queries, {after[0]:.1f} after")
    return "\n".join(lines)


def main() -> None:
    # A terminated run still drops its temporary database (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="20000,1000000", help="PostgreSQL roster sizes")
    parser.add_argument("--sqlite-size", type=int, default=20000, help="SQLite roster size (0: skip)")
    parser.add_argument("--queries", type=int, default=300, help="queries per kind")
    parser.add_argument("--trgm-queries", type=int, default=100, help="pg_trgm queries per kind (0: skip)")
    parser.add_argument("--api-queries", type=int, default=300, help="queries sent through the API route")
    parser.add_argument("--no-api", action="store_true")
    parser.add_argument("--seed", type=int, default=20230327)
    parser.add_argument("--pg-admin-url", default=os.environ.get(
        "BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    results = []
    if args.sqlite_size:
        results.append(bench("sqlite", args.sqlite_size, args))
    for size in (int(s) for s in args.sizes.split(",") if s):
        results.append(bench("postgresql", size, args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
