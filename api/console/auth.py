"""Login and logout.

Five failed attempts lock the account for 15 minutes; while locked even the right password is
refused. The refusal reads the same whether the username exists, the password is wrong or the
account is locked, and an unknown username still costs one argon2 verification, so neither the
words nor the timing tell who has an account. Every attempt is an audit event.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select, update

from api.console.security import (
    ConsoleSession,
    ViewerForm,
    check_csrf,
    clear_session,
    render,
    safe_next,
    write_session,
)
from api.deps import SessionDep
from bot.auth import hash_password, verify_password
from db.base import utcnow
from db.models import AuditEvent, User

router = APIRouter()

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
LOGIN_FAILED = ("No se pudo iniciar sesión. Revise el usuario y la contraseña. Después de 5 intentos "
                "fallidos la cuenta queda bloqueada 15 minutos.")
# Verified against when the username is unknown, so that the answer takes as long.
_DUMMY_HASH = hash_password("not-a-real-password-0000")


@router.get("/login")
def login_page(request: Request, next: str | None = None, salida: str | None = None) -> Response:
    return render(request, "console/login.html", {"next": safe_next(next), "error": None, "username": "",
                                                  "notice": "Sesión cerrada." if salida else None})


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    db: SessionDep,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/console",
) -> Response:
    username = username.strip()
    now = utcnow()
    user = db.scalars(select(User).where(User.username == username)).first() if username else None
    reason: str | None = None
    if user is None:
        verify_password(_DUMMY_HASH, password)
        reason = "unknown_user"
    elif user.locked_until is not None and user.locked_until > now:
        reason = "locked"
    elif not verify_password(user.password_hash, password):
        reason = "bad_password"
        # One atomic UPDATE: concurrent failures are all counted.
        db.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1))
        db.refresh(user)
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            db.add(AuditEvent(actor="system", action="user_locked", subject_type="user", subject_id=str(user.id),
                              details={"until": user.locked_until.isoformat()}))
    elif not user.active:
        reason = "inactive"
    if reason is not None:
        db.add(AuditEvent(actor=f"login:{username[:100]}", action="login_failed", subject_type="user",
                          subject_id=str(user.id) if user else None, details={"reason": reason}))
        db.commit()
        return render(request, "console/login.html",
                      {"next": safe_next(next), "error": LOGIN_FAILED, "username": username}, status_code=401)
    assert user is not None
    user.failed_logins = 0
    user.locked_until = None
    db.add(AuditEvent(actor=f"user:{user.username}", action="login", subject_type="user", subject_id=str(user.id),
                      details={"role": user.role}))
    db.commit()
    # A new session id and CSRF token at every login: a session planted before login is worthless.
    fresh = ConsoleSession.fresh(user_id=user.id, login_at=time.time())
    request.state.console_session = fresh
    return write_session(request, RedirectResponse(safe_next(next), status_code=303), fresh)


@router.post("/logout")
def logout(operator: ViewerForm, db: SessionDep) -> Response:
    db.add(AuditEvent(actor=operator.actor, action="logout", subject_type="user", subject_id=str(operator.user.id),
                      details={}))
    db.commit()
    response = RedirectResponse("/console/login?salida=1", status_code=303)
    return clear_session(response)

