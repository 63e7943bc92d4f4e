"""Four eyes for a death: a ``deceased`` status takes effect only when a second person confirms it.

Every other status is recorded at once (``record_status``, below). ``deceased`` becomes a
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

from sqlalchemy.orm import Session

from bot.auth import user_principal
from bot.notifications import notify_subscribers
from bot.status_refusals import OperatorError, StatusRefusal
from common.settings import Settings
from db.base import utcnow
from db.models import PendingStatusReport, Person, StatusReport, User
from db.repositories import audit, persons
from db.repositories import status as status_repo
from db.repositories.status import NewReport, StaleVersion

NEEDS_SECOND_PERSON = frozenset({"deceased"})


def record_status(session: Session, person: Person, report: NewReport, settings: Settings, *, actor: str,
                  expected_version: int | None = None) -> StatusReport:
    """Append a verified report and tell every subscribed relative through the policy."""
    if report.status != "unconfirmed" and not (report.source and report.source.strip()):
        raise OperatorError(StatusRefusal.SOURCE_REQUIRED)
    before = status_repo.latest_report(session, person.id)
    row = status_repo.append_report(session, person, report, actor=actor, expected_version=expected_version)
    if _is_news(before, report):
        notify_subscribers(session, person, settings, actor=actor)
    return row


def _is_news(before: StatusReport | None, report: NewReport) -> bool:
    """Whether followers should hear about ``report``: a verified status or place they have not been
    told yet. A repeated report (same status, same place, another list) is not news: telling
    "hay información nueva" for it would be untrue; an unconfirmed one has nothing to tell."""
    if report.status == "unconfirmed":
        return False
    if before is None or not before.is_verified:
        return True
    return (before.status, (before.location or "").strip()) != (report.status, (report.location or "").strip())


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
        raise OperatorError(StatusRefusal.DEATH_SOURCE_REQUIRED)
    if expected_version is not None and expected_version != person.status_version:
        raise StaleVersion(expected_version, person.status_version)
    already = status_repo.undecided_proposal_for(session, person.id)
    if already is not None:
        raise OperatorError(StatusRefusal.ALREADY_PENDING, pending_id=already.id)
    # The confirmer confirms what the proposer saw (the proposal keeps the current version): if the
    # record changes meanwhile (a hospital reports the person alive), the confirmation is refused
    # instead of overwriting that news.
    pending = status_repo.add_proposal(session, person, report, proposed_by=who,
                                       proposer=_principal(user, principal, who),
                                       proposed_by_user_id=user.id if user is not None else None)
    audit.record(session, actor=who, action="status_proposed", subject_type="person", subject_id=person.id,
                 details={"pending_id": pending.id, "status": report.status, "proposer": pending.proposer,
                          "location": report.location, "source": report.source})
    return pending


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
    return status_repo.copy_new_persons_proposals(session, proposals, actor=actor, principal=principal, now=now)


def _undecided(session: Session, pending_id: int) -> PendingStatusReport:
    pending = status_repo.proposal_for_decision(session, pending_id)  # locked: two deciders, one wins
    if pending is None:
        raise OperatorError(StatusRefusal.PROPOSAL_NOT_FOUND)
    if pending.decision is not None:
        raise OperatorError(StatusRefusal.ALREADY_CONFIRMED if pending.decision == "confirmed"
                            else StatusRefusal.ALREADY_REJECTED)
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
        raise OperatorError(StatusRefusal.SAME_PERSON)
    person = persons.get_person(session, pending.person_id)
    assert person is not None  # the foreign key cascades: a pending row never outlives its person
    report = NewReport(status=pending.status, location=pending.location, source=pending.source,
                       verified_by=pending.verified_by, verified_at=pending.verified_at)
    try:
        row = record_status(session, person, report, settings, actor=who, expected_version=pending.expected_version)
    except StaleVersion as exc:
        raise OperatorError(StatusRefusal.CHANGED_SINCE_PROPOSAL, expected=exc.expected, actual=exc.actual) from exc
    pending.decision, pending.decided_by, pending.decided_at = "confirmed", who, utcnow()
    pending.status_report_id = row.id
    audit.record(session, actor=who, action="status_confirmed", subject_type="person", subject_id=person.id,
                 details={"pending_id": pending.id, "status": pending.status,
                          "proposed_by": pending.proposed_by, "status_report_id": row.id})
    session.flush()
    return row


def reject_pending(
    session: Session, pending_id: int, *, user: User | None = None, actor: str | None = None, note: str
) -> PendingStatusReport:
    """Anyone may reject, the proposer too (withdrawing a proposal is always safe); a note is required."""
    who = _actor(user, actor)
    if not (note and note.strip()):
        raise OperatorError(StatusRefusal.REJECTION_NOTE_REQUIRED)
    pending = _undecided(session, pending_id)
    pending.decision, pending.decided_by, pending.decided_at = "rejected", who, utcnow()
    pending.note = note.strip()[:4000]
    audit.record(session, actor=who, action="status_rejected", subject_type="person", subject_id=pending.person_id,
                 details={"pending_id": pending.id, "status": pending.status,
                          "proposed_by": pending.proposed_by, "note": pending.note})
    session.flush()
    return pending


def list_pending(session: Session, person_id: int | None = None) -> list[PendingStatusReport]:
    """Undecided proposals, oldest first."""
    return status_repo.undecided_proposals(session, person_id)
