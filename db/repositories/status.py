"""Appending status reports: the only place a person's status changes.

Reports are append-only. ``Person.current_status`` / ``status_version`` cache the latest report and
are written here, in the caller's transaction. Optimistic concurrency: a caller that read version N
passes ``expected_version=N``; if someone appended meanwhile, ``StaleVersion`` is raised and nothing
is written. The unique ``(person_id, version)`` constraint catches the race between two processes
that both read N (the loser's flush fails with IntegrityError; callers map it to StaleVersion).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.bulk import IdAllocator, copy_rows
from db.models import STATUSES, AuditEvent, PendingStatusReport, Person, StatusReport
from db.repositories import audit


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
    audit.record(session, actor=actor, action="status_change", subject_type="person", subject_id=person.id,
                 details={"from": previous, "to": report.status, "version": new_version,
                          "location": report.location, "source": report.source})
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


# --- deaths proposed for a second person's confirmation (bot/status_review.py decides) -------------


def undecided_proposal_for(session: Session, person_id: int) -> PendingStatusReport | None:
    """The person's proposal still waiting for its second person, if any."""
    return session.scalars(
        select(PendingStatusReport).where(PendingStatusReport.person_id == person_id,
                                          PendingStatusReport.decision.is_(None))
    ).first()


def add_proposal(session: Session, person: Person, report: NewReport, *, proposed_by: str, proposer: str,
                 proposed_by_user_id: int | None) -> PendingStatusReport:
    """Store a proposal (with its id) that the status becomes ``report``, at the person's current
    version: a confirmation is refused if the record changes meanwhile."""
    pending = PendingStatusReport(
        person_id=person.id, status=report.status, location=report.location, source=report.source,
        verified_by=report.verified_by, verified_at=report.verified_at, expected_version=person.status_version,
        proposed_by_user_id=proposed_by_user_id, proposed_by=proposed_by, proposer=proposer, created_at=utcnow(),
    )
    session.add(pending)
    session.flush()
    return pending


def proposal_for_decision(session: Session, pending_id: int) -> PendingStatusReport | None:
    """The proposal, locked on PostgreSQL: of two people deciding at once, the second waits and then
    sees it decided."""
    stmt = select(PendingStatusReport).where(PendingStatusReport.id == pending_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def get_proposal(session: Session, pending_id: int) -> PendingStatusReport | None:
    return session.get(PendingStatusReport, pending_id)


def undecided_proposals(session: Session, person_id: int | None = None) -> list[PendingStatusReport]:
    """Undecided proposals (of one person, or all), oldest first."""
    stmt = select(PendingStatusReport).where(PendingStatusReport.decision.is_(None))
    if person_id is not None:
        stmt = stmt.where(PendingStatusReport.person_id == person_id)
    return list(session.scalars(stmt.order_by(PendingStatusReport.created_at, PendingStatusReport.id)))


_PENDING = cast(Table, PendingStatusReport.__table__)
_AUDIT = cast(Table, AuditEvent.__table__)
_PENDING_COLUMNS = ("id", "person_id", "status", "location", "source", "verified_by", "verified_at",
                    "expected_version", "proposed_by", "proposer", "created_at")
_AUDIT_COLUMNS = ("id", "at", "actor", "action", "subject_type", "subject_id", "details")


def copy_new_persons_proposals(session: Session, proposals: Sequence[tuple[int, NewReport]], *, actor: str,
                               principal: str, now: datetime) -> list[int]:
    """``add_proposal`` and its ``status_proposed`` audit event (the fields of
    bot.status_review.propose_status) for thousands of persons created a moment ago (at version 0),
    written in bulk (db/bulk.py: COPY on PostgreSQL) rather than row by row. The proposals' ids."""
    ids = IdAllocator(session, _PENDING).take(len(proposals))
    copy_rows(session, _PENDING, _PENDING_COLUMNS, [
        (pending_id, person_id, r.status, r.location, r.source, r.verified_by, r.verified_at, 0, actor,
         principal, now)
        for pending_id, (person_id, r) in zip(ids, proposals, strict=True)
    ])
    audit_ids = IdAllocator(session, _AUDIT).take(len(proposals))
    copy_rows(session, _AUDIT, _AUDIT_COLUMNS, [
        (audit_id, now, actor, "status_proposed", "person", str(person_id),
         {"pending_id": pending_id, "status": r.status, "proposer": principal, "location": r.location,
          "source": r.source})
        for audit_id, pending_id, (person_id, r) in zip(audit_ids, ids, proposals, strict=True)
    ])
    return ids
