"""Importing an official list (``hotline roster import``, the console's import page).

Two passes over the file (bot.roster.parse): the first validates every line and stops at the end
with a report of every bad line if there is one; the second writes, in batches, inside ONE
transaction, so that a failure at any point leaves the database as it was. Nothing of the file is
kept in memory beyond a batch and the set of identities used to find duplicates.

Identity of a row within its incident (docs/roster.md): its ``external_id`` when it has one;
otherwise its accent-folded full name together with its birth date, among the persons that have no
external id. An empty cell never erases what is recorded: a new person gets the default, an existing
one keeps its value. A row whose status, location or source differs from the person's current
report appends a report through ``bot.operators.record_status`` (``append_report`` with actor
"import", then the subscribed relatives are notified); a first import writes the persons and their
first reports with bulk inserts.

A ``deceased`` row never sets a status: like a death reported in the console or the API it becomes
a pending proposal (``bot.status_review``, four eyes) that another person must confirm; a new person
is created without a status until then. The proposer is the person who imported (``principal``:
``user:<id>`` from the console, ``import`` from the command line), so they cannot confirm it
themselves. The report counts the proposals and says so line by line.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import Table, and_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.matching.keys import person_keys
from bot.matching.name_index import bulk_index_names  # importing it registers the re-indexing events
from bot.operators import OperatorError, record_status
from bot.roster.bulk import IdAllocator, insert_rows
from bot.roster.parse import ProgressCallback, RosterRow, RowError, read_rows, validate
from bot.status_review import NEEDS_SECOND_PERSON, propose_status
from common.logging import get_logger
from common.settings import Settings, get_settings
from db.base import utcnow
from db.models import AuditEvent, ImportRun, Incident, Person, StatusReport
from db.repositories.status import NewReport

DEFAULT_INCIDENT_NAME = "Incidente sin nombre"
DEFAULT_ACTOR = "import"
BATCH_SIZE = 2000
_PERSONS = cast(Table, Person.__table__)
_REPORTS = cast(Table, StatusReport.__table__)

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
    warnings: list[str] = field(default_factory=list)
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
    """Validate ``source`` (a path or the file's bytes) and, when every line is good and this is not
    a dry run, write it into the incident (created if missing).

    With a session factory the import owns its transaction: committed only when everything is
    good. With a session the caller owns it: the import only flushes (inside a savepoint that is
    rolled back if a line fails at write time), and the caller commits.
    """
    started = time.perf_counter()
    now = now or utcnow()
    open_binary, total_bytes, default_name = _opener(source)
    name = (incident_name or DEFAULT_INCIDENT_NAME).strip()
    if not name or len(name) > 200:
        raise RosterImportError("the incident name must have between 1 and 200 characters")
    report = ImportReport(filename=(filename or default_name)[-300:], incident_name=name, dry_run=dry_run)

    validation = validate(open_binary, today=now.date(), now=now, progress=progress, total_bytes=total_bytes)
    report.format = validation.format.description if validation.format else None
    report.warnings.extend(validation.warnings)
    report.errors.extend(validation.errors)
    report.rows = validation.rows
    if validation.errors or validation.format is None:
        report.duration_seconds = time.perf_counter() - started
        return report

    rows = read_rows(open_binary, validation.format, today=now.date(), now=now)
    writer = _Writer(report, actor=actor, now=now, progress=progress, started=started,
                     settings=settings or get_settings(), principal=principal or actor)
    try:
        if isinstance(target, Session):
            savepoint = target.begin_nested()
            writer.run(target, rows)
            if report.ok:
                savepoint.commit()
            else:
                savepoint.rollback()
        else:
            with target() as session:
                try:
                    writer.run(session, rows)
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


class _Ambiguous:
    """Several persons without external id share this name and birth date."""


_AMBIGUOUS = _Ambiguous()


@dataclass
class _Writer:
    report: ImportReport
    actor: str
    now: datetime
    progress: ProgressCallback | None
    started: float
    settings: Settings
    principal: str

    def run(self, session: Session, rows: Iterable[RosterRow]) -> None:
        report = self.report
        incident = session.scalars(select(Incident).where(Incident.name == report.incident_name)).first()
        incident_id: int | None = incident.id if incident else None
        if incident is None:
            report.incident_created = True
            if not report.dry_run:
                incident = Incident(name=report.incident_name)
                session.add(incident)
                session.flush()
                incident_id = incident.id
        run: ImportRun | None = None
        if report.written:
            assert incident_id is not None
            # Written first: on SQLite this takes the database's write lock before any id is
            # allocated (bot.roster.bulk); the counts are filled in at the end.
            run = ImportRun(incident_id=incident_id, filename=report.filename, rows=report.rows,
                            actor=self.actor)
            session.add(run)
            session.flush()
            self._person_ids = IdAllocator(session, _PERSONS)
            self._report_ids = IdAllocator(session, _REPORTS)
        # A first import into an empty incident needs no lookups at all: every row is new (the
        # first pass already refused duplicates within the file).
        has_persons = incident_id is not None and session.scalar(
            select(Person.id).where(Person.incident_id == incident_id).limit(1)
        ) is not None
        done = 0
        for batch in _batches(rows, BATCH_SIZE):
            existing = self._lookup(session, incident_id, batch) if has_persons else {}
            creates: list[RosterRow] = []
            for row in batch:
                match = existing.get(row.identity)
                if match is None:
                    creates.append(row)
                elif isinstance(match, _Ambiguous):
                    report.errors.append(RowError(row.line, None, "matches several recorded persons with the "
                                                  "same names and birth date; give it an external_id"))
                else:
                    self._reconcile(session, row, *match)
            report.created += len(creates)
            report.status_reports += sum(1 for row in creates if row.states_status and not _is_death(row))
            if creates and report.written:
                assert incident_id is not None
                self._insert(session, incident_id, creates)
            else:  # a dry run still says which deaths would be proposals
                for row in filter(_is_death, creates):
                    self._propose(session, row, None, _death(row))
            done += len(batch)
            if self.progress is not None:
                self.progress("writing", done, report.rows)
        if report.written and run is not None:
            run.created = report.created
            run.updated = report.updated
            run.unchanged = report.unchanged
            run.duration_seconds = round(time.perf_counter() - self.started, 3)
            report.import_run_id = run.id
            # Counts only: the audit trail of an import never copies the list's personal data.
            session.add(AuditEvent(
                actor=self.actor,
                action="roster_import",
                subject_type="import_run",
                subject_id=str(run.id),
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
            ))
            session.flush()

    # --- existing persons -------------------------------------------------------------------------

    def _lookup(
        self, session: Session, incident_id: int | None, batch: list[RosterRow]
    ) -> dict[tuple[str, str], tuple[Person, StatusReport | None] | _Ambiguous]:
        found: dict[tuple[str, str], Person | _Ambiguous] = {}
        ids = [r.external_id for r in batch if r.external_id is not None]
        names = list({r.keys["name_key"] for r in batch if r.external_id is None})
        if ids:
            for person in session.scalars(
                select(Person).where(Person.incident_id == incident_id, Person.external_id.in_(ids))
            ):
                found[("id", person.external_id or "")] = person
        if names:
            for person in session.scalars(
                select(Person).where(
                    Person.incident_id == incident_id,
                    Person.external_id.is_(None),
                    Person.name_key.in_(names),
                )
            ):
                born = person.birth_date.isoformat() if person.birth_date else ""
                key = ("name", f"{person.name_key}|{born}")
                found[key] = _AMBIGUOUS if key in found else person
        persons = [p for p in found.values() if isinstance(p, Person)]
        latest: dict[int, StatusReport] = {}
        with_reports = [p.id for p in persons if p.status_version > 0]
        if with_reports:
            for report in session.scalars(
                select(StatusReport)
                .join(Person, and_(Person.id == StatusReport.person_id,
                                   Person.status_version == StatusReport.version))
                .where(Person.id.in_(with_reports))
            ):
                latest[report.person_id] = report
        return {
            key: value if isinstance(value, _Ambiguous) else (value, latest.get(value.id))
            for key, value in found.items()
        }

    def _reconcile(
        self, session: Session, row: RosterRow, person: Person, latest: StatusReport | None
    ) -> None:
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
                    report.warnings.append(
                        f"line {row.line}: status left as recorded, verified later "
                        f"({latest.verified_at:%Y-%m-%d %H:%M} UTC) than this list's "
                        f"({row.verified_at:%Y-%m-%d %H:%M} UTC)"
                    )
                else:
                    new_report = NewReport(status=row.effective_status, location=row.location,
                                           source=row.source, verified_at=row.verified_at)

        if not changes and new_report is None:
            report.unchanged += 1
            return
        report.updated += 1
        if new_report is not None and new_report.status not in NEEDS_SECOND_PERSON:
            report.status_reports += 1
        if new_report is not None and new_report.status in NEEDS_SECOND_PERSON:
            self._propose(session, row, person, new_report)
            new_report = None
        if not report.written:
            return
        if changes:
            for attribute, value in changes.items():
                setattr(person, attribute, value)
            if "given_names" in changes or "surnames" in changes:
                for key, value in person_keys(person.given_names, person.surnames).items():
                    setattr(person, key, value)
            session.add(AuditEvent(actor=self.actor, action="person_updated", subject_type="person",
                                   subject_id=str(person.id), details={"fields": sorted(changes)}))
        if new_report is not None:
            # The same path as an operator's report: appended (append_report), and every relative
            # following the person hears about it through the disclosure policy.
            record_status(session, person, new_report, self.settings, actor=self.actor)

    # --- new persons ------------------------------------------------------------------------------

    def _insert(self, session: Session, incident_id: int, rows: list[RosterRow]) -> None:
        now = self.now
        person_ids = self._person_ids.take(len(rows))
        person_rows: list[dict[str, Any]] = [
            {
                "id": person_id,
                "incident_id": incident_id,
                "external_id": row.external_id,
                "given_names": row.given_names,
                "surnames": row.surnames,
                "aliases": [],
                "nationality": row.nationality,
                "birth_date": row.birth_date,
                "approx_age": row.age,
                "restricted": bool(row.restricted),
                **row.keys,
                "current_status": row.effective_status if _has_report(row) else "unconfirmed",
                "status_version": 1 if _has_report(row) else 0,
                "created_at": now,
                "updated_at": now,
            }
            for person_id, row in zip(person_ids, rows, strict=True)
        ]
        insert_rows(session, _PERSONS, person_rows)
        # Core inserts bypass the ORM events that keep the name index current: index them here.
        # Core inserts bypass the ORM events that keep the name index current: index them here.
        names = zip(person_ids, rows, strict=True)
        bulk_index_names(session, ((pid, row.given_names, row.surnames) for pid, row in names))
        paired = zip(person_ids, rows, strict=True)
        stated = [(person_id, row) for person_id, row in paired if _has_report(row)]
        report_ids = self._report_ids.take(len(stated))
        report_rows = [
            {
                "id": report_id,
                "person_id": person_id,
                "version": 1,
                "status": row.effective_status,
                "location": row.location,
                "source": row.source,
                "verified_by": None,
                "verified_at": row.verified_at or (now if row.source else None),
                "created_at": now,
                "created_by": self.actor,
            }
            for report_id, (person_id, row) in zip(report_ids, stated, strict=True)
        ]
        insert_rows(session, _REPORTS, report_rows)
        for person_id, row in zip(person_ids, rows, strict=True):
            if _is_death(row):
                person = session.get(Person, person_id)
                assert person is not None
                self._propose(session, row, person, _death(row))

    # --- deaths: proposals, never a status ---------------------------------------------------------

    def _propose(self, session: Session, row: RosterRow, person: Person | None, new_report: NewReport) -> None:
        """Hold a ``deceased`` row as a proposal for a second person (four eyes)."""
        report = self.report
        if report.written:
            assert person is not None
            try:
                with session.begin_nested():
                    pending = propose_status(session, person, new_report, self.settings, actor=self.actor,
                                             principal=self.principal)
            except OperatorError as exc:
                report.warnings.append(f"line {row.line}: deceased not proposed: {exc}")
                return
            where = f" (proposal {pending.id})"
        else:
            where = ""
        report.proposals += 1
        report.warnings.append(
            f"line {row.line}: deceased is not recorded by an import: it is a proposal{where} that another "
            "person must confirm (console: the person's record; API: /api/v1/pending-status-reports)")


def _is_death(row: RosterRow) -> bool:
    return row.states_status and row.effective_status in NEEDS_SECOND_PERSON


def _death(row: RosterRow) -> NewReport:
    return NewReport(status=row.effective_status, location=row.location, source=row.source,
                     verified_at=row.verified_at)


def _has_report(row: RosterRow) -> bool:
    """A new person's first report is written at once, except a death (a proposal)."""
    return row.states_status and not _is_death(row)


def _batches(rows: Iterable[RosterRow], size: int) -> Iterator[list[RosterRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch
