"""The second factor's one-time recovery codes (table ``recovery_codes``), stored as SHA-256.
Making, hashing and checking codes is ``bot.second_factor``; this module only stores and finds
the hashes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.models import RecoveryCode


def replace_codes(session: Session, user_id: int, code_hashes: Iterable[str]) -> None:
    """The user's codes become exactly ``code_hashes`` (all unused); the old ones are deleted."""
    delete_codes(session, user_id)
    session.add_all([RecoveryCode(user_id=user_id, code_hash=h) for h in code_hashes])
    session.flush()


def delete_codes(session: Session, user_id: int) -> None:
    """Delete every recovery code of the user, used or not."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


def unused_code(session: Session, user_id: int, code_hash: str) -> RecoveryCode | None:
    """The user's code with this hash if it was not used yet, or None."""
    return session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.code_hash == code_hash,
        RecoveryCode.used_at.is_(None))).first()


def count_unused(session: Session, user_id: int) -> int:
    """How many of the user's codes are still unused."""
    return int(session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0)
