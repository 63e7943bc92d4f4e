"""Console accounts, for admins (``/console/users``): who has an account, with which role, whether
they enrolled a second factor and have live sessions; and the lifecycle actions, the same as the
``hotline users`` commands: reset a password (a random one, shown once to the admin), deactivate or
reactivate an account, end its sessions. Every action ends the account's sessions at once (except
reactivation) and is an audit event. An admin cannot use them on their own account (their own
password is changed on "Mi cuenta"), so nobody locks themselves out by mistake.

A password reset here leaves the second factor as it is: an admin who resets someone's password
still cannot log in as them (and confirm a death "as a second person") without their phone.
Removing a lost second factor takes ``hotline users reset-password --reset-second-factor``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.console.security import Admin, AdminForm, Operator, render
from api.deps import SessionDep, SettingsDep
from bot import console_sessions
from bot.auth import deactivate_user, random_password, reactivate_user, set_password
from bot.auth import end_sessions as end_user_sessions
from common.settings import Settings
from db.models import User
from db.repositories import accounts
from db.repositories import console as repo

router = APIRouter()

UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOTICES = {
    "desactivada": "Cuenta desactivada: sus sesiones terminaron y sus tokens de API dejaron de funcionar.",
    "reactivada": "Cuenta reactivada.",
    "sesiones": "Sesiones terminadas: la persona debe volver a iniciar sesión.",
}


def _page(request: Request, db: Session, settings: Settings, *, notice: str | None = None,
          error: str | None = None, new_password: tuple[str, str] | None = None, status_code: int = 200) -> Response:
    users = repo.list_users(db)
    return render(request, "console/users.html", {
        "users": users,
        "sessions": {u.id: console_sessions.live_count(db, u.id, settings) for u in users},
        "notice": notice, "error": error, "new_password": new_password,
    }, status_code=status_code)


def _other_user(db: Session, me: Operator, user_id: int) -> User:
    user = accounts.get_user(db, user_id)
    if user is None:
        raise HTTPException(404, detail="la cuenta no existe")
    return user


def _refuse_self(request: Request, db: Session, settings: Settings, me: Operator, user: User) -> Response | None:
    if user.id != me.user_id:
        return None
    return _page(request, db, settings, status_code=409,
                 error="No puede hacerlo con su propia cuenta: use «Mi cuenta» para cambiar su contraseña.")


@router.get("/users")
def users(request: Request, me: Admin, db: SessionDep, settings: SettingsDep, hecho: str | None = None) -> Response:
    return _page(request, db, settings, notice=NOTICES.get(hecho or ""))


@router.post("/users/{user_id}/reset-password")
def reset_password(user_id: UserId, request: Request, me: AdminForm, db: SessionDep,
                   settings: SettingsDep) -> Response:
    user = _other_user(db, me, user_id)
    if (refused := _refuse_self(request, db, settings, me, user)) is not None:
        return refused
    password = random_password()
    set_password(db, user, password, actor=me.actor)
    db.commit()
    # Shown once, on this page only (never in a redirect's URL, never logged).
    return _page(request, db, settings, new_password=(user.username, password),
                 notice=f"Contraseña de {user.username} restablecida; sus sesiones terminaron.")


@router.post("/users/{user_id}/deactivate")
def deactivate(user_id: UserId, request: Request, me: AdminForm, db: SessionDep, settings: SettingsDep) -> Response:
    user = _other_user(db, me, user_id)
    if (refused := _refuse_self(request, db, settings, me, user)) is not None:
        return refused
    deactivate_user(db, user, actor=me.actor)
    db.commit()
    return RedirectResponse("/console/users?hecho=desactivada", status_code=303)


@router.post("/users/{user_id}/reactivate")
def reactivate(user_id: UserId, request: Request, me: AdminForm, db: SessionDep) -> Response:
    reactivate_user(db, _other_user(db, me, user_id), actor=me.actor)
    db.commit()
    return RedirectResponse("/console/users?hecho=reactivada", status_code=303)


@router.post("/users/{user_id}/end-sessions")
def end_sessions(user_id: UserId, request: Request, me: AdminForm, db: SessionDep, settings: SettingsDep) -> Response:
    user = _other_user(db, me, user_id)
    if (refused := _refuse_self(request, db, settings, me, user)) is not None:
        return refused
    end_user_sessions(db, user, actor=me.actor)
    db.commit()
    return RedirectResponse("/console/users?hecho=sesiones", status_code=303)
