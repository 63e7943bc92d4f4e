"""Importing an official list (``hotline roster import``, the console's import page).

The file is read ONCE (bot.roster.parse.iter_file), in batches, inside ONE transaction that is
committed only when every line was good, so a failure at any point leaves the database as it was.
Each batch goes to the database as it is checked: its identities and row hashes into a temporary
table (db.repositories.roster_import), which finds the lines that repeat an earlier identity and
the lines that are new or changed; only those are written. New persons, their first reports, their
name-index rows and their death proposals go in with COPY on PostgreSQL and executemany on SQLite
(db/bulk.py), ids allocated in bulk, each person's keys computed once. A line whose hash is the one
stored with its person (``Person.import_hash``) is unchanged: nothing is written for it. Once a bad
line is found nothing more is written; the rest of the file is still checked so that the report
lists every bad line. Memory holds a batch, whatever the size of the file.

Identity of a row within its incident (docs/roster.md): its ``external_id`` when it has one;
otherwise its accent-folded full name together with its birth date, among the persons that have no
external id. An empty cell never erases what is recorded: a new person gets the default, an existing
one keeps its value. A row whose status, location or source differs from the person's current
report appends a report through ``bot.status_review.record_status`` (``append_report`` with actor
"import", then the subscribed relatives are notified).

A ``deceased`` row never sets a status: like a death reported in the console or the API it becomes
a pending proposal (``bot.status_review``, four eyes) that another person must confirm; a new person
is created without a status until then. The proposer is the person who imported (``principal``:
``user:<id>`` from the console, ``import`` from the command line), so they cannot confirm it
themselves. The report counts the proposals and says so line by line.
"""

from __future__ import annotations

import io
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.matching.name_index import (  # importing it registers the re-indexing events
    bulk_index_keys,
    key_rows_template,
)
from bot.roster.parse import (
    BadLine,
    ProgressCallback,
    RosterRow,
    RowError,
    detect_format,
    duplicate_reason,
    iter_file,
)
from bot.roster.problems import Problem, problem
from bot.roster.problems import ProblemCode as P
from bot.status_refusals import OperatorError, StatusRefusal
from bot.status_review import (
    NEEDS_SECOND_PERSON,
    propose_deaths_of_new_persons,
    propose_status,
    record_status,
)
from common.logging import get_logger
from common.settings import Settings, get_settings
from db.base import utcnow
from db.bulk import IdAllocator, copy_lines, copy_rows, copy_text, is_postgres
from db.models import ImportRun, Person, StatusReport
from db.repositories import audit
from db.repositories import roster_import as repo
from db.repositories.roster_import import ImportStage, Match, StagedLine
from db.repositories.status import NewReport

DEFAULT_INCIDENT_NAME = "Incidente sin nombre"
DEFAULT_ACTOR = "import"
# Lines per batch: a few megabytes of Python objects, and few enough statements per million lines.
BATCH_SIZE = 5000
# Tokens whose name variants this import already wrote; forgotten past this many (memory stays
# bounded: a forgotten token's variants are sent again and ignored as duplicates).
KNOWN_TOKENS_LIMIT = 200_000
_PERSONS = cast(Table, Person.__table__)
_REPORTS = cast(Table, StatusReport.__table__)
_PERSON_COLUMNS = (
    "id", "incident_id", "external_id", "given_names", "surnames", "aliases", "nationality", "birth_date",
    "approx_age", "restricted", "name_key", "given_key", "surname_key", "phonetic_key", "current_status",
    "status_version", "import_hash", "created_at", "updated_at",
)
_REPORT_COLUMNS = (
    "id", "person_id", "version", "status", "location", "source", "verified_by", "verified_at", "created_at",
    "created_by",
)

log = get_logger(__name__)

Source = str | os.PathLike[str] | bytes


class RosterImportError(Exception):
    """A problem with the import as a whole (not a line): unreadable file, bad incident name, a
    database that refused the write. Nothing was written."""


