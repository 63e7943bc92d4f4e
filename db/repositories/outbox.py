"""The durable outbox: enqueue in the caller's transaction, claim safely, record the outcome.

Claiming: a worker takes due rows and marks them ``sending`` with a lease (``claimed_until``), in
its own short transaction. On PostgreSQL the select uses ``FOR UPDATE SKIP LOCKED`` so that
concurrent workers never claim one row twice; on SQLite the claim transaction starts with
``BEGIN IMMEDIATE`` (one writer at a time), which gives the same guarantee. A row whose lease ran
out (its worker died) is due again: nothing is lost. The send happens outside any transaction; its
outcome is recorded at once, row by row, so the window in which a crash could repeat a send is the
provider call itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import Conversation, OutboundMessage

PRIORITY_REPLY = 0  # a relative's replies and operators' answers go first
PRIORITY_FOLLOWUP = 5
PRIORITY_BULK = 10  # status-change notifications to many subscribers


def enqueue(
    session: Session,
    *,
    channel: str,
    recipient: str,
    text: str,
    kind: str = "reply",
    priority: int = PRIORITY_REPLY,
    conversation_id: int | None = None,
) -> OutboundMessage:
    row = OutboundMessage(
        channel=channel,
        recipient=recipient,
        text=text,
        kind=kind,
        priority=priority,
        conversation_id=conversation_id,
        status="queued",
        next_attempt_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _due_clause(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        and_(OutboundMessage.status == "queued", OutboundMessage.next_attempt_at <= now),
        and_(OutboundMessage.status == "sending", OutboundMessage.claimed_until < now),
    )


def claim_due(
    session: Session,
    worker_id: str,
    *,
    limit: int,
    lease_seconds: float,
    channels: tuple[str, ...] | None = None,
) -> list[OutboundMessage]:
    """Claim up to ``limit`` due rows for ``worker_id``. The caller commits right after."""
    now = utcnow()
    stmt = select(OutboundMessage).where(_due_clause(now))
    if channels is not None:
        stmt = stmt.where(OutboundMessage.channel.in_(channels))
    stmt = stmt.order_by(OutboundMessage.priority, OutboundMessage.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    until = now + timedelta(seconds=lease_seconds)
    for row in rows:
        row.status = "sending"
        row.claimed_by = worker_id
        row.claimed_until = until
        row.attempts += 1
    session.flush()
    return rows


def opted_out(session: Session, channel: str, recipient: str) -> bool:
    conv = session.scalars(
        select(Conversation).where(Conversation.channel == channel, Conversation.address == recipient)
    ).first()
    return bool(conv and conv.opted_out)


def _owned(session: Session, row_id: int, worker_id: str) -> OutboundMessage | None:
    """The row, if this worker still holds its claim (a lease that ran out may have been retaken)."""
    row = session.get(OutboundMessage, row_id, with_for_update=session.get_bind().dialect.name == "postgresql")
    if row is None or row.status != "sending" or row.claimed_by != worker_id:
        return None
    return row


def mark_sent(session: Session, row_id: int, worker_id: str, provider_id: str | None) -> bool:
    row = _owned(session, row_id, worker_id)
    if row is None:
        return False
    row.status = "sent"
    row.provider_id = provider_id
    row.sent_at = utcnow()
    row.claimed_until = None
    row.last_error = None
    return True


def mark_retry(session: Session, row_id: int, worker_id: str, error: str, *, delay_seconds: float,
               max_attempts: int) -> str:
    """Back off and retry, or move to the dead-letter state after ``max_attempts``."""
    row = _owned(session, row_id, worker_id)
    if row is None:
        return "lost-claim"
    row.last_error = error[:500]
    row.claimed_until = None
    if row.attempts >= max_attempts:
        row.status = "dead"
    else:
        row.status = "queued"
        row.next_attempt_at = utcnow() + timedelta(seconds=delay_seconds)
    return row.status


def release(session: Session, row_id: int, worker_id: str, *, delay_seconds: float) -> None:
    """Give a claimed row back without counting an attempt (e.g. a provider rate limit)."""
    row = _owned(session, row_id, worker_id)
    if row is None:
        return
    row.status = "queued"
    row.attempts = max(0, row.attempts - 1)
    row.claimed_until = None
    row.next_attempt_at = utcnow() + timedelta(seconds=delay_seconds)


def mark_failed(session: Session, row_id: int, worker_id: str, error: str, *, status: str = "failed") -> None:
    """A permanent failure (e.g. the recipient opted out): never retried."""
    row = _owned(session, row_id, worker_id)
    if row is None:
        return
    row.status = status
    row.last_error = error[:500]
    row.claimed_until = None


def retry_dead(session: Session, row_id: int) -> bool:
    """An operator sends a dead-lettered message again."""
    row = session.get(OutboundMessage, row_id)
    if row is None or row.status not in ("dead", "failed"):
        return False
    row.status = "queued"
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.last_error = None
    return True


def record_delivery_status(session: Session, provider_id: str, status: str, error: str | None = None) -> bool:
    """Provider delivery callbacks (Twilio MessageStatus) update the row by its provider id."""
    row = session.scalars(select(OutboundMessage).where(OutboundMessage.provider_id == provider_id)).first()
    if row is None:
        return False
    if status == "delivered":
        row.status = "delivered"
        row.delivered_at = utcnow()
    elif status in ("failed", "undelivered"):
        row.status = "failed"
        row.last_error = (error or status)[:500]
    return True


def mark_recipient_opted_out(session: Session, recipient: str) -> None:
    """The provider says this number unsubscribed (Twilio 21610): stop writing to it."""
    for conv in session.scalars(select(Conversation).where(Conversation.address == recipient)):
        if not conv.opted_out:
            conv.opted_out = True
            conv.opted_out_at = utcnow()
