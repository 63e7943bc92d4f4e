"""The console's second factor: TOTP (RFC 6238, pyotp) and one-time recovery codes.

Enrolment shows the secret as an ``otpauth://`` URI and as a QR code (segno, drawn here: no
network, no script); the secret is stored on the user only once a first code proves the
authenticator has it. A code is accepted for the current 30-second step or the one before or after
(clock drift), and never twice: the last accepted step is stored. Ten recovery codes are made at
enrolment, shown once, stored as SHA-256 (80 random bits each); each works once.

Like the rest of ``bot/``, these functions work in the caller's transaction and never commit.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import time

import pyotp
import segno
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import User
from db.repositories import audit, recovery_codes

ISSUER = "Línea de información"
RECOVERY_CODES = 10
STEP_SECONDS = 30
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no XML declaration: it goes inside the page)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", border=2, xmldecl=False, svgns=True, omitsize=True,
                                    title="Código QR para la aplicación de autenticación")
    return out.getvalue().decode()


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (now, one before or one after), or None."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = int((now if now is not None else time.time()) // STEP_SECONDS)
    for candidate in (step, step - 1, step + 1):
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def confirm_enrolment(session: Session, user: User, secret: str, code: str, *, actor: str) -> list[str] | None:
    """Enable the second factor if ``code`` proves the authenticator holds ``secret``; returns the new
    recovery codes (to show once), or None when the code is wrong."""
    step = matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = new_recovery_codes(session, user)
    audit.record(session, actor=actor, action="second_factor_enrolled", subject_type="user", subject_id=user.id,
                 details={})
    return codes


def verify_code(session: Session, user: User, code: str) -> str | None:
    """Check a login code: a TOTP code (not used before) or an unused recovery code. Returns what it
    was ("totp" or "recovery") or None."""
    if user.totp_secret is None:
        return None
    step = matching_step(user.totp_secret, code)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return None  # replayed (or older than one already used)
        user.totp_last_step = step
        return "totp"
    return "recovery" if use_recovery_code(session, user, code) else None


def _hash_code(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones; returns them (shown once)."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))  # > 78 bits
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
    recovery_codes.replace_codes(session, user.id, [_hash_code(c) for c in codes])
    return codes


def use_recovery_code(session: Session, user: User, code: str) -> bool:
    if len(_normalise(code)) != 16:
        return False
    row = recovery_codes.unused_code(session, user.id, _hash_code(code))
    if row is None:
        return False
    row.used_at = utcnow()
    audit.record(session, actor=f"user:{user.username}", action="recovery_code_used", subject_type="user",
                 subject_id=user.id, details={})
    return True


def remaining_recovery_codes(session: Session, user: User) -> int:
    return recovery_codes.count_unused(session, user.id)


def clear(session: Session, user: User, *, actor: str) -> None:
    """Remove the second factor (the user enrols again at next login where it is required)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    recovery_codes.delete_codes(session, user.id)
    audit.record(session, actor=actor, action="second_factor_cleared", subject_type="user", subject_id=user.id,
                 details={})
