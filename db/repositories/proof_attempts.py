"""Failed knowledge proofs per person, across contacts, and the lock they set (SPEC 5, rule 6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.models import Case, Person, ProofAttempt


def stated_in_conversation(session: Session, person_id: int, conversation_id: int) -> list[dict[str, Any]]:
    """What this conversation already stated in its uncleared failed proofs about the person."""
    return list(session.scalars(
        select(ProofAttempt.stated).where(
            ProofAttempt.person_id == person_id,
            ProofAttempt.conversation_id == conversation_id,
            ProofAttempt.cleared_at.is_(None),
        )
    ))


def add(session: Session, person_id: int, conversation_id: int | None, channel: str, stated: dict[str, Any],
        now: datetime) -> ProofAttempt:
    attempt = ProofAttempt(person_id=person_id, conversation_id=conversation_id, channel=channel,
                           stated=stated, created_at=now)
    session.add(attempt)
    session.flush()
    return attempt


def count_since(session: Session, person_id: int, since: datetime) -> int:
    """Failed proofs about the person since ``since`` that no operator has cleared."""
    return session.scalar(
        select(func.count()).select_from(ProofAttempt).where(
            ProofAttempt.person_id == person_id,
            ProofAttempt.created_at >= since,
            ProofAttempt.cleared_at.is_(None),
        )
    ) or 0


def lock_person(session: Session, person_id: int, now: datetime) -> bool:
    """Set the lock; False when the person was already locked (one event per lock)."""
    result = session.execute(
        update(Person).where(Person.id == person_id, Person.proof_locked_at.is_(None)).values(proof_locked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def clear_lock(session: Session, person: Person, now: datetime) -> int:
    """Clear the lock and the attempts that led to it (``person`` is read again); returns how many
    attempts were cleared."""
    session.execute(update(Person).where(Person.id == person.id).values(proof_locked_at=None))
    result = session.execute(
        update(ProofAttempt)
        .where(ProofAttempt.person_id == person.id, ProofAttempt.cleared_at.is_(None))
        .values(cleared_at=now)
    )
    session.refresh(person)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def for_person(session: Session, person_id: int, limit: int = 200) -> list[ProofAttempt]:
    """The attempts about a person, newest first (for the operator: when, which contact, what)."""
    return list(session.scalars(
        select(ProofAttempt).where(ProofAttempt.person_id == person_id)
        .order_by(ProofAttempt.created_at.desc(), ProofAttempt.id.desc()).limit(limit)
    ))


def case_references(session: Session, person_id: int, conversation_id: int | None) -> list[str]:
    """The references of the cases that conversation has about the person (where to answer them)."""
    if conversation_id is None:
        return []
    return list(session.scalars(
        select(Case.reference).where(Case.conversation_id == conversation_id, Case.person_id == person_id)
        .order_by(Case.id)
    ))
