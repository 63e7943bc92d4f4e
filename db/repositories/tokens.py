"""API tokens: adding, finding by hash, listing and revocation (the rules of a new token and its
secret are ``bot.auth.create_token``; whether a token is usable is ``bot.auth.authenticate_token``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import ApiToken, User
from db.repositories import audit


def add_token(session: Session, *, name: str, role: str, token_hash: str, prefix: str, user_id: int | None,
              integration: str | None, expires_at: datetime | None) -> ApiToken:
    """Add a token and flush, so that its id is known (for the audit event)."""
    token = ApiToken(name=name, role=role, token_hash=token_hash, prefix=prefix, user_id=user_id,
                     integration=integration, expires_at=expires_at)
    session.add(token)
    session.flush()
    return token


def by_hash_with_owner_active(session: Session, token_hash: str) -> tuple[ApiToken, bool | None] | None:
    """The token with this hash and, for a person's token, whether its user is active (None for an
    integration's token); None when no token has this hash. One round trip."""
    row = session.execute(
        select(ApiToken, User.active).outerjoin(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    token, owner_active = row
    return token, owner_active


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def get_token(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def revoke_token(session: Session, token: ApiToken, *, actor: str) -> bool:
    """Revoke ``token`` at once (its next request gets a 401). Idempotent: returns False and
    writes nothing when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(session, actor=actor, action="token_revoked", subject_type="token", subject_id=token.id,
                 details={"name": token.name, "role": token.role})
    session.flush()
    return True