@dataclass
class ImportReport:
    filename: str
    incident_name: str
    dry_run: bool
    format: str | None = None
    incident_created: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    status_reports: int = 0
    proposals: int = 0  # deceased rows held for a second person's confirmation
    errors: list[RowError] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # str() of each: in English
    duration_seconds: float = 0.0
    import_run_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run


def import_roster(
    target: sessionmaker[Session] | Session,
    source: Source,
    *,
    incident_name: str | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    actor: str = DEFAULT_ACTOR,
    filename: str | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
    principal: str | None = None,
) -> ImportReport:
    """Check ``source`` (a path or the file's bytes) and, when every line is good and this is not
    a dry run, write it into the incident (created if missing).

    With a session factory the import owns its transaction: committed only when everything is
    good. With a session the caller owns it: the import only flushes (inside a savepoint that is
    rolled back if any line is bad), and the caller commits.

    ``progress`` is called as ("importing", bytes read, file size) after each batch is written.
    """
    started = time.perf_counter()
    now = now or utcnow()
    open_binary, total_bytes, default_name = _opener(source)
    name = (incident_name or DEFAULT_INCIDENT_NAME).strip()
    if not name or len(name) > 200:
        raise RosterImportError("the incident name must have between 1 and 200 characters")
    report = ImportReport(filename=(filename or default_name)[-300:], incident_name=name, dry_run=dry_run)

    fmt = detect_format(open_binary)
    if fmt is None:
        report.errors.append(RowError(1, None, problem(P.EMPTY_FILE)))
        report.duration_seconds = time.perf_counter() - started
        return report
    report.format = fmt.description
    if fmt.encoding != "utf-8":
        report.warnings.append(problem(P.NOT_UTF8, encoding=fmt.encoding, bom=fmt.bom))
    # A server imports on a worker thread and must let its other threads run now and then (the
    # pauses cost time, milliseconds each on a busy machine); a command-line process imports on its
    # main thread and has only its own writing thread to let through (see _Writer.writing).
    pause = threading.current_thread() is not threading.main_thread()
    writer = _Writer(report, actor=actor, now=now, progress=progress, total_bytes=total_bytes, started=started,
                     settings=settings or get_settings(), principal=principal or actor, pause=pause)
    lines = iter_file(open_binary, fmt, today=now.date(), now=now, warnings=report.warnings,
                      progress=writer.note_bytes, total_bytes=total_bytes, header_names=writer.header_names,
                      pause=True if pause else writer.is_writing)
    try:
        if isinstance(target, Session):
            savepoint = target.begin_nested()
            writer.run(target, lines)
            if report.ok:
                savepoint.commit()
            else:
                savepoint.rollback()
        else:
            with target() as session:
                try:
                    writer.run(session, lines)
                    if report.written:
                        session.commit()
                    else:
                        session.rollback()
                except BaseException:
                    session.rollback()
                    raise
    except DBAPIError as exc:
        reason = f"the database refused the import, nothing was written ({exc.orig!r})"
        raise RosterImportError(reason) from exc
    # Repeated lines are found batch by batch, ambiguous ones while matching: in line order, a
    # line's own faults first.
    report.errors.sort(key=lambda e: e.line)
    report.duration_seconds = time.perf_counter() - started
    if report.written:
        log.info("roster_import", import_run=report.import_run_id, rows=report.rows,
                 created=report.created, updated=report.updated, unchanged=report.unchanged,
                 seconds=round(report.duration_seconds, 2))
    return report


def _opener(source: Source) -> tuple[Callable[[], BinaryIO], int, str]:
    if isinstance(source, bytes):
        data = source
        return (lambda: io.BytesIO(data)), len(data), "upload.csv"
    path = Path(source)
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except OSError as exc:
        raise RosterImportError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not path.is_file():
        raise RosterImportError(f"{path} is not a file")
    return (lambda: path.open("rb")), size, path.name


