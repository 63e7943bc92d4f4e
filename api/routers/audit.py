"""The audit trail, for admins (``/api/v1/audit-events``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AdminToken, SessionDep
from api.routers.params import Limit, NoControlChars, Offset
from api.schemas import AuditEventOut, AuditPage, error_responses
from db.repositories import audit

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=error_responses(401, 403, 422))


@router.get("/audit-events", response_model=AuditPage)
def list_audit_events(
    session: SessionDep,
    _: AdminToken,
    action: Annotated[str | None, Query(max_length=50, description="e.g. person_read, status_change"),
                      NoControlChars] = None,
    actor: Annotated[str | None, Query(max_length=200, description='e.g. "token:3", "user:ana", "bot"'),
                     NoControlChars] = None,
    subject_type: Annotated[str | None, Query(max_length=30, description="person, case, token..."),
                            NoControlChars] = None,
    subject_id: Annotated[str | None, Query(max_length=50), NoControlChars] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AuditPage:
    """Audit events, newest first. Admin."""
    rows, total = audit.list_events(session, action=action, actor=actor, subject_type=subject_type,
                                    subject_id=subject_id, limit=limit, offset=offset)
    return AuditPage(items=[AuditEventOut.model_validate(e) for e in rows], total=total, limit=limit,
                     offset=offset)
