"""What must not wait unseen, read for every console page's alerts (``/console/alerts``) and the
dashboard: open urgent cases (the newest first, so that a new one is noticed) and deaths awaiting a
second person's confirmation (four eyes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Case, PendingStatusReport, Person


@dataclass(frozen=True)
class PendingDeath:
    id: int
    person_id: int
    proposed_by_user_id: int | None
    proposer: str | None
    created_at: datetime


@dataclass(frozen=True)
class Alerts:
    urgent_open: int
    urgent_unassigned: int
    newest_urgent: list[tuple[int, str]]  # (case id, reference), newest first
    pending_deaths: list[PendingDeath]  # oldest first


def console_alerts(session: Session, *, include_restricted: bool, limit: int = 10) -> Alerts:
    urgent = (Case.priority == "urgent", Case.status != "resolved")
    count = int(session.scalar(select(func.count()).select_from(Case).where(*urgent)) or 0)
    unassigned = int(session.scalar(select(func.count()).select_from(Case)
                                    .where(*urgent, Case.assignee_id.is_(None))) or 0)
    newest = [(int(i), str(r)) for i, r in session.execute(
        select(Case.id, Case.reference).where(*urgent).order_by(Case.id.desc()).limit(limit)).all()]
    return Alerts(count, unassigned, newest, pending_deaths(session, include_restricted=include_restricted))


def pending_deaths(session: Session, *, include_restricted: bool) -> list[PendingDeath]:
    """Undecided death proposals, oldest first. A viewer never learns a restricted record's status,
    proposed ones included: without ``include_restricted`` those are left out."""
    stmt = (select(PendingStatusReport).where(PendingStatusReport.decision.is_(None),
                                              PendingStatusReport.status == "deceased")
            .order_by(PendingStatusReport.id))
    if not include_restricted:
        stmt = stmt.where(PendingStatusReport.person_id.in_(select(Person.id).where(Person.restricted.is_(False))))
    rows = session.scalars(stmt)
    return [PendingDeath(p.id, p.person_id, p.proposed_by_user_id, p.proposer, p.created_at) for p in rows]
