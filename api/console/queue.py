"""The queue of open cases, and the fragment the page polls to stay current without a reload."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console.security import TEMPLATES, Viewer, render
from api.deps import SessionDep
from db.base import utcnow
from db.repositories import console as repo


def _context(db: SessionDep) -> dict[str, object]:
    cases = repo.open_queue(db)
    return {
        "cases": cases,
        "contacts": repo.contacts(db, cases),
        "assignees": repo.usernames(db, {c.assignee_id for c in cases if c.assignee_id is not None}),
    }


router = APIRouter()


@router.get("")
@router.get("/queue")
def queue_page(request: Request, me: Viewer, db: SessionDep) -> Response:
    return render(request, "console/queue.html", _context(db))


@router.get("/queue/rows")
def queue_rows(request: Request, me: Viewer, db: SessionDep) -> Response:
    """The queue's rows only (HTML), polled by console.js."""
    context = _context(db)
    response = TEMPLATES.TemplateResponse(
        request, "console/_queue_rows.html",
        {**context, "utcnow": utcnow(), "tz": request.app.state.settings.hotline_timezone},
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Queue-Count"] = str(len(context["cases"]))  # type: ignore[arg-type]
    return response
