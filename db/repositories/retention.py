"""Deleting what the retention period says we no longer keep (bot/retention.py decides what)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from db.models import Case, Conversation, InboundRecord, Inquiry, OutboundMessage, Subscription

_CHUNK = 500  # ids per statement: well under every database's parameter limit


def stale_conversation_ids(session: Session, cutoff: datetime) -> list[int]:
    """Conversations with no activity since ``cutoff`` (nothing received, nothing changed, nothing
    sent or queued) and no case still open."""
    open_case = exists().where(Case.conversation_id == Conversation.id, Case.status != "resolved")
    recent_outbound = exists().where(OutboundMessage.conversation_id == Conversation.id,
                                     or_(OutboundMessage.created_at >= cutoff,
                                         OutboundMessage.status.in_(("queued", "sending"))))
    stmt = (
        select(Conversation.id)
        .where(Conversation.created_at < cutoff, Conversation.updated_at < cutoff,
               func.coalesce(Conversation.last_inbound_at, Conversation.created_at) < cutoff,
               ~open_case, ~recent_outbound)
        .order_by(Conversation.id)
    )
    return list(session.scalars(stmt))


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _rowcount(session: Session, stmt: Executable) -> int:
    """Rows an UPDATE/DELETE touched. Session.execute is typed as returning Result, but for DML it
    returns a CursorResult, which is where rowcount lives."""
    return cast(CursorResult[Any], session.execute(stmt)).rowcount


def delete_conversations(session: Session, ids: Sequence[int]) -> dict[str, int]:
    """Delete these conversations and everything that is theirs; cases and the audit trail stay
    (a case keeps its reference and resolution, and loses its link to the conversation)."""
    counts = dict.fromkeys(("conversations", "inbound_messages", "inquiries", "subscriptions",
                            "outbound_messages", "cases_unlinked"), 0)
    for chunk in _chunks(ids):
        inquiry_ids = select(Inquiry.id).where(Inquiry.conversation_id.in_(chunk))
        counts["cases_unlinked"] += _rowcount(
            session,
            update(Case).where(Case.conversation_id.in_(chunk))
            .values(conversation_id=None, inquiry_id=None).execution_options(synchronize_session=False),
        )
        session.execute(update(Case).where(Case.inquiry_id.in_(inquiry_ids)).values(inquiry_id=None)
                        .execution_options(synchronize_session=False))
        for model, key in ((Subscription, "subscriptions"), (Inquiry, "inquiries"),
                           (InboundRecord, "inbound_messages"), (OutboundMessage, "outbound_messages")):
            counts[key] += _rowcount(
                session,
                delete(model).where(model.conversation_id.in_(chunk)).execution_options(synchronize_session=False),
            )
        counts["conversations"] += _rowcount(
            session,
            delete(Conversation).where(Conversation.id.in_(chunk)).execution_options(synchronize_session=False),
        )
    return counts
