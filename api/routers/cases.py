"""Cases (escalations) and the operator's reply to the relative (``/api/v1/cases``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy.orm import Session

from api.deps import OperatorToken, SessionDep, ViewerToken, actor_of
from api.routers.params import CaseId, Limit, Offset
from api.schemas import CaseOut, CasePage, CasePriority, CaseStatus, ReplyIn, ReplyQueued
from db.models import Case
from db.repositories import cases

router = APIRouter(prefix="/api/v1", tags=["cases"])


def case_out(case: Case, assignee: str | None) -> CaseOut:
    return CaseOut(
        id=case.id,
        reference=case.reference,
        priority=case.priority,
        reason=case.reason,
        status=case.status,
        channel=case.channel,
        person_id=case.person_id,
        assignee_id=case.assignee_id,
        assignee=assignee,
        created_at=case.created_at,
        updated_at=case.updated_at,
        last_contact_at=case.last_contact_at,
        next_followup_at=case.next_followup_at,
        resolved_at=case.resolved_at,
        resolution=case.resolution,
    )


def _case_or_404(session: Session, case_id: int) -> Case:
    found = cases.get_case(session, case_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no case with id {case_id}")
    return found


@router.get("/cases", response_model=CasePage)
def list_cases(
    session: SessionDep,
    _: ViewerToken,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    priority: CasePriority | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CasePage:
    """Cases in queue order: urgent first, then oldest."""
    rows, total = cases.list_cases(session, status=status_, priority=priority, limit=limit, offset=offset)
    names = cases.assignee_names(session, rows)
    items = [case_out(c, names.get(c.assignee_id) if c.assignee_id else None) for c in rows]
    return CasePage(items=items, total=total, limit=limit, offset=offset)


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(case_id: CaseId, session: SessionDep, _: ViewerToken) -> CaseOut:
    """One case."""
    found = _case_or_404(session, case_id)
    names = cases.assignee_names(session, [found])
    return case_out(found, names.get(found.assignee_id) if found.assignee_id else None)


@router.post(
    "/cases/{case_id}/replies",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReplyQueued,
    responses={409: {"description": "the case is resolved, has no conversation, or the relative opted out"}},
)
def reply_to_case(case_id: CaseId, body: ReplyIn, session: SessionDep, token: OperatorToken) -> ReplyQueued:
    """Queue an operator's reply to the relative, on the relative's own channel."""
    found = _case_or_404(session, case_id)
    try:
        message = cases.queue_operator_reply(session, found, body.text, actor=actor_of(token))
    except cases.ReplyRefused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    session.commit()
    return ReplyQueued(outbound_id=message.id, case_id=found.id, status=message.status)
