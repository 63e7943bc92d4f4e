"""Login (password, then the second factor's code) and logout.

The password step is bot.login: growing delays per account name and per client address instead of
a lock (429 "espere N segundos" while a delay runs), the same work for known and unknown names, and
one refusal for every reason. A user with a second factor then gives a code from their
authenticator app, or a recovery code (page ``/console/login/code``); where the second factor is
required (production) a user without one must enrol before anything else. Every attempt is an
audit event. Each step starts a NEW server-side session (bot.console_sessions).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.console.security import (
    ENROL_PATH,
    check_csrf,
    clear_session,
    new_session,
    render,
    safe_next,
    server_session,
    session_of,
    write_session,
)
from api.deps import SessionDep, SettingsDep
from bot import console_sessions, second_factor
from bot import login as login_service
from db.models import User
from db.repositories import accounts, audit

router = APIRouter()

LOGIN_FAILED = "No se pudo iniciar sesión. Revise el usuario y la contraseña."
CODE_FAILED = "El código no es válido. Escriba el código de 6 cifras que muestra ahora su aplicación, o un código de recuperación."
MAX_CODE_FAILURES = 5


def _throttled(seconds: int) -> str:
    return (f"Demasiados intentos fallidos. Espere {seconds} segundos y vuelva a intentarlo. "
            "Cada acceso queda registrado.")


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/login")
def login_page(request: Request, next: str | None = None, salida: str | None = None) -> Response:
    return render(request, "console/login.html", {"next": safe_next(next), "error": None, "username": "",
                                                  "notice": "Sesión cerrada." if salida else None})


def _start(request: Request, db: SessionDep, settings: SettingsDep, user: User, stage: str, target: str) -> Response:
    previous = server_session(request, db, console_sessions.STAGES)
    if previous is not None:  # logging in again in the same browser: the old session ends
        console_sessions.end(previous, "replaced")
    started = console_sessions.start(db, user.id, stage, settings)
    db.commit()
    # A new session id at every step: a session planted before login is worthless.
    fresh = new_session(request, started.sid, started.row)
    return write_session(request, RedirectResponse(target, status_code=303), fresh)


def _logged_in(db: SessionDep, user: User, how: str) -> None:
    audit.record(db, actor=f"user:{user.username}", action="login", subject_type="user", subject_id=user.id,
                 details={"role": user.role, "second_factor": how})


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/console",
) -> Response:
    username = username.strip()
    result = login_service.check_password_login(db, username, password, _address(request))
    db.commit()
    context = {"next": safe_next(next), "username": username}
    if result.outcome == "throttled":
        response = render(request, "console/login.html", {**context, "error": _throttled(result.retry_after)},
                          status_code=429)
        response.headers["Retry-After"] = str(result.retry_after)
        return response
    if result.outcome != "ok" or result.user is None:
        return render(request, "console/login.html", {**context, "error": LOGIN_FAILED}, status_code=401)
    user = result.user
    if user.totp_secret is not None:
        return _start(request, db, settings, user, "second_factor",
                      "/console/login/code?next=" + quote(safe_next(next), safe=""))
    if settings.second_factor_required:
        audit.record(db, actor=f"user:{user.username}", action="login_needs_enrolment", subject_type="user",
                     subject_id=user.id, details={})
        return _start(request, db, settings, user, "enrol", ENROL_PATH)
    _logged_in(db, user, "none")
    return _start(request, db, settings, user, "full", safe_next(next))


@router.get("/login/code")
def code_page(request: Request, db: SessionDep, next: str | None = None) -> Response:
    if server_session(request, db, ("second_factor",)) is None:
        return RedirectResponse("/console/login", status_code=303)
    return render(request, "console/login_code.html", {"next": safe_next(next), "error": None})


@router.post("/login/code", dependencies=[Depends(check_csrf)])
def code(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/console",
) -> Response:
    row = server_session(request, db, ("second_factor",))
    user = accounts.get_user(db, row.user_id) if row is not None else None
    if row is None or user is None or not user.active:
        return RedirectResponse("/console/login", status_code=303)
    address = _address(request)
    wait = login_service.wait_seconds(db, user.username, address)
    context = {"next": safe_next(next)}
    if wait > 0:
        response = render(request, "console/login_code.html", {**context, "error": _throttled(wait)},
                          status_code=429)
        response.headers["Retry-After"] = str(wait)
        return response
    how = second_factor.verify_code(db, user, code)
    if how is None:
        login_service.record_failure(db, user.username, address)
        row.failed_codes += 1
        audit.record(db, actor=f"login:{user.username}", action="login_failed", subject_type="user",
                     subject_id=user.id, details={"reason": "bad_code"})
        if row.failed_codes >= MAX_CODE_FAILURES:
            console_sessions.end(row, "too_many_codes")
            db.commit()
            return RedirectResponse("/console/login", status_code=303)
        db.commit()
        return render(request, "console/login_code.html", {**context, "error": CODE_FAILED}, status_code=401)
    console_sessions.end(row, "second_factor_ok")
    login_service.clear_account(db, user.username)
    _logged_in(db, user, how)
    return _start(request, db, settings, user, "full", safe_next(next))


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request, db: SessionDep) -> Response:
    """Ends the server-side session: the cookie, and every copy of it, opens nothing after this."""
    row = server_session(request, db, console_sessions.STAGES)
    if row is not None:
        user = accounts.get_user(db, row.user_id)
        console_sessions.end(row, "logout")
        audit.record(db, actor=f"user:{user.username}" if user else "system", action="logout", subject_type="user",
                     subject_id=row.user_id, details={})
        db.commit()
    session_of(request).dirty = False
    return clear_session(RedirectResponse("/console/login?salida=1", status_code=303))
