"""Appending status reports: the only place a person's status changes.

Reports are append-only. ``Person.current_status`` / ``status_version`` cache the latest report and
are written here, in the caller's transaction. Optimistic concurrency: a caller that read version N
passes ``expected_version=N``; if someone appended meanwhile, ``StaleVersion`` is raised and nothing
is written. The unique ``(person_id, version)`` constraint catches the race between two processes
that both read N (the loser's flush fails with IntegrityError; callers map it to StaleVersion).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import STATUSES, AuditEvent, Person, StatusReport


class StaleVersion(Exception):
    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"status version is {actual}, not {expected}")
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class NewReport:
    status: str
    location: str | None = None
    source: str | None = None
    verified_by: str | None = None
    verified_at: datetime | None = None


def append_report(
    session: Session,
    person: Person,
    report: NewReport,
    *,
    actor: str,
    expected_version: int | None = None,
) -> StatusReport:
    """Append ``report`` to ``person``'s history, update the cache, and audit the change."""
    if report.status not in STATUSES:
        raise ValueError(f"unknown status {report.status!r}")
    if expected_version is not None and expected_version != person.status_version:
        raise StaleVersion(expected_version, person.status_version)
    new_version = person.status_version + 1
    # Compare-and-set on the cached version: a concurrent writer that already bumped it makes
    # this update match no row, which we report as a stale version instead of a silent overwrite.
    # The roster line last applied no longer describes the person: the next import compares it in
    # full (Person.import_hash; the importer stores it again after its own reports).
    result = session.execute(
        update(Person)
        .where(Person.id == person.id, Person.status_version == person.status_version)
        .values(status_version=new_version, current_status=report.status, updated_at=utcnow(), import_hash=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(person)
        raise StaleVersion(expected_version if expected_version is not None else new_version - 1,
                           person.status_version)
    previous = person.current_status
    row = StatusReport(
        person_id=person.id,
        version=new_version,
        status=report.status,
        location=report.location,
        source=report.source,
        verified_by=report.verified_by,
        verified_at=report.verified_at or (utcnow() if report.source else None),
        created_by=actor,
    )
    session.add(row)
    session.add(
        AuditEvent(
            actor=actor,
            action="status_change",
            subject_type="person",
            subject_id=str(person.id),
            details={
                "from": previous,
                "to": report.status,
                "version": new_version,
                "location": report.location,
                "source": report.source,
            },
        )
    )
    session.flush()
    person.status_version = new_version
    person.current_status = report.status
    person.import_hash = None
    return row


def latest_report(session: Session, person_id: int) -> StatusReport | None:
    return session.scalars(
        select(StatusReport)
        .where(StatusReport.person_id == person_id)
        .order_by(StatusReport.version.desc())
        .limit(1)
    ).first()


def history(session: Session, person_id: int) -> list[StatusReport]:
    return list(
        session.scalars(
            select(StatusReport).where(StatusReport.person_id == person_id).order_by(StatusReport.version)
        )
    )
