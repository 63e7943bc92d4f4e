"""Writing cases (the API's read queries live in db/repositories/cases.py)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Case

# No 0/O, 1/I/L: references are read aloud on the phone and typed on small keyboards.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference(prefix: str) -> str:
    return f"{prefix}-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(4))


def open_cases_for_conversation(session: Session, conversation_id: int, person_id: int | None, *,
                                any_person: bool = False) -> list[Case]:
    """This conversation's unresolved cases about ``person_id`` (or about no record; or about anyone
    with ``any_person``), newest first."""
    stmt = select(Case).where(Case.conversation_id == conversation_id, Case.status != "resolved")
    if not any_person:
        stmt = stmt.where(Case.person_id.is_(None) if person_id is None else Case.person_id == person_id)
    return list(session.scalars(stmt.order_by(Case.id.desc())))


def insert_case(session: Session, case: Case, prefix: str) -> Case:
    """Insert with a fresh reference, drawing again on the rare collision."""
    for _ in range(20):
        case.reference = new_reference(prefix)
        try:
            with session.begin_nested():
                session.add(case)
                session.flush()
            return case
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a unique case reference")


def insert_case_as(session: Session, case: Case, reference: str) -> Case:
    """Insert with the reference already drawn (and told to the relative): a collision, which only
    a concurrent transaction can cause (``reference_taken`` was checked), fails the turn, which is
    then run again."""
    case.reference = reference
    session.add(case)
    session.flush()
    return case


def reference_taken(session: Session, reference: str) -> bool:
    return session.scalar(select(Case.id).where(Case.reference == reference)) is not None


def by_reference(session: Session, reference: str) -> Case | None:
    return session.scalars(select(Case).where(Case.reference == reference.upper())).first()


def due_for_followup(session: Session, now: datetime, limit: int) -> list[Case]:
    """Open cases whose follow-up is due, the most overdue first. "waiting" cases are left out (the
    relative has had an answer), and death notifications (a person calls). On PostgreSQL each case
    is locked, and skipped by a second worker running this at the same time."""
    stmt = (
        select(Case)
        .where(Case.status.in_(("open", "in_progress")), Case.next_followup_at.is_not(None),
               Case.next_followup_at <= now, Case.reason != "death_notification",
               Case.conversation_id.is_not(None))
        .order_by(Case.next_followup_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))
