"""Console notices for one user ("otto took over case JRZ-4F7K that you held"): shown at the top of
every page (base.html calls ``console_notices``) until the user dismisses them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import object_session

from api.console.security import TEMPLATES, ViewerForm, safe_next
from api.deps import SessionDep
from bot.cases import work as case_work
from db.models import ConsoleNotice

router = APIRouter()


def console_notices(request: Request, me: Any) -> list[ConsoleNotice]:
    """The logged-in user's unread notices, read in the request's own database session (the one
    the user was loaded in: on SQLite a second session would wait for this one's write lock).
    An error page rendered after that session closed shows none."""
    session = object_session(me.user) if me is not None else None
    if session is None:
        return []
    try:
        return case_work.unread_notices(session, me.user_id)
    except SQLAlchemyError:  # a notice must never take a page down with it
        return []


TEMPLATES.env.globals["console_notices"] = console_notices


@router.post("/notices/{notice_id}/read")
def dismiss(notice_id: Annotated[int, Path(ge=1, le=2**31 - 1)], me: ViewerForm, db: SessionDep,
            next_path: Annotated[str, Form(alias="next")] = "/console") -> Response:
    case_work.dismiss_notice(db, me.user_id, notice_id)
    db.commit()
    return RedirectResponse(safe_next(next_path), status_code=303)
