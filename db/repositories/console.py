"""Read queries of the operator console: the queue, a case's transcript, the dashboard's counts
and the filtered audit log. Writes go through the services (bot.cases, bot.status_review)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from common.vocab import URGENT_FIRST
from db.base import utcnow
from db.models import (
    STATUSES,
    AuditEvent,
    Case,
    Conversation,
    InboundRecord,
    OutboundMessage,
    Person,
    User,
)
from db.repositories.cases import SILENT_SINCE, URGENT_FIRST_SQL
from db.repositories.conversations import pending_backlog


def open_queue(session: Session, limit: int = 200) -> list[Case]:
    """Cases not resolved: urgent first, then the longest without contact first."""
    return list(
        session.scalars(
            select(Case)
            .where(Case.status != "resolved")
            .order_by(URGENT_FIRST_SQL, SILENT_SINCE, Case.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class TranscriptLine:
    at: datetime
    direction: str  # "in" (the relative) or "out" (the bot, an operator, a notification)
    text: str
    kind: str | None = None  # outbound: reply, operator, notification, followup
    status: str | None = None  # outbound: queued, sent, delivered, failed...
    media_kind: str | None = None
    error: str | None = None


def transcript(session: Session, conversation_id: int, limit: int = 500) -> list[TranscriptLine]:
    """Both directions of one conversation in time order (the latest ``limit`` lines)."""
    inbound = session.scalars(
        select(InboundRecord).where(InboundRecord.conversation_id == conversation_id)
        .order_by(InboundRecord.received_at.desc(), InboundRecord.id.desc()).limit(limit)
    )
    outbound = session.scalars(
        select(OutboundMessage).where(OutboundMessage.conversation_id == conversation_id)
        .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc()).limit(limit)
    )
    # A contact shared on Telegram holds the relative's whole number: the page shows that one was
    # shared, and the case's call-back number masked, never the number itself (docs/console.md).
    lines = [TranscriptLine(m.received_at, "in", "" if m.media_kind == "contact" else m.text or "",
                            media_kind=m.media_kind) for m in inbound]
    lines += [
        TranscriptLine(m.created_at, "out", m.text, kind=m.kind, status=m.status, error=m.last_error)
        for m in outbound
    ]
    # Inbound before outbound at the same instant: the reply follows what it answers.
    lines.sort(key=lambda line: (line.at, line.direction != "in"))
    return lines[-limit:]


def case_opened_details(session: Session, case_id: int) -> dict[str, Any]:
    """What the relative had told the bot when it opened the case (kept in the case_opened event)."""
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "case_opened", AuditEvent.subject_type == "case",
               AuditEvent.subject_id == str(case_id))
        .order_by(AuditEvent.id)
        .limit(1)
    ).first()
    if event is None:
        return {}
    details = (event.details or {}).get("details")
    return dict(details) if isinstance(details, dict) else {}


def usernames(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


# --- dashboard ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    persons_by_status: dict[str, int]
    persons_total: int
    open_by_priority: dict[str, int]
    oldest_waiting: Case | None
    hours: list[datetime]  # the last 24 hour buckets, oldest first
    inbound_per_hour: list[int]
    outbound_per_hour: list[int]
    # Messages recorded by the webhooks whose automatic answer has not run yet; a backlog that
    # grows means no turn worker is running (or too few).
    pending_turns: int = 0
    oldest_pending_at: datetime | None = None
    pending_stale: bool = False  # the oldest has waited over a minute


def _per_hour(stamps: list[datetime], hours: list[datetime]) -> list[int]:
    index = {h: i for i, h in enumerate(hours)}
    counts = [0] * len(hours)
    for stamp in stamps:
        i = index.get(stamp.replace(minute=0, second=0, microsecond=0))
        if i is not None:
            counts[i] += 1
    return counts


def dashboard(session: Session, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    by_status = dict(session.execute(
        select(Person.current_status, func.count()).group_by(Person.current_status)).all())
    by_priority = dict(session.execute(
        select(Case.priority, func.count()).where(Case.status != "resolved").group_by(Case.priority)).all())
    oldest = session.scalars(
        select(Case).where(Case.status != "resolved").order_by(SILENT_SINCE, Case.id).limit(1)
    ).first()
    top = now.replace(minute=0, second=0, microsecond=0)
    hours = [top - timedelta(hours=23 - i) for i in range(24)]
    since = hours[0]
    # Only timestamps of one day are read: bucketing in Python keeps one query for both databases.
    inbound = list(session.scalars(select(InboundRecord.received_at).where(InboundRecord.received_at >= since)))
    outbound = list(session.scalars(select(OutboundMessage.created_at).where(OutboundMessage.created_at >= since)))
    pending, oldest_pending = pending_backlog(session)
    return Dashboard(
        persons_by_status={s: int(by_status.get(s, 0)) for s in STATUSES},
        persons_total=int(sum(by_status.values())),
        open_by_priority={p.value: int(by_priority.get(p, 0)) for p in URGENT_FIRST},
        oldest_waiting=oldest,
        hours=hours,
        inbound_per_hour=_per_hour(inbound, hours),
        outbound_per_hour=_per_hour(outbound, hours),
        pending_turns=pending,
        oldest_pending_at=oldest_pending,
        pending_stale=oldest_pending is not None and (now - oldest_pending).total_seconds() > 60,
    )


# --- audit log ---------------------------------------------------------------------------------


def audit_page(
    session: Session,
    *,
    action: str | None = None,
    actor: str | None = None,
    subject: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditEvent], int]:
    """A page of events, newest first, and the total. ``subject`` is "type:id", "type" or an id."""
    conditions: list[Any] = []
    if action:
        conditions.append(AuditEvent.action == action)
    if actor:
        conditions.append(AuditEvent.actor == actor)
    if subject:
        kind, _, ident = subject.partition(":")
        if ident:
            conditions += [AuditEvent.subject_type == kind, AuditEvent.subject_id == ident]
        else:
            conditions.append(or_(AuditEvent.subject_type == kind, AuditEvent.subject_id == kind))
    if since is not None:
        conditions.append(AuditEvent.at >= since)
    if until is not None:
        conditions.append(AuditEvent.at < until)
    total = int(session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0)
    rows = session.scalars(
        select(AuditEvent).where(*conditions).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total


def audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def contacts(session: Session, cases: list[Case]) -> dict[int, str]:
    """case id -> the relative's address (chat id or number), for masking in lists."""
    ids = {c.conversation_id for c in cases if c.conversation_id is not None}
    if not ids:
        return {}
    addresses = dict(session.execute(select(Conversation.id, Conversation.address)
                                     .where(Conversation.id.in_(ids))).all())
    return {c.id: addresses[c.conversation_id] for c in cases if c.conversation_id in addresses}
