"""What keeps every console page current without a reload (polled by static/alerts.js and
static/console.js; no inline script, the CSP forbids it):

- ``GET /console/alerts``: open urgent cases (the newest ones' ids, so that a new one is announced:
  title count, a sound, a desktop notification), deaths awaiting a second person's confirmation, and
  the user's unread notices. A session that ended answers with the login redirect: the page says so.
- ``GET /console/cases/{id}/transcript``: the transcript's lines, so the case page shows what the
  relative writes as they write it (the newest in view).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import JSONResponse, Response

from api.console.format import shown_transcript
from api.console.security import TEMPLATES, Viewer
from api.deps import SessionDep
from bot.auth import user_principal
from bot.cases import work as case_work
from db.models import Case
from db.repositories import alerts as alerts_repo
from db.repositories import console as repo

router = APIRouter()
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/alerts")
def alerts(me: Viewer, db: SessionDep) -> Response:
    found = alerts_repo.console_alerts(db, include_restricted=me.can("operator"))
    mine = user_principal(me.user)
    pending = [{"id": p.id, "person_id": p.person_id,
                "mine": p.proposed_by_user_id == me.user_id or p.proposer == mine} for p in found.pending_deaths]
    body = {
        "urgent_open": found.urgent_open,
        "urgent_unassigned": found.urgent_unassigned,
        "newest_urgent": [{"id": i, "reference": r} for i, r in found.newest_urgent],
        "pending_deaths": len(pending),
        # Deaths this user may confirm (a proposer never confirms their own; viewers confirm nothing).
        "pending_for_me": sum(1 for p in pending if not p["mine"]) if me.can("operator") else 0,
        "pending": pending,
        "notices": len(case_work.unread_notices(db, me.user_id)),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/cases/{case_id}/transcript")
def transcript(case_id: CaseId, request: Request, me: Viewer, db: SessionDep) -> Response:
    """The transcript's lines (HTML). Not audited as a view: the page that polls it was."""
    case = db.get(Case, case_id)
    if case is None:
        raise HTTPException(404, detail="el caso no existe")
    lines = shown_transcript(repo.transcript(db, case.conversation_id)) if case.conversation_id else []
    response = TEMPLATES.TemplateResponse(request, "console/_transcript.html", {
        "transcript": lines, "me": me, "tz": request.app.state.settings.hotline_timezone})
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Transcript-Count"] = str(len(lines))
    response.headers["X-Case-Status"] = case.status
    return response
