"""Relatives following a person's record (``Subscription``): who is told when the status changes
(bot/notifications.py decides what they are told)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

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


def subscribe(session: Session, conversation_id: int, person_id: int | None, case_id: int | None) -> Subscription:
    """The conversation follows this person and case: its subscription to exactly that pair made
    active again, else a new one (in the caller's transaction)."""
    existing = session.scalars(select(Subscription).where(
        Subscription.conversation_id == conversation_id,
        Subscription.person_id.is_(None) if person_id is None else Subscription.person_id == person_id,
        Subscription.case_id.is_(None) if case_id is None else Subscription.case_id == case_id,
    )).first()
    if existing is not None:
        existing.active = True
        return existing
    subscription = Subscription(conversation_id=conversation_id, person_id=person_id, case_id=case_id, active=True)
    session.add(subscription)
    return subscription
