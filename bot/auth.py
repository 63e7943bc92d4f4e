"""API tokens and operator passwords.

Tokens are 32 random bytes (urlsafe); only their SHA-256 is stored: a high-entropy secret needs no
slow hash, and a lookup by hash is a single indexed query. Passwords are hashed with argon2.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import ROLES, ApiToken, AuditEvent, User

ROLE_RANK = {"viewer": 0, "operator": 1, "admin": 2}
TOKEN_PREFIX = "hl_"
_hasher = PasswordHasher()


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, name: str, role: str, *, actor: str = "cli") -> tuple[ApiToken, str]:
    """Create a token; returns the row and the secret (shown once, never stored)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise ValueError("a token needs a name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name.strip(), role=role, token_hash=hash_token(secret), prefix=secret[:8])
    session.add(token)
    session.flush()
    session.add(AuditEvent(actor=actor, action="token_created", subject_type="token",
                           subject_id=str(token.id), details={"name": token.name, "role": role}))
    return token, secret


def authenticate_token(session: Session, secret: str) -> ApiToken | None:
    token = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(secret))).first()
    if token is None or token.revoked_at is not None:
        return None
    token.last_used_at = utcnow()
    return token


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(session: Session, username: str, role: str, password: str, *, actor: str = "cli") -> User:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    username = username.strip()
    if not username:
        raise ValueError("a user needs a username")
    if len(password) < 10:
        raise ValueError("the password must have at least 10 characters")
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise ValueError(f"the username {username!r} is taken")
    user = User(username=username, role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    session.add(AuditEvent(actor=actor, action="user_created", subject_type="user",
                           subject_id=str(user.id), details={"username": username, "role": role}))
    return user
