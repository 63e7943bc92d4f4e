"""Operator accounts for the demo: so that right after ``hotline demo`` someone can log in to the
console and work a shift. Created only when the database has no account at all; passwords are
random and shown once on the terminal (never a fixed password that could reach production)."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from bot.auth import create_user
from db.repositories import accounts

DEMO_ACCOUNTS = (("supervisora", "admin"), ("operador1", "operator"), ("operador2", "operator"))


def ensure_demo_accounts(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo accounts if there are no accounts; returns (username, role, password)."""
    if accounts.any_user(session):
        return []
    created = []
    for username, role in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        create_user(session, username, role, password, actor="demo")
        created.append((username, role, password))
    return created
