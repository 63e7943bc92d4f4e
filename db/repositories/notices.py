"""Console notices: what a person finds on the console about a case given to, or taken from, them
(bot/cases/work.py says when)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import ConsoleNotice


def add(session: Session, user_id: int, text: str, case_id: int | None = None) -> ConsoleNotice:
    notice = ConsoleNotice(user_id=user_id, case_id=case_id, text=text, created_at=utcnow())
    session.add(notice)
    return notice


def unread(session: Session, user_id: int, limit: int = 10) -> list[ConsoleNotice]:
    """The user's unread notices, newest first."""
    return list(session.scalars(select(ConsoleNotice).where(ConsoleNotice.user_id == user_id,
                                                            ConsoleNotice.read_at.is_(None))
                                .order_by(ConsoleNotice.id.desc()).limit(limit)))


def mark_read(session: Session, user_id: int, notice_id: int) -> None:
    """Only the user's own notice, and only once."""
    session.execute(update(ConsoleNotice).where(ConsoleNotice.id == notice_id, ConsoleNotice.user_id == user_id,
                                                ConsoleNotice.read_at.is_(None)).values(read_at=utcnow()))
