"""The dashboard: persons by status, open cases by priority, the oldest waiting case, messages per hour."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console.security import Viewer, render
from api.deps import SessionDep
from db.repositories import console as repo

router = APIRouter()


@router.get("/dashboard")
def dashboard(request: Request, me: Viewer, db: SessionDep) -> Response:
    data = repo.dashboard(db)
    peak = max([1, *data.inbound_per_hour, *data.outbound_per_hour])
    return render(request, "console/dashboard.html", {"d": data, "peak": peak})
