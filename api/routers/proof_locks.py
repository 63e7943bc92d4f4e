"""The proof lock of a person (SPEC 5, rule 6), for operators: see the failed proofs and clear the lock.

``GET /api/v1/persons/{id}/proof-attempts`` lists the attempts (when, which channel and masked
contact, what was stated about the person); ``DELETE /api/v1/persons/{id}/proof-lock`` clears the
lock and the attempts that led to it, as an audit event. Operators and admins only: the attempts
say what strangers typed about a person, which viewers and reporters have no need to read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from api.console.format import mask_address
from api.deps import OperatorToken, SessionDep, actor_of
from api.routers.params import PersonId
from api.schemas import error_responses
from bot import proof_lock
from db.models import Conversation
from db.repositories import persons
from db.repositories import proof_attempts as attempts_repo

router = APIRouter(prefix="/api/v1", tags=["persons"], responses=error_responses(401, 403))


class ProofAttemptOut(BaseModel):
    id: int
    created_at: datetime
    channel: str
    contact: str | None = Field(description="the relative's contact, masked (never in full)")
    case_references: list[str] = Field(default_factory=list)
    stated: dict[str, Any] = Field(description="what was said about the person: name, birth_date, age, nationality")
    cleared_at: datetime | None


class ProofLockOut(BaseModel):
    person_id: int
    locked: bool
    locked_at: datetime | None
    attempts: list[ProofAttemptOut]


class ProofLockCleared(BaseModel):
    person_id: int
    locked: bool
    attempts_cleared: int


_NOT_FOUND = error_responses(404, 422)


@router.get("/persons/{person_id}/proof-attempts", response_model=ProofLockOut, responses=_NOT_FOUND)
def get_proof_attempts(person_id: PersonId, session: SessionDep, token: OperatorToken) -> ProofLockOut:
    """The person's proof lock and every failed proof about them, newest first. Operator or admin."""
    person = persons.get_person(session, person_id)
    if person is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no person with id {person_id}")
    return ProofLockOut(person_id=person.id, locked=person.proof_locked_at is not None,
                        locked_at=person.proof_locked_at,
                        attempts=[_attempt_out(session, a) for a in attempts_repo.for_person(session, person.id)])


@router.delete("/persons/{person_id}/proof-lock", response_model=ProofLockCleared, responses=_NOT_FOUND)
def clear_proof_lock(person_id: PersonId, session: SessionDep, token: OperatorToken) -> ProofLockCleared:
    """Clear the person's proof lock (audited); relatives must then prove again, as anyone. Operator or
    admin."""
    person = persons.get_person(session, person_id)
    if person is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no person with id {person_id}")
    cleared = proof_lock.clear(session, person, actor=actor_of(token))
    return ProofLockCleared(person_id=person.id, locked=False, attempts_cleared=cleared)


def _attempt_out(session: SessionDep, attempt: Any) -> ProofAttemptOut:
    conversation = session.get(Conversation, attempt.conversation_id) if attempt.conversation_id else None
    return ProofAttemptOut(
        id=attempt.id, created_at=attempt.created_at, channel=attempt.channel,
        contact=mask_address(conversation.channel, conversation.address) if conversation else None,
        case_references=attempts_repo.case_references(session, attempt.person_id, attempt.conversation_id),
        stated=dict(attempt.stated or {}), cleared_at=attempt.cleared_at,
    )
