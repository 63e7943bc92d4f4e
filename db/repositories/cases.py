"""Queries about cases (escalations) and the operator's reply to a relative.

An operator's reply is written to the durable outbox in the caller's transaction; the outbox
worker sends it. Nothing is sent from here.
"""

from __future__ import annotations

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import CASE_PRIORITIES, AuditEvent, Case, Conversation, OutboundMessage, User
from db.repositories.outbox import PRIORITY_REPLY, enqueue

# Urgent first (death notifications), then high, then normal.
_PRIORITY_RANK = sql_case(
    {p: i for i, p in enumerate(reversed(CASE_PRIORITIES))}, value=Case.priority, else_=len(CASE_PRIORITIES)
)


class ReplyRefused(Exception):
    """The case cannot take a reply; the message says why (shown to the operator)."""


def get_case(session: Session, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def list_cases(
    session: Session,
    *,
    status: str | None = None,
    priority: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Case], int]:
    """A page of cases in queue order (urgent first, then oldest) and the total count."""
    conditions = []
    if status is not None:
        conditions.append(Case.status == status)
    if priority is not None:
        conditions.append(Case.priority == priority)
    total = session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0
    rows = session.scalars(
        select(Case)
        .where(*conditions)
        .order_by(_PRIORITY_RANK, Case.created_at, Case.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def latest_reference(session: Session, conversation_id: int) -> str | None:
    """The reference of this conversation's newest case, an open one first (what a WhatsApp
    template names, bot/whatsapp_window.py)."""
    return session.scalar(
        select(Case.reference).where(Case.conversation_id == conversation_id)
        .order_by(sql_case((Case.status == "resolved", 1), else_=0), Case.id.desc()).limit(1)
    )


def assignee_names(session: Session, cases: list[Case]) -> dict[int, str]:
    ids = {c.assignee_id for c in cases if c.assignee_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).tuples().all())


def queue_operator_reply(session: Session, case: Case, text: str, *, actor: str) -> OutboundMessage:
    """Queue ``text`` to the relative of ``case`` on their own channel, and audit it verbatim."""
    if case.status == "resolved":
        raise ReplyRefused("the case is resolved")
    conversation = session.get(Conversation, case.conversation_id) if case.conversation_id else None
    if conversation is None:
        raise ReplyRefused("the case has no conversation to reply to")
    if conversation.opted_out:
        raise ReplyRefused("the relative has opted out of messages")
    if conversation.channel == "voice":
        # A call cannot carry a written reply (the outbox has no sender for it): the team calls back.
        raise ReplyRefused("the relative called the voice line: call them back on their number")
    if case.reason == "death_notification" and case.death_notified_at is None:
        # A death is told by a trained person on the phone, never first in a text message.
        raise ReplyRefused(
            "this is a death notification case: a trained person must call the family and record the "
            "death notification before any written reply"
        )
    message = enqueue(
        session,
        channel=conversation.channel,
        recipient=conversation.address,
        text=text,
        kind="operator",
        priority=PRIORITY_REPLY,
        conversation_id=conversation.id,
    )
    case.last_contact_at = utcnow()
    session.add(
        AuditEvent(
            actor=actor,
            action="operator_reply",
            subject_type="case",
            subject_id=str(case.id),
            details={"text": text, "outbound_id": message.id, "channel": conversation.channel},
        )
    )
    session.flush()
    return message
