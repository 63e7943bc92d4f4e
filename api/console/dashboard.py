"""The dashboard: persons by status, open cases by priority, the oldest waiting case, messages per hour,
and this host's spool of messages kept while the database was unreachable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console.security import Viewer, render
from api.deps import SessionDep
from db.repositories import alerts as alerts_repo
from db.repositories import console as repo

router = APIRouter()


@dataclass(frozen=True)
class SpoolState:
    """This API host's spool (bot/spool.py): messages kept on disk while the database was
    unreachable, not yet in the database. Another host's spool is not seen here."""

    waiting: int
    oldest_at: datetime | None
    quarantined: int


def spool_state(request: Request) -> SpoolState:
    spool = request.app.state.intake.spool
    return SpoolState(spool.depth(), spool.oldest(), spool.quarantined())


@router.get("/dashboard")
def dashboard(request: Request, me: Viewer, db: SessionDep) -> Response:
    data = repo.dashboard(db)
    peak = max([1, *data.inbound_per_hour, *data.outbound_per_hour])
    return render(request, "console/dashboard.html", {"d": data, "peak": peak, "spool": spool_state(request),
                                                      "pending_deaths": alerts_repo.pending_deaths(
                                                          db, include_restricted=me.can("operator"))})
