"""Conversations, inbound messages and inquiries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import Conversation, InboundMessage, Inquiry


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def lock_conversation(session: Session, channel: str, address: str) -> Conversation:
    """Get or create the conversation and hold its row lock until the transaction ends, so that two
    messages of one relative are handled one after the other, in any process."""
    insert = _insert(session)
    session.execute(
        insert(Conversation)
        .values(channel=channel, address=address, state={}, opted_out=False, created_at=utcnow(),
                updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["channel", "address"])
    )
    stmt = select(Conversation).where(Conversation.channel == channel, Conversation.address == address)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    conv = session.scalars(stmt.execution_options(populate_existing=True)).one()
    return conv


def record_inbound(session: Session, conversation: Conversation, provider_id: str, text: str | None,
                   media_kind: str | None) -> bool:
    """Record an inbound message once per provider id. False when it was already recorded."""
    insert = _insert(session)
    # RETURNING, not rowcount: through the ORM an INSERT's rowcount is -1 on PostgreSQL (psycopg),
    # which would make every redelivery look new.
    inserted = session.execute(
        insert(InboundMessage)
        .values(conversation_id=conversation.id, channel=conversation.channel, provider_id=provider_id,
                text=text, media_kind=media_kind, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
        .returning(InboundMessage.id)
    ).first()
    return inserted is not None


def persons_looked_up_since(session: Session, conversation_id: int, since: datetime) -> set[int]:
    rows = session.scalars(
        select(Inquiry.person_id)
        .where(Inquiry.conversation_id == conversation_id, Inquiry.created_at >= since,
               Inquiry.person_id.is_not(None))
        .distinct()
    )
    return {int(r) for r in rows if r is not None}


def count_conversations(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Conversation)) or 0)
