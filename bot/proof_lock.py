"""The proof lock (SPEC 5, rule 6): failed knowledge proofs are remembered per person, across all
contacts and channels. After ``proof_lock_attempts`` failed proofs within ``proof_lock_window_days``
the bot states that person's status to nobody until an operator clears the lock; each further
inquiry opens or joins a high-priority "proof_attempts" case that shows the operator the attempts.

A lock never changes the words a relative sees (the policy answers with the uniform case words),
and it does not touch relatives who passed the proof before: their subscriptions stay.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from common.metrics import PROOF_LOCK_EVENTS
from common.settings import Settings
from db.base import utcnow
from db.models import Conversation, Person
from db.repositories import audit
from db.repositories import proof_attempts as attempts_repo

# What the attempt keeps of what the relative said: only details about the sought person.
STATED_KEYS = ("name", "birth_date", "age", "nationality")


def record_failed_proof(session: Session, settings: Settings, conversation: Conversation, person_id: int,
                        details: dict[str, Any], now: datetime | None = None) -> bool:
    """Record one failed proof about ``person_id``; lock the person when the limit is reached.
    Returns whether the person is now locked. The same statement from the same conversation
    counts once."""
    now = now or utcnow()
    stated = {k: details[k] for k in STATED_KEYS if details.get(k) is not None}
    recorded = attempts_repo.stated_in_conversation(session, person_id, conversation.id)
    if any(_proof_key(earlier) == _proof_key(stated) for earlier in recorded):
        return False
    attempts_repo.add(session, person_id, conversation.id, conversation.channel, stated, now)
    PROOF_LOCK_EVENTS.labels("failed_proof").inc()
    since = now - timedelta(days=settings.proof_lock_window_days)
    if attempts_repo.count_since(session, person_id, since) < settings.proof_lock_attempts:
        return False
    if attempts_repo.lock_person(session, person_id, now):
        PROOF_LOCK_EVENTS.labels("locked").inc()
        audit.record(session, actor="bot", action="proof_locked", subject_type="person", subject_id=person_id,
                     details={"attempts": settings.proof_lock_attempts,
                              "window_days": settings.proof_lock_window_days})
    return True


def _proof_key(stated: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two statements one attempt: the same birth date (or, without one, the same age);
    the country added when the bot asks for it does not make a second attempt."""
    if stated.get("birth_date"):
        return ("birth_date", stated["birth_date"])
    if stated.get("age") is not None:
        return ("age", stated["age"])
    return ("nationality", stated.get("nationality"))


def clear(session: Session, person: Person, *, actor: str, note: str | None = None) -> int:
    """An operator clears the lock (console or API); audited. Returns the attempts cleared."""
    was_locked = person.proof_locked_at is not None
    cleared = attempts_repo.clear_lock(session, person, utcnow())
    audit.record(session, actor=actor, action="proof_lock_cleared", subject_type="person", subject_id=person.id,
                 details={"was_locked": was_locked, "attempts_cleared": cleared, "note": note or ""})
    return cleared
