"""The roster importer's queries (bot/roster/importer.py): staging a file's lines, finding the
lines that repeat an identity, matching lines to recorded persons, and the stored row hashes.

A file is streamed once, in batches. Each batch's identities and row hashes go into a temporary
table (``COPY`` on PostgreSQL); two statements then do in the database what would otherwise cost
memory in proportion to the file: one adds the identities to the import's table of identities seen
(a primary key: a repeated identity is not added, which is how a duplicate line is found, with the
line it repeats), the other joins the batch with the incident's persons and returns only the lines
that are new or whose row hash differs from the stored one. An unchanged line of a re-import costs
one tuple in a COPY and nothing else.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Table, and_, bindparam, select, text, update
from sqlalchemy.orm import Session

from db.bulk import Db, connection_of, is_postgres
from db.models import ImportRun, Incident, Person, StatusReport

# SQLite's page cache while an import writes (its default is 2 MB): the name index's primary key and
# the persons' indexes then stay in memory; about 40 % less CPU for the index rows. The connection's
# own size comes back afterwards.
SQLITE_IMPORT_CACHE_KIB = 64 * 1024


@contextmanager
def bulk_load(db: Db) -> Iterator[None]:
    """Settings of the connection for the length of an import (back as they were afterwards; after
    a failure the caller rolls the transaction back, which undoes them on PostgreSQL)."""
    conn = connection_of(db)
    if is_postgres(db):
        # No JIT: the statements of an import run a few milliseconds each, hundreds of times, and
        # the matching join is estimated above jit_above_cost, so PostgreSQL would compile it
        # every time (25 ms of a 35 ms batch; a third of a re-import).
        previous = conn.exec_driver_sql("SHOW jit").scalar()
        conn.exec_driver_sql("SET LOCAL jit = off")
        yield
        conn.exec_driver_sql(f"SET LOCAL jit = {'on' if previous == 'on' else 'off'}")
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")


def find_incident(session: Session, name: str) -> Incident | None:
    return session.scalars(select(Incident).where(Incident.name == name)).first()


def add_incident(session: Session, name: str) -> Incident:
    """A new incident, flushed (its id is known)."""
    incident = Incident(name=name)
    session.add(incident)
    session.flush()
    return incident


def start_run(session: Session, incident_id: int, filename: str | None, actor: str) -> ImportRun:
    """The import's run, flushed, its counts filled in at the end. On SQLite this first write takes
    the database's write lock before any id is allocated (db/bulk.py)."""
    run = ImportRun(incident_id=incident_id, filename=filename, rows=0, actor=actor)
    session.add(run)
    session.flush()
    return run


def has_persons(session: Session, incident_id: int) -> bool:
    return session.scalar(select(Person.id).where(Person.incident_id == incident_id).limit(1)) is not None


# One line of the file as the database sees it while importing (a plain tuple: a million of them):
# (line, identity, external_id, name_key, birth_date, row_hash, death). The identity is
# "i:<external_id>" or "n:<name_key>|<birth date>"; name_key and birth_date only for a line without
# external id; row_hash None for a bad line (staged only so that its external id counts as seen);
# death: the line states a death (see ImportStage.matches).
StagedLine = tuple[int, str, str | None, str | None, date | None, int | None, bool]


@dataclass(frozen=True, slots=True)
class Match:
    line: int
    person_id: int | None  # None: no recorded person (a new one)
    same: bool  # the person's stored row hash is the line's
    pending_id: int | None  # a line stating a death: the person's undecided death proposal, if any


