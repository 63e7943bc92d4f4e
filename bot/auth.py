"""API tokens, operator accounts and their lifecycle.

Tokens are 32 random bytes (urlsafe); only their SHA-256 is stored: a high-entropy secret needs no
slow hash, and a lookup by hash is a single indexed query. Each token belongs to a person (a console
user) or to a named integration, may expire, and carries one role; ``reporter`` may only add status
reports. Passwords are hashed with argon2 and must pass ``bot.passwords``.

Four eyes compare PEOPLE (``principal_of``): every token of one user is that user, every token of
one integration is that integration, and a console user is the same person as their tokens.

Resetting a password or deactivating an account ends its console sessions at once
(``bot.console_sessions``); a deactivated user's tokens stop working too.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import phonenumbers
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from bot import console_sessions, second_factor
from bot.passwords import check_password
from db.base import utcnow
from db.models import ROLES, TOKEN_ROLES, ApiToken, User
from db.repositories import accounts, audit, tokens

# The ranked roles; ``reporter`` is below all of them (it reaches only the routes that name it).
ROLE_RANK = {"reporter": -1, "viewer": 0, "operator": 1, "admin": 2}
TOKEN_PREFIX = "hl_"
LAST_USED_RESOLUTION = timedelta(minutes=1)  # how exactly a token's last_used_at is kept
MAX_EXPIRY_DAYS = 3650
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A refused account or token action, with the reason (English, for the command line and API)."""


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def find_user(session: Session, username: str) -> User | None:
    username = username.strip()
    return accounts.user_by_username(session, username) if username else None


def create_token(
    session: Session,
    name: str,
    role: str,
    *,
    actor: str = "cli",
    user: User | None = None,
    integration: str | None = None,
    expires_days: float | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user`` or, without one, for the integration ``integration`` (default: the
    token's name). Returns the row and the secret (shown once, never stored)."""
    if role not in TOKEN_ROLES:
        raise AccountError(f"role must be one of {', '.join(TOKEN_ROLES)}")
    if not name.strip():
        raise AccountError("a token needs a name")
    if user is not None:
        if not user.active:
            raise AccountError(f"the user {user.username!r} is deactivated")
        if role != "reporter" and ROLE_RANK[role] > ROLE_RANK[user.role]:
            raise AccountError(f"a token of {user.username!r} cannot have more than their role ({user.role})")
        integration = None
    else:
        integration = (integration or name).strip()[:100]
    expires_at = None
    if expires_days is not None:
        if not 0 < expires_days <= MAX_EXPIRY_DAYS:
            raise AccountError(f"--expires-days must be between 0 and {MAX_EXPIRY_DAYS}")
        expires_at = utcnow() + timedelta(days=expires_days)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = tokens.add_token(session, name=name.strip(), role=role, token_hash=hash_token(secret),
                             prefix=secret[:8], user_id=user.id if user is not None else None,
                             integration=integration, expires_at=expires_at)
    audit.record(session, actor=actor, action="token_created", subject_type="token", subject_id=token.id,
                 details={"name": token.name, "role": role, "owner": principal_of(token),
                          "expires_at": expires_at.isoformat() if expires_at else None})
    return token, secret


def authenticate_token(session: Session, secret: str) -> ApiToken | None:
    """The token for ``secret`` if it is usable: not revoked, not expired, its user still active."""
    if len(secret) > 200:
        return None
    # One round trip: the token and, for a person's token, whether its user is still active.
    row = tokens.by_hash_with_owner_active(session, hash_token(secret))
    now = utcnow()
    if row is None:
        return None
    token, owner_active = row
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.user_id is not None and not owner_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # To the minute: writing it on every request would add a statement to every read (and a
        # row lock that requests of one token would queue on).
        token.last_used_at = now
    return token


def principal_of(token: ApiToken) -> str:
    """The person behind a token, for four eyes: its user, or its integration."""
    if token.user_id is not None:
        return f"user:{token.user_id}"
    return f"integration:{(token.integration or token.name).strip().casefold()}"


def user_principal(user: User) -> str:
    return f"user:{user.id}"


# --- passwords and accounts -----------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_phone(phone: str) -> str:
    """An operator's phone in E.164 (``+<country><number>``), or AccountError."""
    phone = phone.strip()
    if not phone.startswith("+"):
        raise AccountError("the phone must be in international format, starting with + and the country code")
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException as exc:
        raise AccountError(f"the phone {phone!r} is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise AccountError(f"the phone {phone!r} is not a valid number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def create_user(session: Session, username: str, role: str, password: str, *, actor: str = "cli",
                phone: str | None = None) -> User:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    username = username.strip()
    if not username:
        raise AccountError("a user needs a username")
    if len(username) > 100 or any(c.isspace() or ord(c) < 32 for c in username):
        raise AccountError("a username has at most 100 characters and no spaces")
    check_password(password, username=username)
    e164 = normalise_phone(phone) if phone else None
    if find_user(session, username) is not None:
        raise AccountError(f"the username {username!r} is taken")
    user = accounts.add_user(session, username=username, role=role, password_hash=hash_password(password),
                             phone=e164, password_changed_at=utcnow())
    audit.record(session, actor=actor, action="user_created", subject_type="user", subject_id=user.id,
                 details={"username": username, "role": role, "phone": bool(e164)})
    return user


def set_password(session: Session, user: User, password: str, *, actor: str, reason: str = "password_reset",
                 clear_second_factor: bool = False) -> int:
    """A new password (checked by the policy); every console session of the user ends at once.
    Returns how many sessions ended."""
    check_password(password, username=user.username)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    if clear_second_factor and user.totp_secret is not None:
        second_factor.clear(session, user, actor=actor)
    ended = console_sessions.end_all(session, user.id, reason=reason)
    audit.record(session, actor=actor, action=reason, subject_type="user", subject_id=user.id,
                 details={"sessions_ended": ended, "second_factor_cleared": clear_second_factor})
    return ended


def random_password() -> str:
    """A password for an administrator to hand over once (16 random characters)."""
    return secrets.token_urlsafe(12)


def deactivate_user(session: Session, user: User, *, actor: str) -> int:
    """The account can no longer log in; its sessions end at once and its tokens stop working."""
    user.active = False
    ended = console_sessions.end_all(session, user.id, reason="deactivated")
    audit.record(session, actor=actor, action="user_deactivated", subject_type="user", subject_id=user.id,
                 details={"sessions_ended": ended})
    return ended


def end_sessions(session: Session, user: User, *, actor: str) -> int:
    """An administrator ends every console session of ``user`` now (they must log in again):
    audited ``sessions_ended`` with how many. The console's users page and the command line."""
    ended = console_sessions.end_all(session, user.id, reason="ended_by_admin")
    audit.record(session, actor=actor, action="sessions_ended", subject_type="user", subject_id=user.id,
                 details={"sessions_ended": ended})
    return ended


def reactivate_user(session: Session, user: User, *, actor: str) -> None:
    user.active = True
    audit.record(session, actor=actor, action="user_reactivated", subject_type="user", subject_id=user.id,
                 details={})
