"""Four eyes for a death: a ``deceased`` status takes effect only when a second person confirms it.

Every other status is recorded at once (``bot.operators.record_status``). ``deceased`` becomes a
``PendingStatusReport``; a different person confirms it (then it is recorded, and the relatives who
follow the person get an URGENT case for a trained person to call them, never a text) or rejects
it. Why: a wrong "fallecido" is the worst error the hotline can make, and the usual safeguard of
casualty bureaux is a second person checking the source before a death is entered.

"Different person" is judged by the PERSON behind the action (``bot.auth.principal_of``), never by
the token: ``user:<id>`` for a console user and for every token of that user, ``integration:<name>``
for every token of a named integration, ``import`` for the command line's roster import. A death
proposed with one token and confirmed with another token of the same person, or proposed in the
console and confirmed with the same user's token, is refused. A ``deceased`` row of an imported
list is a proposal too (bot/roster/importer.py).

Like the rest of ``bot/``, these functions work in the caller's transaction and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from bot.auth import user_principal
from bot.operators import OperatorError, record_status
from common.settings import Settings
from db.base import utcnow
from db.bulk import IdAllocator, copy_rows
from db.models import AuditEvent, PendingStatusReport, Person, StatusReport, User
from db.repositories.status import NewReport, StaleVersion

NEEDS_SECOND_PERSON = frozenset({"deceased"})


def _actor(user: User | None, actor: str | None) -> str:
    if user is not None:
        return f"user:{user.username}"
    if actor:
        return actor
    raise ValueError("an actor (user or actor string) is required")


def _principal(user: User | None, principal: str | None, who: str) -> str:
    """The person acting: the console user, else the given principal (a token's), else the actor."""
    if user is not None:
        return user_principal(user)
    return principal or who


def propose_status(
    session: Session,
    person: Person,
    report: NewReport,
    settings: Settings,
    *,
    user: User | None = None,
    actor: str | None = None,
    principal: str | None = None,
    expected_version: int | None = None,
) -> StatusReport | PendingStatusReport:
    """Record ``report`` now, or, for ``deceased``, hold it for a second person's confirmation.
    ``principal``: the person behind a token (``bot.auth.principal_of``)."""
    who = _actor(user, actor)
    if report.status not in NEEDS_SECOND_PERSON:
        return record_status(session, person, report, settings, actor=who, expected_version=expected_version)
    if not (report.source and report.source.strip()):
        raise OperatorError("un fallecimiento necesita su fuente (quién lo confirmó y cuándo)")
    if expected_version is not None and expected_version != person.status_version:
        raise StaleVersion(expected_version, person.status_version)
    already = session.scalars(
        select(PendingStatusReport).where(PendingStatusReport.person_id == person.id,
                                          PendingStatusReport.decision.is_(None))
    ).first()
    if already is not None:
        raise OperatorError(already_pending_reason(already.id))
    pending = PendingStatusReport(
        person_id=person.id, status=report.status, location=report.location, source=report.source,
        verified_by=report.verified_by, verified_at=report.verified_at,
        # The confirmer confirms what the proposer saw: if the record changes meanwhile (a hospital
        # reports the person alive), the confirmation is refused instead of overwriting that news.
        expected_version=person.status_version,
        proposed_by_user_id=user.id if user is not None else None, proposed_by=who,
        proposer=_principal(user, principal, who), created_at=utcnow(),
    )
    session.add(pending)
    session.flush()
    session.add(AuditEvent(actor=who, action="status_proposed", subject_type="person", subject_id=str(person.id),
                           details={"pending_id": pending.id, "status": report.status, "proposer": pending.proposer,
                                    "location": report.location, "source": report.source}))
    return pending


def already_pending_reason(pending_id: int) -> str:
    """Why a death is not proposed again while an earlier proposal waits for its second person."""
    return f"ya hay una propuesta pendiente para este registro (n.º {pending_id}): confírmela o recházela primero"


_PENDING = cast(Table, PendingStatusReport.__table__)
_AUDIT = cast(Table, AuditEvent.__table__)
_PENDING_COLUMNS = ("id", "person_id", "status", "location", "source", "verified_by", "verified_at",
                    "expected_version", "proposed_by", "proposer", "created_at")
_AUDIT_COLUMNS = ("id", "at", "actor", "action", "subject_type", "subject_id", "details")


def propose_deaths_of_new_persons(
    session: Session, proposals: Sequence[tuple[int, NewReport]], *, actor: str, principal: str, now: datetime
) -> list[int]:
    """``propose_status`` for persons created a moment ago without a status (a roster import's new
    persons, thousands at a time): the same pending proposals and ``status_proposed`` audit events,
    written in bulk. Such a person has no proposal yet and is at version 0. The proposals' ids."""
    if not proposals:
        return []
    if any(report.status not in NEEDS_SECOND_PERSON or not (report.source and report.source.strip())
           for _, report in proposals):
        raise ValueError("only sourced deaths are proposals")
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


def _undecided(session: Session, pending_id: int) -> PendingStatusReport:
    stmt = select(PendingStatusReport).where(PendingStatusReport.id == pending_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # two confirmers at once: the second waits and sees it decided
    pending = session.scalars(stmt).first()
    if pending is None:
        raise OperatorError("la propuesta no existe")
    if pending.decision is not None:
        raise OperatorError(f"la propuesta ya fue {'confirmada' if pending.decision == 'confirmed' else 'rechazada'}")
    return pending


def _same_person(pending: PendingStatusReport, user: User | None, who: str, principal: str) -> bool:
    if user is not None and pending.proposed_by_user_id is not None and user.id == pending.proposed_by_user_id:
        return True
    if pending.proposer is not None and pending.proposer == principal:
        return True
    return who == pending.proposed_by


def confirm_pending(
    session: Session, pending_id: int, settings: Settings, *, user: User | None = None, actor: str | None = None,
    principal: str | None = None,
) -> StatusReport:
    """A second person confirms: the status is recorded and the followers are handled by policy."""
    who = _actor(user, actor)
    pending = _undecided(session, pending_id)
    if _same_person(pending, user, who, _principal(user, principal, who)):
        raise OperatorError("quien propuso el fallecimiento no puede confirmarlo: debe hacerlo otra persona")
    person = session.get(Person, pending.person_id)
    assert person is not None  # the foreign key cascades: a pending row never outlives its person
    report = NewReport(status=pending.status, location=pending.location, source=pending.source,
                       verified_by=pending.verified_by, verified_at=pending.verified_at)
    try:
        row = record_status(session, person, report, settings, actor=who, expected_version=pending.expected_version)
    except StaleVersion as exc:
        raise OperatorError(
            f"el registro cambió desde la propuesta (versión {exc.expected}, ahora {exc.actual}): "
            "revise el historial, rechace esta propuesta y, si procede, proponga de nuevo"
        ) from exc
    pending.decision, pending.decided_by, pending.decided_at = "confirmed", who, utcnow()
    pending.status_report_id = row.id
    session.add(AuditEvent(actor=who, action="status_confirmed", subject_type="person", subject_id=str(person.id),
                           details={"pending_id": pending.id, "status": pending.status,
                                    "proposed_by": pending.proposed_by, "status_report_id": row.id}))
    session.flush()
    return row


def reject_pending(
    session: Session, pending_id: int, *, user: User | None = None, actor: str | None = None, note: str
) -> PendingStatusReport:
    """Anyone may reject, the proposer too (withdrawing a proposal is always safe); a note is required."""
    who = _actor(user, actor)
    if not (note and note.strip()):
        raise OperatorError("escriba por qué se rechaza la propuesta")
    pending = _undecided(session, pending_id)
    pending.decision, pending.decided_by, pending.decided_at = "rejected", who, utcnow()
    pending.note = note.strip()[:4000]
    session.add(AuditEvent(actor=who, action="status_rejected", subject_type="person",
                           subject_id=str(pending.person_id),
                           details={"pending_id": pending.id, "status": pending.status,
                                    "proposed_by": pending.proposed_by, "note": pending.note}))
    session.flush()
    return pending


def list_pending(session: Session, person_id: int | None = None) -> list[PendingStatusReport]:
    """Undecided proposals, oldest first."""
    stmt = select(PendingStatusReport).where(PendingStatusReport.decision.is_(None))
    if person_id is not None:
        stmt = stmt.where(PendingStatusReport.person_id == person_id)
    return list(session.scalars(stmt.order_by(PendingStatusReport.created_at, PendingStatusReport.id)))
