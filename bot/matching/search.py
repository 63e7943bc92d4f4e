"""Name search over the roster: ranked candidates for a free-text name.

A minimal placeholder (the matching work replaces the internals and keeps the signature): retrieve
persons whose folded name contains any word of the query, score each with a word-order-insensitive
fuzzy ratio, best first.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.matching.keys import fold
from db.models import Person

_RETRIEVE_AT_MOST = 500
STRONG_SCORE = 0.9


@dataclass(frozen=True)
class Candidate:
    person: Person
    score: float  # 0..1
    strong: bool
    reason: str


def search_persons(
    session: Session, q: str, limit: int = 10, incident_id: int | None = None
) -> list[Candidate]:
    """The best ``limit`` candidates for the name ``q``, best first."""
    query = fold(q)
    words = [w for w in query.split() if len(w) >= 2]
    if not words or limit <= 0:
        return []
    # fold() leaves only letters, digits and spaces, so the words need no LIKE escaping.
    stmt = select(Person).where(or_(*(Person.name_key.like(f"%{w}%") for w in words)))
    if incident_id is not None:
        stmt = stmt.where(Person.incident_id == incident_id)
    scored = []
    for person in session.scalars(stmt.order_by(Person.id).limit(_RETRIEVE_AT_MOST)):
        score = fuzz.token_sort_ratio(query, person.name_key) / 100
        scored.append(
            Candidate(person=person, score=score, strong=score >= STRONG_SCORE, reason="similar name")
        )
    scored.sort(key=lambda c: (-c.score, c.person.id))
    return scored[:limit]