@dataclass
class _Writer:
    report: ImportReport
    actor: str
    now: datetime
    progress: ProgressCallback | None
    total_bytes: int
    started: float
    settings: Settings
    principal: str
    pause: bool
    header_names: dict[str, str] = field(default_factory=dict)
    # While the writing thread works on a batch, the reading thread pauses every millisecond: the
    # writer waits for the database many times per batch and must get the interpreter lock back at
    # once each time, not after the 5 ms Python lets a busy thread keep it (the re-import of a
    # million lines took 28 s instead of 20 s, most of it the writer waiting for the lock).
    writing: bool = False
    _bytes_read: int = 0
    _known_tokens: set[str] = field(default_factory=set)

    def note_bytes(self, _phase: str, done: int, _total: int) -> None:
        self._bytes_read = done

    def is_writing(self) -> bool:
        return self.writing

    def run(self, session: Session, lines: Iterator[RosterRow | BadLine]) -> None:
        report = self.report
        incident = repo.find_incident(session, report.incident_name)
        incident_id: int | None = incident.id if incident else None
        if incident is None:
            report.incident_created = True
            if not report.dry_run:
                incident_id = repo.add_incident(session, report.incident_name).id
        run: ImportRun | None = None
        if not report.dry_run:
            assert incident_id is not None
            # Written first: on SQLite this takes the database's write lock before any id is
            # allocated (db/bulk.py); the counts are filled in at the end.
            run = repo.start_run(session, incident_id, report.filename, self.actor)
            self._person_ids = IdAllocator(session, _PERSONS)
            self._report_ids = IdAllocator(session, _REPORTS)
        self._incident_id = incident_id
        self._postgres = is_postgres(session)
        # Into an empty incident every good line is new (repeated lines are found in the staging
        # table): no matching at all.
        self._match = incident_id is not None and repo.has_persons(session, incident_id)
        stage = ImportStage(session)
        # The next batches are read and checked on a thread of their own while this one writes:
        # Python reads while the database stores (each has its own core when the machine has two).
        with repo.bulk_load(session), _ReadAhead(lines, self._prepare) as batches:
            for batch in batches:
                self.writing = True
                try:
                    self._batch(session, stage, batch)
                finally:
                    self.writing = False
                if self.progress is not None:
                    self.progress("importing", self._bytes_read, self.total_bytes)
        if self.progress is not None:
            self.progress("importing", self.total_bytes, self.total_bytes)
        stage.drop()
        if report.written and run is not None:
            run.rows = report.rows
            run.created = report.created
            run.updated = report.updated
            run.unchanged = report.unchanged
            run.duration_seconds = round(time.perf_counter() - self.started, 3)
            report.import_run_id = run.id
            # Counts only: the audit trail of an import never copies the list's personal data.
            audit.record(
                session,
                actor=self.actor,
                action="roster_import",
                subject_type="import_run",
                subject_id=run.id,
                details={
                    "incident_id": incident_id,
                    "incident_created": report.incident_created,
                    "filename": report.filename,
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "status_reports": report.status_reports,
                    "proposals": report.proposals,
                },
            )
            session.flush()

    # --- one batch ---------------------------------------------------------------------------------

    def _prepare(self, batch: list[RosterRow | BadLine]) -> _Batch:
        """The pure part of a batch (the reading thread): every line's identity and row hash, and
        each person's keys when every line will be a new person."""
        prepared = _Batch()
        for item in batch:
            if isinstance(item, BadLine):
                prepared.errors.extend(item.errors)
                # A repeated id is worth reporting even on a line that has other faults.
                if item.external_id is not None and item.errors[0].line > 1:
                    line = item.errors[0].line
                    prepared.identities[line] = ("id", item.external_id)
                    prepared.staged.append((line, f"i:{item.external_id}", item.external_id, None, None, None, False))
                continue
            prepared.rows.append(item)
            prepared.identities[item.line] = identity = item.identity
            if identity[0] == "id":
                prepared.staged.append((item.line, f"i:{identity[1]}", item.external_id, None, None, item.row_hash,
                                        _is_death(item)))
            else:
                prepared.staged.append((item.line, f"n:{identity[1]}", None, item.keys["name_key"],
                                        item.birth_date, item.row_hash, _is_death(item)))
            if not self._match and not self.report.dry_run:  # a new person: built here, off the writing thread
                values = self._person_values(item)
                if self._postgres:  # as COPY text, and its index rows too, waiting for the ids
                    prepared.person_lines.append(copy_text(values))
                    prepared.key_templates.append(key_rows_template(item.name))
                else:
                    prepared.person_values.append(values)
        return prepared

    def _batch(self, session: Session, stage: ImportStage, batch: _Batch) -> None:
        report = self.report
        report.errors.extend(batch.errors)
        repeated: set[int] = set()
        for line, first in stage.stage(batch.staged):
            identity = batch.identities[line]
            column = self.header_names.get("external_id", "external_id") if identity[0] == "id" else None
            report.errors.append(RowError(line, column, duplicate_reason(identity, first)))
            repeated.add(line)
        rows = [row for row in batch.rows if row.line not in repeated] if repeated else batch.rows
        report.rows += len(rows)
        if report.errors:
            return  # nothing will be written: the rest of the file is only checked

        creates: list[RosterRow] = rows
        if self._match:
            assert self._incident_id is not None
            matched: dict[int, list[Match]] = {}
            for match in stage.matches(self._incident_id):
                matched.setdefault(match.line, []).append(match)
            creates, changed = [], []
            for row in rows:
                found = matched.get(row.line)
                if found is None:
                    report.unchanged += 1  # the stored hash is this line's: nothing to write
                elif len(found) > 1:
                    report.errors.append(RowError(row.line, None, problem(P.AMBIGUOUS_MATCH)))
                elif (match := found[0]).person_id is None:
                    creates.append(row)
                elif match.same:  # an unchanged death: the report says whether it still waits
                    report.unchanged += 1
                    if match.pending_id is not None:
                        report.warnings.append(problem(
                            P.DEATH_NOT_PROPOSED, line=row.line, refusal=StatusRefusal.ALREADY_PENDING,
                            refusal_params={"pending_id": match.pending_id}))
                else:
                    changed.append((row, match.person_id))
            if changed:
                self._update(session, changed)
        report.created += len(creates)
        report.status_reports += sum(1 for row in creates if _has_report(row))
        if creates and report.written:
            assert self._incident_id is not None
            self._insert(session, creates, batch if creates is batch.rows else None)
        else:  # a dry run still says which deaths would be proposals
            for row in filter(_is_death, creates):
                self._warn_proposal(row, None)

    # --- recorded persons whose line changed ------------------------------------------------------

    def _update(self, session: Session, changed: list[tuple[RosterRow, int]]) -> None:
        persons = {p.id: (p, latest) for p, latest in repo.persons_with_current_reports(session, (i for _, i in changed))}
        hashes_only: list[tuple[int, int]] = []
        for row, person_id in changed:
            person, latest = persons[person_id]
            if self._reconcile(session, row, person, latest):
                person.import_hash = row.row_hash  # with the changes, in the same UPDATE
            elif self.report.written:
                hashes_only.append((person.id, row.row_hash))
        if self.report.written:
            session.flush()
            # The person is as the line says (or the line was held back, see _reconcile): the next
            # import of the same line needs no comparison.
            repo.store_row_hashes(session, hashes_only)

    def _reconcile(self, session: Session, row: RosterRow, person: Person, latest: StatusReport | None) -> bool:
        """Apply the line to a recorded person; whether the person's own row was changed."""
        report = self.report
        changes: dict[str, Any] = {}
        if row.given_names != person.given_names:
            changes["given_names"] = row.given_names
        if row.surnames != person.surnames:
            changes["surnames"] = row.surnames
        for attribute, value in (
            ("nationality", row.nationality),
            ("birth_date", row.birth_date),
            ("approx_age", row.age),
            ("restricted", row.restricted),
        ):
            if value is not None and value != getattr(person, attribute):
                changes[attribute] = value

        new_report: NewReport | None = None
        if row.states_status:
            current = (person.current_status,
                       latest.location if latest else None,
                       latest.source if latest else None)
            stated = (row.effective_status, row.location, row.source)
            if stated != current:
                if row.verified_at and latest and latest.verified_at and row.verified_at < latest.verified_at:
                    # An older list must never roll a person back (deceased -> hospitalized would be
                    # told to a relative); the recorded report is newer, so it stands.
                    report.warnings.append(problem(P.STATUS_KEPT_NEWER, line=row.line,
                                                   recorded=latest.verified_at, listed=row.verified_at))
                else:
                    new_report = NewReport(status=row.effective_status, location=row.location,
                                           source=row.source, verified_at=row.verified_at)

        if not changes and new_report is None:
            report.unchanged += 1
            return False
        report.updated += 1
        if new_report is not None and new_report.status not in NEEDS_SECOND_PERSON:
            report.status_reports += 1
        if new_report is not None and new_report.status in NEEDS_SECOND_PERSON:
            self._propose(session, row, person, new_report)
            new_report = None
        if not report.written or (not changes and new_report is None):
            return False
        if changes:
            for attribute, value in changes.items():
                setattr(person, attribute, value)
            if "given_names" in changes or "surnames" in changes:
                for key, value in row.keys.items():
                    setattr(person, key, value)
            audit.record(session, actor=self.actor, action="person_updated", subject_type="person",
                         subject_id=person.id, details={"fields": sorted(changes)})
        if new_report is not None:
            # The same path as an operator's report: appended (append_report), and every relative
            # following the person hears about it through the disclosure policy.
            record_status(session, person, new_report, self.settings, actor=self.actor)
        return True

    # --- new persons ------------------------------------------------------------------------------

    def _person_values(self, row: RosterRow) -> tuple[Any, ...]:
        """A new person's row, but its id (_PERSON_COLUMNS[1:])."""
        keys = row.keys
        stated = _has_report(row)
        return (self._incident_id, row.external_id, row.given_names, row.surnames, [], row.nationality,
                row.birth_date, row.age, bool(row.restricted), keys["name_key"], keys["given_key"],
                keys["surname_key"], keys["phonetic_key"], row.effective_status if stated else "unconfirmed",
                1 if stated else 0, row.row_hash, self.now, self.now)

    def _insert(self, session: Session, rows: list[RosterRow], prepared: _Batch | None) -> None:
        """Write new persons; ``prepared``: their batch, when the reading thread built their rows."""
        now = self.now
        session.flush()  # ORM rows of this batch first: on SQLite the ids below follow the largest
        person_ids = self._person_ids.take(len(rows))
        if prepared is not None and prepared.person_lines:
            copy_lines(session, _PERSONS, _PERSON_COLUMNS, person_ids, prepared.person_lines)
        else:
            values = prepared.person_values if prepared is not None and prepared.person_values else [
                self._person_values(row) for row in rows]
            copy_rows(session, _PERSONS, _PERSON_COLUMNS,
                      [(person_id, *value) for person_id, value in zip(person_ids, values, strict=True)])
        self._pause()
        # COPY bypasses the ORM events that keep the name index current: index them here, with
        # the keys computed for the persons' rows.
        if len(self._known_tokens) > KNOWN_TOKENS_LIMIT:
            self._known_tokens.clear()
        bulk_index_keys(session, ((pid, row.name) for pid, row in zip(person_ids, rows, strict=True)),
                        known_tokens=self._known_tokens,
                        templates=prepared.key_templates if prepared is not None and prepared.key_templates else None)
        self._pause()
        stated = [(person_id, row) for person_id, row in zip(person_ids, rows, strict=True) if _has_report(row)]
        report_ids = self._report_ids.take(len(stated))
        copy_rows(session, _REPORTS, _REPORT_COLUMNS, [
            (report_id, person_id, 1, row.effective_status, row.location, row.source, None,
             row.verified_at or (now if row.source else None), now, self.actor)
            for report_id, (person_id, row) in zip(report_ids, stated, strict=True)
        ])
        deaths = [(person_id, row) for person_id, row in zip(person_ids, rows, strict=True) if _is_death(row)]
        proposal_ids = propose_deaths_of_new_persons(
            session, [(person_id, _death(row)) for person_id, row in deaths], actor=self.actor,
            principal=self.principal, now=now)
        for (_, row), proposal_id in zip(deaths, proposal_ids, strict=True):
            self._warn_proposal(row, proposal_id)
        self._pause()

    def _pause(self) -> None:
        """Let the process's other threads (a server's) take the interpreter lock between two large
        pieces of Python work (bot.roster.parse.iter_file pauses likewise while reading)."""
        if self.pause:
            time.sleep(0)

    # --- deaths: proposals, never a status ---------------------------------------------------------

    def _propose(self, session: Session, row: RosterRow, person: Person, new_report: NewReport) -> None:
        """Hold a ``deceased`` row for a recorded person as a proposal for a second person."""
        if not self.report.written:
            self._warn_proposal(row, None)
            return
        try:
            with session.begin_nested():
                pending = propose_status(session, person, new_report, self.settings, actor=self.actor,
                                         principal=self.principal)
        except OperatorError as exc:
            self.report.warnings.append(problem(P.DEATH_NOT_PROPOSED, line=row.line, refusal=exc.code,
                                                refusal_params=dict(exc.params)))
            return
        self._warn_proposal(row, pending.id)

    def _warn_proposal(self, row: RosterRow, proposal_id: int | None) -> None:
        report = self.report
        report.proposals += 1
        report.warnings.append(problem(P.DEATH_IS_PROPOSAL, line=row.line, proposal=proposal_id))


