"""The queries of an opt-out (bot/opt_out.py holds the rule)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import Conversation, OutboundMessage, Subscription


def conversations_of(session: Session, address: str, channel: str | None = None) -> list[Conversation]:
    """The conversations with this address (on ``channel``, or on any channel)."""
    stmt = select(Conversation).where(Conversation.address == address)
    if channel is not None:
        stmt = stmt.where(Conversation.channel == channel)
    return list(session.scalars(stmt.order_by(Conversation.id)))


def cancel_unsent(session: Session, channel: str, recipient: str) -> None:
    """Everything still waiting to go to this contact (queued, even if claimed, or held): cancelled."""
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.channel == channel, OutboundMessage.recipient == recipient,
               OutboundMessage.status.in_(("queued", "held")))
        .values(status="cancelled", last_error="recipient opted out")
    )


def deactivate_subscriptions(session: Session, conversation_id: int) -> None:
    session.execute(update(Subscription).where(Subscription.conversation_id == conversation_id).values(active=False))
