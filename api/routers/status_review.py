"""Four eyes for a death (``/api/v1/pending-status-reports``): a ``deceased`` report posted to
``/persons/{id}/status-reports`` waits here until a second person confirms or rejects it.

The person who proposed cannot confirm (409 with the reason, coded: ``StatusRefusal``), with this token or any other of
theirs (every token of a user is that user, every token of an integration is that integration);
they may reject (withdraw) their own proposal. Viewers do not see proposals about restricted
records. Confirming records the status through the same service as the console
(bot/status_review.py): followers of the person get an urgent case for a trained person to call
them, never a text.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from api.deps import OperatorToken, SessionDep, SettingsDep, ViewerToken, actor_of, sees_restricted_status
from api.errors import ApiError
from api.routers.params import MAX_ID, PendingId
from api.schemas import (
    BODY_ERRORS,
    NoteIn,
    PendingList,
    PendingStatusReportOut,
    StatusReportCreated,
    StatusReportOut,
    error_responses,
)
from bot import status_review
from bot.auth import principal_of
from bot.status_refusals import ENGLISH, OperatorError
from db.models import PendingStatusReport

router = APIRouter(prefix="/api/v1", tags=["status reports"], responses=error_responses(401, 403))

_CONFLICT = ("already decided, proposed by this same person, or the record changed; `code`: `already_confirmed`, "
             "`already_rejected`, `same_person`, `changed_since_proposal`, `rejection_note_required`")

# Why a status report or a proposal's review is refused, in this API's language (the console words
# the same codes in Spanish, bot/status_refusals.py). Also used by api/routers/persons.py.
# The API speaks English: the refusals' English words live with their codes.
REFUSALS = ENGLISH


def refused(refusal: OperatorError) -> ApiError:
    """The 409 of a refused report or review: the refusal's code, and its words in English."""
    return ApiError(status.HTTP_409_CONFLICT, refusal.code, refusal.words(REFUSALS))


def _pending_or_404(session: SessionDep, pending_id: int) -> PendingStatusReport:
    found = session.get(PendingStatusReport, pending_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no pending status report with id {pending_id}")
    return found


@router.get("/pending-status-reports", response_model=PendingList, responses=error_responses(422))
def list_pending(
    session: SessionDep,
    token: ViewerToken,
    person_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="only this person's")] = None,
) -> PendingList:
    """Proposals waiting for a second person, oldest first. Viewer or more (a viewer does not see those
    about restricted records)."""
    rows = status_review.list_pending(session, person_id)
    if not sees_restricted_status(token):
        rows = [r for r in rows if not r.person.restricted]
    return PendingList(items=[PendingStatusReportOut.model_validate(r) for r in rows])


@router.post(
    "/pending-status-reports/{pending_id}/confirm",
    status_code=status.HTTP_201_CREATED,
    response_model=StatusReportCreated,
    responses=error_responses(404, 409, 422, e409=_CONFLICT),
)
def confirm(pending_id: PendingId, session: SessionDep, settings: SettingsDep,
            token: OperatorToken) -> StatusReportCreated | JSONResponse:
    """Confirm a proposal (a person other than the proposer): the status is recorded. Operator or admin."""
    _pending_or_404(session, pending_id)
    try:
        report = status_review.confirm_pending(session, pending_id, settings, actor=actor_of(token),
                                               principal=principal_of(token))
        session.commit()
    except OperatorError as exc:
        session.rollback()
        raise refused(exc) from exc
    except IntegrityError as exc:  # another process appended a report at the same moment
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT,
                            detail="the record changed at the same moment; read it again") from exc
    return StatusReportCreated(report=StatusReportOut.model_validate(report), status_version=report.version)


@router.post(
    "/pending-status-reports/{pending_id}/reject",
    response_model=PendingStatusReportOut,
    responses=error_responses(*BODY_ERRORS, 404, 409, e409=_CONFLICT),
)
def reject(pending_id: PendingId, body: NoteIn, session: SessionDep, token: OperatorToken) -> PendingStatusReportOut:
    """Reject (or, by its proposer, withdraw) a proposal, with the reason. Operator or admin."""
    _pending_or_404(session, pending_id)
    try:
        pending = status_review.reject_pending(session, pending_id, actor=actor_of(token), note=body.note)
        session.commit()
    except OperatorError as exc:
        session.rollback()
        raise refused(exc) from exc
    return PendingStatusReportOut.model_validate(pending)
