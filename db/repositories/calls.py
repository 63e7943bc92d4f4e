"""Calls placed from the console (``CaseCall``): their rows, and the operator's phone (bot/cases/calls.py
holds the rules and speaks to Twilio)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import CaseCall, User


def add_call(session: Session, *, case_id: int, user_id: int | None, placed_by: str,
             operator_phone: str) -> CaseCall:
    """Store a call being placed (with its id, which Twilio's callbacks name)."""
    call = CaseCall(case_id=case_id, user_id=user_id, placed_by=placed_by, operator_phone=operator_phone,
                    operator_status="placing", created_at=utcnow())
    session.add(call)
    session.flush()
    return call


def calls_of(session: Session, case_id: int) -> list[CaseCall]:
    """The case's calls, newest first."""
    return list(session.scalars(select(CaseCall).where(CaseCall.case_id == case_id).order_by(CaseCall.id.desc())))


def get_call(session: Session, call_id: int, *, lock: bool = False) -> CaseCall | None:
    return session.get(CaseCall, call_id, with_for_update=lock)


def user_phone(session: Session, user_id: int) -> str | None:
    """The phone on a console user's account (where they take calls), if any."""
    user = session.get(User, user_id)
    return user.phone if user is not None else None
