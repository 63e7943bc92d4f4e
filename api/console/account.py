"""The user's own account (``/console/account``): the second factor and the password.

Enrolment: the page shows a new TOTP secret as a QR code, as the ``otpauth://`` URI and as text;
the secret is kept on the server-side session until the first code from the app proves it was
added, then stored on the user with ten one-time recovery codes shown once. Where the second factor
is required (production), a user who logged in without one reaches only this page (stage
``enrol``) until they have enrolled. Changing the password ends every other session of the user.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.console.security import (
    Operator,
    ViewerForm,
    check_csrf,
    current_user,
    new_session,
    render,
    server_session,
    session_of,
    write_session,
)
from api.deps import SessionDep, SettingsDep
from bot import console_sessions, second_factor
from bot.auth import set_password, verify_password
from bot.passwords import PasswordRejected
from common.settings import Settings
from db.models import OperatorSession, User
from db.repositories import accounts, audit

router = APIRouter()

NOTICES = {"contrasena": "Contraseña cambiada. Sus otras sesiones se cerraron."}


def _enrolling(request: Request, db: Session) -> tuple[OperatorSession, User] | None:
    """The session and user of someone who may enrol: logged in, or past the password where a
    second factor is required."""
    row = server_session(request, db, ("enrol", "full"))
    user = accounts.get_user(db, row.user_id) if row is not None else None
    if row is None or user is None or not user.active:
        return None
    if row.stage == "full":  # the page's header shows who is logged in (not during an enrolment at login)
        request.state.console_operator = Operator(user=user, session=session_of(request))
    return row, user


def _enrol_page(request: Request, db: Session, row: OperatorSession, user: User, *, error: str | None = None,
                status_code: int = 200) -> Response:
    if row.pending_totp_secret is None:
        row.pending_totp_secret = second_factor.new_secret()
        db.commit()
    uri = second_factor.provisioning_uri(row.pending_totp_secret, user.username)
    return render(request, "console/second_factor.html", {
        "secret": row.pending_totp_secret, "uri": uri, "qr": second_factor.qr_svg(uri), "error": error,
        "required": row.stage == "enrol", "username": user.username}, status_code=status_code)


@router.get("/account")
def account(request: Request, me: Annotated[Operator, Depends(current_user)], db: SessionDep,
            hecho: str | None = None) -> Response:
    return render(request, "console/account.html", {
        "enrolled": me.user.totp_secret is not None,
        "codes_left": second_factor.remaining_recovery_codes(db, me.user),
        "notice": NOTICES.get(hecho or ""),
    })


@router.get("/account/second-factor")
def enrol_page(request: Request, db: SessionDep) -> Response:
    found = _enrolling(request, db)
    if found is None:
        return RedirectResponse("/console/login", status_code=303)
    row, user = found
    if user.totp_secret is not None:
        return RedirectResponse("/console/account", status_code=303)
    return _enrol_page(request, db, row, user)


@router.post("/account/second-factor", dependencies=[Depends(check_csrf)])
def enrol(request: Request, db: SessionDep, settings: SettingsDep,
          code: Annotated[str, Form(max_length=100)] = "") -> Response:
    found = _enrolling(request, db)
    if found is None:
        return RedirectResponse("/console/login", status_code=303)
    row, user = found
    if user.totp_secret is not None or row.pending_totp_secret is None:
        return RedirectResponse("/console/account", status_code=303)
    codes = second_factor.confirm_enrolment(db, user, row.pending_totp_secret, code, actor=f"user:{user.username}")
    if codes is None:
        return _enrol_page(request, db, row, user, status_code=422,
                           error="El código no coincide. Escriba el código de 6 cifras que muestra ahora la aplicación.")
    stage_was = row.stage
    row.pending_totp_secret = None
    context: dict[str, object] = {"codes": codes, "username": user.username}
    if stage_was == "enrol":
        # Past the password and now the second factor: a new, full session.
        console_sessions.end(row, "enrolled")
        audit.record(db, actor=f"user:{user.username}", action="login", subject_type="user", subject_id=user.id,
                     details={"role": user.role, "second_factor": "enrolled"})
        return _full_session(request, db, settings, user, "console/recovery_codes.html", context)
    db.commit()
    return render(request, "console/recovery_codes.html", context)


def _full_session(request: Request, db: Session, settings: Settings, user: User, template: str,
                  context: dict[str, object]) -> Response:
    started = console_sessions.start(db, user.id, "full", settings)
    db.commit()
    fresh = new_session(request, started.sid, started.row)
    operator = Operator(user=user, session=fresh)
    request.state.console_operator = operator
    return render(request, template, context, operator=operator)  # sends the new session's cookie


@router.post("/account/recovery-codes")
def regenerate_codes(request: Request, me: ViewerForm, db: SessionDep) -> Response:
    """Ten new recovery codes (the old ones stop working)."""
    if me.user.totp_secret is None:
        return RedirectResponse("/console/account", status_code=303)
    codes = second_factor.new_recovery_codes(db, me.user)
    audit.record(db, actor=me.actor, action="recovery_codes_renewed", subject_type="user", subject_id=me.user_id,
                 details={})
    db.commit()
    return render(request, "console/recovery_codes.html", {"codes": codes, "username": me.username})


@router.post("/account/password")
def change_password(request: Request, me: ViewerForm, db: SessionDep, settings: SettingsDep,
                    current: Annotated[str, Form(max_length=1000)] = "",
                    new: Annotated[str, Form(max_length=1000)] = "",
                    repeat: Annotated[str, Form(max_length=1000)] = "") -> Response:
    error = None
    if not verify_password(me.user.password_hash, current):
        error = "La contraseña actual no es correcta."
    elif new != repeat:
        error = "Las dos contraseñas nuevas no coinciden."
    else:
        try:
            set_password(db, me.user, new, actor=me.actor, reason="password_changed")
        except PasswordRejected as exc:
            error = exc.spanish
    if error is not None:
        db.rollback()
        return render(request, "console/account.html", {
            "enrolled": me.user.totp_secret is not None,
            "codes_left": second_factor.remaining_recovery_codes(db, me.user), "error": error}, status_code=422)
    # Every session ended with the change, this one too: this browser gets a new one.
    started = console_sessions.start(db, me.user_id, "full", settings)
    db.commit()
    fresh = new_session(request, started.sid, started.row)
    return write_session(request, RedirectResponse("/console/account?hecho=contrasena", status_code=303), fresh)