class ImportStage:
    """The temporary tables of one import, dropped at its end (and with its transaction)."""

    def __init__(self, db: Db) -> None:
        self._db = db
        self._postgres = is_postgres(db)
        suffix = secrets.token_hex(4)
        self.batch = f"roster_batch_{suffix}"
        self.seen = f"roster_seen_{suffix}"
        conn = connection_of(db)
        if self._postgres:
            # COLLATE "C": identities compare byte by byte (the database's collation would call
            # strcoll for each comparison of a million-entry primary key).
            conn.exec_driver_sql(
                f'CREATE TEMP TABLE {self.batch} (line integer NOT NULL, identity text COLLATE "C" NOT NULL, '
                "external_id text, name_key text, birth_date date, row_hash bigint, death boolean NOT NULL) "
                "ON COMMIT DROP")
            conn.exec_driver_sql(
                f'CREATE TEMP TABLE {self.seen} (identity text COLLATE "C" PRIMARY KEY, line integer NOT NULL) '
                "ON COMMIT DROP")
        else:
            conn.exec_driver_sql(
                f"CREATE TEMP TABLE {self.batch} (line INTEGER NOT NULL, identity TEXT NOT NULL, "
                "external_id TEXT, name_key TEXT, birth_date TEXT, row_hash INTEGER, death INTEGER NOT NULL)")
            conn.exec_driver_sql(
                f"CREATE TEMP TABLE {self.seen} (identity TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")

    def drop(self) -> None:
        conn = connection_of(self._db)
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self.batch}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self.seen}")

    def stage(self, lines: Sequence[StagedLine]) -> list[tuple[int, int]]:
        """Put a batch in the batch table and its identities among those seen; every (line, first
        line) of a line whose identity an earlier line already had (in this batch or before)."""
        conn = connection_of(self._db)
        # TRUNCATE on PostgreSQL: DELETE would leave the dead rows of every earlier batch for each
        # scan to read (nobody vacuums a temporary table). SQLite's DELETE without WHERE empties.
        conn.exec_driver_sql(f"{'TRUNCATE' if self._postgres else 'DELETE FROM'} {self.batch}")
        if not lines:
            return []
        if self._postgres:
            with closing(conn.connection.cursor()) as cursor, cursor.copy(  # type: ignore[attr-defined]
                    f"COPY {self.batch} (line, identity, external_id, name_key, birth_date, row_hash, death) "
                    "FROM STDIN"
            ) as copy:
                for value in lines:
                    copy.write_row(value)
            added = conn.exec_driver_sql(
                f"INSERT INTO {self.seen} (identity, line) SELECT identity, line FROM {self.batch} ORDER BY line "
                "ON CONFLICT (identity) DO NOTHING").rowcount
        else:
            conn.exec_driver_sql(
                f"INSERT INTO {self.batch} (line, identity, external_id, name_key, birth_date, row_hash, death) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(line, i, e, n, b.isoformat() if b else None, h, int(d)) for line, i, e, n, b, h, d in lines])
            added = conn.exec_driver_sql(
                f"INSERT OR IGNORE INTO {self.seen} (identity, line) "
                f"SELECT identity, line FROM {self.batch} ORDER BY line").rowcount
        if added == len(lines):
            return []
        # Rare (a faulty file): which lines repeat which. The first occurrence is the one kept.
        repeated = conn.exec_driver_sql(
            f"SELECT b.line, s.line FROM {self.batch} b JOIN {self.seen} s ON s.identity = b.identity "
            "WHERE s.line <> b.line ORDER BY b.line")
        return [(line, first) for line, first in repeated]

    def matches(self, incident_id: int) -> list[Match]:
        """The staged good lines that are not simply unchanged: matched to nobody (``person_id``
        None), or to a recorded person whose stored row hash differs (or is missing). A line without
        external id may match several persons (one Match each: the caller reports it). The hash is
        compared here, in the database: an unchanged line never comes back, except a line stating a
        death, with the person's undecided proposal (the report says it still waits)."""
        def by_name(p: str) -> str:
            # "+ 0": not through the (incident, external id) index, which would read every person
            # of the incident without an external id for each line of a list without ids; the
            # folded name's index finds the few namesakes.
            return (f"{p}.name_key = b.name_key AND {p}.incident_id + 0 = :incident AND {p}.external_id IS NULL AND "
                    f"({p}.birth_date = b.birth_date OR ({p}.birth_date IS NULL AND b.birth_date IS NULL))")

        by_id = "p.incident_id = :incident AND p.external_id = b.external_id"
        same = "CASE WHEN p.import_hash = b.row_hash THEN 1 ELSE 0 END"
        # coalesce(): through the person's index only. "decision IS NULL" alone lets the planner
        # AND it with the index on decision, every undecided proposal of the database for each line
        # (70 ms a batch at a million lines with 30,000 deaths waiting).
        pending = ("CASE WHEN b.death AND p.id IS NOT NULL THEN (SELECT min(w.id) FROM pending_status_reports w "
                   "WHERE w.person_id = p.id AND coalesce(w.decision, '') = '') END")
        wanted = "p.id IS NULL OR p.import_hash IS NULL OR p.import_hash <> b.row_hash OR b.death"
        # A person matched by name is unchanged only if nobody else shares the name and birth date.
        shared = f"(SELECT count(*) FROM persons q WHERE {by_name('q')}) > 1"
        sql = (
            f"SELECT b.line, p.id, {same}, {pending} FROM {self.batch} b {self._join(by_id)} "
            f"WHERE b.row_hash IS NOT NULL AND b.external_id IS NOT NULL AND ({wanted}) "
            "UNION ALL "
            f"SELECT b.line, p.id, {same}, {pending} FROM {self.batch} b {self._join(by_name('p'))} "
            f"WHERE b.row_hash IS NOT NULL AND b.external_id IS NULL AND ({wanted} OR {shared})"
        )
        rows = connection_of(self._db).execute(text(sql), {"incident": incident_id})
        return [Match(line, person_id, bool(same_), pending_id) for line, person_id, same_, pending_id in rows]

    def _join(self, condition: str) -> str:
        """Each staged line looks its persons up by index. On PostgreSQL the planner knows nothing
        of the temporary table and little of a roster loaded a minute ago, and would hash the whole
        incident for every batch (a fifth of a second per batch at 200,000 persons): the lateral
        subquery, kept apart by OFFSET 0, is one index lookup per line. SQLite always loops, the
        batch outside (a LEFT JOIN)."""
        if self._postgres:
            return (f"LEFT JOIN LATERAL (SELECT p.id, p.import_hash FROM persons p WHERE {condition} OFFSET 0) p "
                    "ON true")
        return f"LEFT JOIN persons p ON {condition}"


def persons_with_current_reports(session: Session, ids: Iterable[int]) -> list[tuple[Person, StatusReport | None]]:
    """These persons, each with its current report (None for a person without one)."""
    persons = list(session.scalars(select(Person).where(Person.id.in_(list(ids)))))
    latest: dict[int, StatusReport] = {}
    with_reports = [p.id for p in persons if p.status_version > 0]
    if with_reports:
        for report in session.scalars(
            select(StatusReport)
            .join(Person, and_(Person.id == StatusReport.person_id, Person.status_version == StatusReport.version))
            .where(Person.id.in_(with_reports))
        ):
            latest[report.person_id] = report
    return [(p, latest.get(p.id)) for p in persons]


def store_row_hashes(db: Db, pairs: Sequence[tuple[int, int]]) -> None:
    """Record (person_id, row hash) for persons the row left as they were: ``updated_at`` stays,
    since nothing about the person changed."""
    if not pairs:
        return
    persons: Table = Person.__table__  # type: ignore[assignment]
    statement = (
        update(persons)
        .where(persons.c.id == bindparam("person_id"))
        .values(import_hash=bindparam("row_hash"), updated_at=persons.c.updated_at)
    )
    connection_of(db).execute(statement, [{"person_id": p, "row_hash": h} for p, h in pairs])
