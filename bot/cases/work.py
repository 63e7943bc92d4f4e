"""Who works a case: taking it (never silently from a colleague), taking it over deliberately,
assigning it to a colleague, reopening it; and the console notices that tell a person about it.

A case someone else holds is not taken by "Tomar el caso": the operator is told who holds it and
must choose "take over", which is audited (``case_taken_over``, with the previous holder) and
leaves the previous holder a notice. While a case is assigned, only its holder acts on it from the
console (reply, link, call, notification, resolve); anyone else is told to take it first.

Every function works inside the caller's transaction and never commits.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bot.cases.refusals import CaseRefusal, CaseRefused
from db.base import utcnow
from db.models import Case, ConsoleNotice, User
from db.repositories import audit, cases, notices


class CaseWorkError(CaseRefused):
    """Taking, assigning or reopening refused; the code says why (each interface has its words)."""


class HeldByOther(CaseWorkError):
    """The case is assigned to someone else; ``holder`` is their username."""

    def __init__(self, holder: str) -> None:
        super().__init__(CaseRefusal.HELD_BY_OTHER, holder=holder)
        self.holder = holder


def holder_of(session: Session, case: Case) -> User | None:
    return cases.holder_of(session, case)


def check_holder(session: Session, case: Case, user: User) -> None:
    """Raise ``HeldByOther`` when the case is assigned to an active colleague, not to ``user``."""
    holder = holder_of(session, case)
    if holder is not None and holder.id != user.id and holder.active:
        raise HeldByOther(holder.username)


def notify(session: Session, user_id: int, text: str, case_id: int | None = None) -> None:
    notices.add(session, user_id, text[:500], case_id)


def take(session: Session, case: Case, user: User, *, take_over: bool = False, actor: str | None = None) -> None:
    """``user`` holds the case from now on. ``actor`` names who acted in the audit when it is not the
    user's console session (their API token)."""
    if case.status == "resolved":
        raise CaseWorkError(CaseRefusal.CLOSED)
    holder = holder_of(session, case)
    if holder is not None and holder.id != user.id and holder.active and not take_over:
        raise HeldByOther(holder.username)
    actor = actor or f"user:{user.username}"
    if holder is not None and holder.id != user.id:
        audit.record(session, actor=actor, action="case_taken_over", subject_type="case", subject_id=case.id,
                     details={"from": holder.username, "to": user.username})
        notify(session, holder.id, f"{user.username} tomó el caso {case.reference}, que usted tenía asignado. "
                                   "Ya no actúe en él sin hablar con su colega.", case.id)
    else:
        audit.record(session, actor=actor, action="case_taken", subject_type="case", subject_id=case.id,
                     details={})
    case.assignee_id = user.id
    if case.status == "open":
        case.status = "in_progress"


def assign(session: Session, case: Case, colleague: User, *, by: User | None, actor: str | None = None,
           by_label: str | None = None) -> None:
    """Give the case to ``colleague`` (an active operator or admin); both holders are told. ``by`` is
    the user who assigns; an integration's token has none: then ``actor`` (the audit's) and
    ``by_label`` (the notices' words) say who."""
    if case.status == "resolved":
        raise CaseWorkError(CaseRefusal.CLOSED)
    if not colleague.active or colleague.role not in ("operator", "admin"):
        raise CaseWorkError(CaseRefusal.NOT_ASSIGNABLE)
    holder = holder_of(session, case)
    if holder is not None and holder.id == colleague.id:
        raise CaseWorkError(CaseRefusal.ALREADY_ASSIGNED, colleague=colleague.username)
    by_id = by.id if by is not None else None
    who = by.username if by is not None else (by_label or "La integración")
    audit.record(session, actor=actor or f"user:{who}", action="case_assigned", subject_type="case",
                 subject_id=case.id,
                 details={"from": holder.username if holder else None, "to": colleague.username})
    if colleague.id != by_id:
        notify(session, colleague.id, f"{who} le asignó el caso {case.reference}.", case.id)
    if holder is not None and holder.id not in (by_id, colleague.id):
        notify(session, holder.id, f"{who} asignó a {colleague.username} el caso {case.reference}, que "
                                   "usted tenía asignado.", case.id)
    case.assignee_id = colleague.id
    if case.status == "open":
        case.status = "in_progress"


def reopen(session: Session, case: Case, *, actor: str, note: str, followup_interval_hours: float) -> None:
    if case.status != "resolved":
        raise CaseWorkError(CaseRefusal.NOT_CLOSED)
    if not note.strip():
        raise CaseWorkError(CaseRefusal.REOPEN_REASON_REQUIRED)
    audit.record(session, actor=actor, action="case_reopened", subject_type="case", subject_id=case.id,
                 details={"note": note.strip()[:2000], "previous_resolution": case.resolution})
    case.status = "in_progress" if case.assignee_id else "open"
    case.resolved_at = None
    case.resolution = None
    # The relative hears from us again if nobody writes (work against silence).
    if case.reason != "death_notification":
        case.next_followup_at = utcnow() + timedelta(hours=followup_interval_hours)


def unread_notices(session: Session, user_id: int, limit: int = 10) -> list[ConsoleNotice]:
    return notices.unread(session, user_id, limit)


def dismiss_notice(session: Session, user_id: int, notice_id: int) -> None:
    notices.mark_read(session, user_id, notice_id)
