"""Canned replies and internal case notes (bot/cases/replies.py holds their rules)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import CannedReply, CaseNote


def canned_replies(session: Session) -> list[CannedReply]:
    """Every canned reply, by title."""
    return list(session.scalars(select(CannedReply).order_by(CannedReply.title)))


def canned_by_title(session: Session, title: str) -> CannedReply | None:
    return session.scalars(select(CannedReply).where(CannedReply.title == title)).first()


def get_canned(session: Session, reply_id: int) -> CannedReply | None:
    return session.get(CannedReply, reply_id)


def add_canned(session: Session, *, title: str, body: str, updated_by: str) -> CannedReply:
    reply = CannedReply(title=title, body=body, updated_by=updated_by, updated_at=utcnow())
    session.add(reply)
    return reply


def delete_canned(session: Session, reply: CannedReply) -> None:
    session.delete(reply)


def add_note(session: Session, case_id: int, *, author: str, text: str) -> CaseNote:
    """Store a note (with its id)."""
    note = CaseNote(case_id=case_id, author=author, text=text, created_at=utcnow())
    session.add(note)
    session.flush()
    return note


def notes_of(session: Session, case_id: int) -> list[CaseNote]:
    """The case's notes, oldest first."""
    return list(session.scalars(select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id)))