def _is_death(row: RosterRow) -> bool:
    return row.states_status and row.effective_status in NEEDS_SECOND_PERSON


def _death(row: RosterRow) -> NewReport:
    return NewReport(status=row.effective_status, location=row.location, source=row.source,
                     verified_at=row.verified_at)


def _has_report(row: RosterRow) -> bool:
    """A new person's first report is written at once, except a death (a proposal)."""
    return row.states_status and not _is_death(row)


@dataclass
class _Batch:
    """A batch of lines, prepared for the database by the reading thread."""

    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    staged: list[StagedLine] = field(default_factory=list)
    identities: dict[int, tuple[str, str]] = field(default_factory=dict)
    # When every line is a new person: its row (SQLite), or its row and index rows as COPY text
    # without the id (PostgreSQL), built by the reading thread.
    person_values: list[tuple[Any, ...]] = field(default_factory=list)
    person_lines: list[str] = field(default_factory=list)
    key_templates: list[str | None] = field(default_factory=list)


_END = object()


class _ReadAhead:
    """Batches of ``lines``, each passed through ``prepare``, read on a thread of their own at most
    two batches ahead of the caller (memory stays bounded). A failure of the reading thread is
    raised in the caller; when the caller leaves the ``with`` block, early or not, the reading
    thread stops and the file is closed."""

    AHEAD = 2

    def __init__(self, lines: Iterator[RosterRow | BadLine], prepare: Callable[[list[RosterRow | BadLine]], _Batch],
                 size: int = BATCH_SIZE) -> None:
        self._lines = lines
        self._prepare = prepare
        self._size = size
        self._queue: queue.Queue[object] = queue.Queue(maxsize=self.AHEAD)
        self._stop = threading.Event()

    def _read(self) -> None:
        try:
            while batch := list(islice(self._lines, self._size)):
                if not self._put(self._prepare(batch)):
                    return
            self._put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who raises it
            self._put(exc)
        finally:
            close = getattr(self._lines, "close", None)
            if close is not None:
                close()  # the file, at once

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __enter__(self) -> Iterator[_Batch]:
        self._reader = threading.Thread(target=self._read, name="roster-reader", daemon=True)
        self._reader.start()
        return self._batches()

    def _batches(self) -> Iterator[_Batch]:
        while (item := self._queue.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield cast(_Batch, item)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._reader.join()
