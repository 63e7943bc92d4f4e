"""The local channels (terminal and web chat) read their replies straight from the outbox."""

from __future__ import annotations

import heapq
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import Conversation, InboundRecord, OutboundMessage


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


def replies_after(session: Session, address: str, *, after_id: int, reader: str,
                  only: Collection[int] | None = None) -> list[OutboundMessage]:
    """Every message for a local conversation with an id above ``after_id`` (and among ``only``,
    when given), in order, whether or not it was read before: the web chat's cursor is the page's
    own ``after``, so a second tab or a reload sees the same messages. Unread ones are marked sent
    by ``reader``."""
    query = (
        select(OutboundMessage)
        .join(Conversation, Conversation.id == OutboundMessage.conversation_id)
        .where(Conversation.channel == "local", Conversation.address == address, OutboundMessage.id > after_id)
        .order_by(OutboundMessage.id)
    )
    if only is not None:
        query = query.where(OutboundMessage.id.in_(list(only)))
    rows = list(session.scalars(query))
    _mark_read(rows, reader)
    return rows


@dataclass(frozen=True)
class TranscriptEntry:
    """One line of a local conversation: ``from_relative`` tells who wrote it; ``cursor`` is the id
    of the last message to the relative at or before this line (what ``after`` takes to go on)."""

    from_relative: bool
    cursor: int
    text: str


def transcript(session: Session, address: str, *, reader: str) -> list[TranscriptEntry]:
    """The whole local conversation so far, the relative's messages and every message to them, in
    the order they happened (a relative's message is recorded before the replies to it, in the same
    transaction; at an equal time the relative's message comes first)."""
    said = session.execute(
        select(InboundRecord.received_at, InboundRecord.text)
        .where(InboundRecord.channel == "local", InboundRecord.address == address,
               InboundRecord.text.is_not(None))
        .order_by(InboundRecord.id)
    ).all()
    replies = replies_after(session, address, after_id=0, reader=reader)
    # Each side keeps its own order (ids); merged by time (heapq.merge only ever takes the next
    # line of a side, so a clock skew between processes cannot reorder one side).
    lines = heapq.merge(
        (((at, 0), True, 0, text or "") for at, text in said),
        (((row.created_at, 1), False, row.id, row.text) for row in replies),
        key=lambda line: line[0],
    )
    entries: list[TranscriptEntry] = []
    cursor = 0
    for _, from_relative, reply_id, text in lines:
        cursor = cursor if from_relative else reply_id
        entries.append(TranscriptEntry(from_relative, cursor, text))
    return entries


def _mark_read(rows: list[OutboundMessage], reader: str) -> None:
    now = utcnow()
    for row in rows:
        if row.status == "queued":
            row.status = "sent"
            row.sent_at = now
            row.provider_id = reader
