"""The local channels (terminal and web chat) read their replies straight from the outbox."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import Conversation, OutboundMessage


def take_pending(session: Session, address: str, *, after_id: int = 0, reader: str) -> list[OutboundMessage]:
    """Messages for a local conversation not yet read (after ``after_id``), in order; marked sent
    by ``reader``. The local channels deliver their own rows: no outbox worker sends them."""
    rows = list(session.scalars(
        select(OutboundMessage)
        .join(Conversation, Conversation.id == OutboundMessage.conversation_id)
        .where(Conversation.channel == "local", Conversation.address == address,
               OutboundMessage.id > after_id, OutboundMessage.status == "queued")
        .order_by(OutboundMessage.id)
    ))
    now = utcnow()
    for row in rows:
        row.status = "sent"
        row.sent_at = now
        row.provider_id = reader
    return rows
