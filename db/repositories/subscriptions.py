"""Relatives following a person's record (``Subscription``): who is told when the status changes
(bot/notifications.py decides what they are told)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Insert, Integer, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import Conversation, Subscription


def of_case(session: Session, case_id: int) -> list[Subscription]:
    return list(session.scalars(select(Subscription).where(Subscription.case_id == case_id)))


def following(session: Session, conversation_id: int, person_id: int) -> Subscription | None:
    """The conversation's subscription to this person (one at most: a unique constraint)."""
    return session.scalars(select(Subscription).where(Subscription.conversation_id == conversation_id,
                                                      Subscription.person_id == person_id)).first()


def active_followers(session: Session, person_id: int) -> list[Subscription]:
    return list(session.scalars(select(Subscription).where(Subscription.person_id == person_id,
                                                           Subscription.active.is_(True))))


def delete(session: Session, subscription: Subscription) -> None:
    session.delete(subscription)


def conversation_of(session: Session, subscription: Subscription) -> Conversation | None:
    return session.get(Conversation, subscription.conversation_id)


def subscribe(session: Session, conversation_id: int, person_id: int | None, case_id: int | None) -> None:
    """The conversation follows this person (in the caller's transaction). One subscription per
    conversation and person (the unique constraint): a later "sí" makes it active again and points it
    at the case just given, if any (a "sí" without a case keeps the one it had). One statement, an
    upsert, outside the unit of work: a ``Subscription`` this session already holds is not refreshed
    (a turn reads none). A case whose person has no record yet is followed by its case."""
    if person_id is None:
        existing = session.scalars(select(Subscription).where(
            Subscription.conversation_id == conversation_id, Subscription.person_id.is_(None),
            Subscription.case_id.is_(None) if case_id is None else Subscription.case_id == case_id)).first()
        if existing is not None:
            existing.active = True
        else:
            session.add(Subscription(conversation_id=conversation_id, person_id=None, case_id=case_id, active=True))
        return
    session.connection().execute(_upsert_statement(session.get_bind().dialect.name), {
        "conversation_id": conversation_id, "person_id": person_id, "case_id": case_id, "created_at": utcnow()})


@lru_cache(maxsize=4)
def _upsert_statement(dialect: str) -> Insert:
    """``subscribe``'s upsert (parameters: conversation_id, person_id, case_id, created_at), built
    once per dialect: building it cost a "sí" turn more than running it."""
    dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = dialect_insert(Subscription).values(
        conversation_id=bindparam("conversation_id"), person_id=bindparam("person_id"),
        case_id=bindparam("case_id", type_=Integer), active=True, created_at=bindparam("created_at"))
    return stmt.on_conflict_do_update(
        index_elements=[Subscription.conversation_id, Subscription.person_id],
        set_={"active": True, "case_id": func.coalesce(stmt.excluded.case_id, Subscription.case_id)})
