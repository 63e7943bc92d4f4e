"""The audit trail: append-only events (who did or learned what, when) and their listing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import AuditEvent


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str | None = None,
    subject_id: object | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        details=details or {},
    )
    session.add(event)
    return event


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str | None = None,
    subject_id: object | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Write one event at once, as a single INSERT in the caller's transaction (no unit of work, no id
    read back): what a read pays for its audit trail, on the API's busiest routes. It is durable
    when the caller commits, as any other write of the transaction."""
    session.connection().execute(_APPEND, {
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": None if subject_id is None else str(subject_id),
        "details": details or {},
    })


_APPEND = insert(AuditEvent)


def list_events(
    session: Session,
    *,
    action: str | None = None,
    actor: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditEvent], int]:
    """A page of events, newest first, and the total count."""
    conditions = []
    if action is not None:
        conditions.append(AuditEvent.action == action)
    if actor is not None:
        conditions.append(AuditEvent.actor == actor)
    if subject_type is not None:
        conditions.append(AuditEvent.subject_type == subject_type)
    if subject_id is not None:
        conditions.append(AuditEvent.subject_id == subject_id)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    rows = session.scalars(
        select(AuditEvent).where(*conditions).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total
