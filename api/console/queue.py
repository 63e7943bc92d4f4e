"""The queue of cases, its views (mine, unassigned, open, resolved) and the search (a reference, a
contact's digits, the sought person's name), and the fragment the page polls to stay current
without a reload."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.console import format as fmt
from api.console.security import TEMPLATES, Operator, Viewer, render
from api.deps import SessionDep
from db.base import utcnow
from db.repositories import alerts as alerts_repo
from db.repositories import console as repo
from db.repositories.case_search import find_cases

# The views as the page names them (query ``vista``); a search without a view spans every case.
VIEWS = {"abiertos": "open", "mios": "mine", "sin-asignar": "unassigned", "cerrados": "resolved", "todos": "all"}
VIEW_LABELS = {"abiertos": "Abiertos", "mios": "Míos", "sin-asignar": "Sin asignar", "cerrados": "Resueltos",
               "todos": "Todos"}
MAX_QUERY = 100
PAGE = 200


def _criteria(request: Request) -> tuple[str, str]:
    q = (request.query_params.get("q") or "").strip()[:MAX_QUERY]
    q = "".join(c for c in q if c.isprintable())
    vista = request.query_params.get("vista") or ""
    if vista not in VIEWS:
        vista = "todos" if q else "abiertos"
    return vista, q


def _context(request: Request, db: Session, me: Operator) -> dict[str, object]:
    vista, q = _criteria(request)
    cases, total = find_cases(db, q=q or None, view=VIEWS[vista], user_id=me.user_id, limit=PAGE)
    return {
        "cases": cases,
        "total": total,
        "vista": vista,
        "q": q,
        "views": VIEW_LABELS,
        "rows_src": "/console/queue/rows?" + urlencode({"vista": vista, **({"q": q} if q else {})}),
        "pending_deaths": alerts_repo.pending_deaths(db, include_restricted=me.can("operator")),
        "contacts": repo.contacts(db, cases),
        "assignees": repo.usernames(db, {c.assignee_id for c in cases if c.assignee_id is not None}),
    }


router = APIRouter()


@router.get("")
@router.get("/queue")
def queue_page(request: Request, me: Viewer, db: SessionDep) -> Response:
    return render(request, "console/queue.html", _context(request, db, me))


@router.get("/queue/rows")
def queue_rows(request: Request, me: Viewer, db: SessionDep) -> Response:
    """The queue's rows only (HTML), polled by console.js."""
    context = _context(request, db, me)
    response = TEMPLATES.TemplateResponse(
        request, "console/_queue_rows.html",
        {**context, "me": me, "fmt": fmt, "utcnow": utcnow(), "tz": request.app.state.settings.hotline_timezone},
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Queue-Count"] = str(context["total"])
    return response
