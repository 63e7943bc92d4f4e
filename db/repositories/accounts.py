"""Operator accounts (table ``users``): finding and adding them. The rules of an account (roles,
usernames, passwords, phones) and its lifecycle are ``bot.auth``; this module only reads and writes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import User


def get_user(session: Session, user_id: int) -> User | None:
    """The account with this id, or None."""
    return session.get(User, user_id)


def user_by_username(session: Session, username: str) -> User | None:
    """The account with exactly this username (the caller normalises it), or None."""
    return session.scalars(select(User).where(User.username == username)).first()


def any_user(session: Session) -> bool:
    """Whether the database holds at least one account (active or not)."""
    return session.scalars(select(User.id).limit(1)).first() is not None


def add_user(session: Session, *, username: str, role: str, password_hash: str, phone: str | None,
             password_changed_at: datetime) -> User:
    """Add an account and flush, so that its id is known (for the audit event)."""
    user = User(username=username, role=role, password_hash=password_hash, phone=phone,
                password_changed_at=password_changed_at)
    session.add(user)
    session.flush()
    return user
