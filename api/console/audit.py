"""The audit log (filters: action, actor, subject, date range; paginated). Admin only. (The users
page is api/console/users.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.console.security import Admin, render
from api.deps import SessionDep
from db.repositories import console as repo

router = APIRouter()
PAGE_SIZE = 50


def _day(value: str, tz: ZoneInfo) -> datetime | None:
    """A date typed in the filter (YYYY-MM-DD), as the start of that day in the incident's time zone."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


@router.get("/audit")
def audit_log(
    request: Request,
    me: Admin,
    db: SessionDep,
    action: Annotated[str, Query(max_length=50)] = "",
    actor: Annotated[str, Query(max_length=200)] = "",
    subject: Annotated[str, Query(max_length=90)] = "",
    desde: Annotated[str, Query(max_length=10)] = "",
    hasta: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> Response:
    tz = ZoneInfo(request.app.state.settings.hotline_timezone)
    since = _day(desde, tz) if desde else None
    until_day = _day(hasta, tz) if hasta else None
    until = until_day + timedelta(days=1) if until_day else None  # "hasta" includes that whole day
    errors = []
    if desde and since is None:
        errors.append("«Desde» debe ser una fecha AAAA-MM-DD.")
    if hasta and until is None:
        errors.append("«Hasta» debe ser una fecha AAAA-MM-DD.")
    events, total = repo.audit_page(db, action=action.strip() or None, actor=actor.strip() or None,
                                    subject=subject.strip() or None, since=since, until=until,
                                    limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    filters = {"action": action, "actor": actor, "subject": subject, "desde": desde, "hasta": hasta}
    base = urlencode({k: v for k, v in filters.items() if v})

    def page_url(n: int) -> str:
        return "/console/audit?" + "&".join(p for p in (base, f"page={n}") if p)

    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, "console/audit.html", {
        "events": events, "total": total, "page": page, "pages": pages, "filters": filters,
        "actions": repo.audit_actions(db), "error": " ".join(errors) or None,
        "prev_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page < pages else None,
    }, status_code=422 if errors else 200)

