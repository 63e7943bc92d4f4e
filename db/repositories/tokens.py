"""API tokens: listing and revocation (creation is ``bot.auth.create_token``: it makes the secret)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import ApiToken, AuditEvent


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
    session.add(AuditEvent(actor=actor, action="token_revoked", subject_type="token",
                           subject_id=str(token.id), details={"name": token.name, "role": token.role}))
    session.flush()
    return True
