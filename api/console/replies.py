"""Canned replies (admin): Spanish texts with the case's variables that operators pick on a case
page instead of typing (bot/cases/replies.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from api.console.security import Admin, AdminForm, Operator, render
from api.console.text_input import control_character_problem
from api.deps import SessionDep
from bot.cases import replies

router = APIRouter()
ReplyId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOTICES = {"guardada": "Respuesta guardada.", "borrada": "Respuesta borrada."}


def _page(request: Request, db: SessionDep, me: Operator, *, error: str | None = None, notice: str | None = None,
          status_code: int = 200) -> Response:
    return render(request, "console/replies.html", {"replies": replies.canned_replies(db),
                                                    "variables": replies.VARIABLES, "error": error,
                                                    "notice": notice}, status_code=status_code)


@router.get("/replies")
def replies_page(request: Request, me: Admin, db: SessionDep, hecho: str | None = None) -> Response:
    return _page(request, db, me, notice=NOTICES.get(hecho or ""))


def _save(request: Request, db: SessionDep, me: Operator, reply_id: int | None, title: str, body: str) -> Response:
    for label, value in (("Título", title), ("Texto", body)):
        if problem := control_character_problem(label, value, multiline=label == "Texto"):
            return _page(request, db, me, error=problem, status_code=422)
    try:
        replies.save_canned(db, reply_id=reply_id, title=title, body=body, actor=me.actor)
    except replies.ReplyError as exc:
        db.rollback()
        return _page(request, db, me, error=str(exc), status_code=422)
    db.commit()
    return RedirectResponse("/console/replies?hecho=guardada", status_code=303)


@router.post("/replies")
def create(request: Request, me: AdminForm, db: SessionDep, title: Annotated[str, Form()] = "",
           body: Annotated[str, Form()] = "") -> Response:
    return _save(request, db, me, None, title, body)


@router.post("/replies/{reply_id}")
def update(reply_id: ReplyId, request: Request, me: AdminForm, db: SessionDep,
           title: Annotated[str, Form()] = "", body: Annotated[str, Form()] = "") -> Response:
    return _save(request, db, me, reply_id, title, body)


@router.post("/replies/{reply_id}/delete")
def delete(reply_id: ReplyId, me: AdminForm, db: SessionDep) -> Response:
    replies.delete_canned(db, reply_id, actor=me.actor)
    db.commit()
    return RedirectResponse("/console/replies?hecho=borrada", status_code=303)
