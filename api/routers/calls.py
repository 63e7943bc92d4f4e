"""Calling the family through the hotline's number (``/api/v1/cases/{id}/calls``; bot/cases/calls.py):
Twilio rings the operator's phone, then connects the relative with the hotline's number as caller
id. The console's "Llamar" uses the same service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.deps import OperatorToken, SessionDep, SettingsDep, ViewerToken, actor_of
from api.errors import ApiError
from api.routers.params import CaseId
from api.schemas import BODY_ERRORS, CleanStr, error_responses
from bot.cases import calls as call_service
from db.models import Case, CaseCall

router = APIRouter(prefix="/api/v1", tags=["cases"], responses=error_responses(401, 403, 404, 422))

# Why a call cannot be placed, in this API's language (the console shows the Spanish of bot/cases/calls.py).
REFUSALS: dict[call_service.CallRefusal, str] = {
    call_service.CallRefusal.TELEPHONY_OFF: "telephony is not configured (Twilio is off): no calls can be placed",
    call_service.CallRefusal.CASE_CLOSED: "the case is resolved: reopen it before calling",
    call_service.CallRefusal.NO_FAMILY_NUMBER: "no number of the family is known: the relative wrote from a channel "
                                               "without a phone and gave no number to call back",
    call_service.CallRefusal.OPERATOR_PHONE_INVALID: "operator_phone is not a valid number: write it in "
                                                     "international format, + and the country code",
    call_service.CallRefusal.NO_OPERATOR_PHONE: "no operator phone: send operator_phone (the token's user has no "
                                                "phone on their account)",
    call_service.CallRefusal.SAME_NUMBER: "the operator's phone is the family's",
    call_service.CallRefusal.PROVIDER_REFUSED: "Twilio refused the call (error {error}): {message}",
    call_service.CallRefusal.PROVIDER_UNREACHABLE: "Twilio could not be reached: try again in a moment",
}


class CallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operator_phone: Annotated[CleanStr | None, Field(max_length=32, description=(
        "where Twilio rings first, in E.164 (+ and the country code); default: the phone of the token's "
        "console user"))] = None


class CallOut(BaseModel):
    """A call through the hotline's number. Both numbers are masked: the relative's never appears whole."""

    id: int
    case_id: int
    placed_by: str
    operator_phone: str = Field(description="masked, e.g. +502 ****0100")
    relative_phone: str = Field(description="masked, e.g. +502 ****0123")
    operator_status: str = Field(description="Twilio's status of the operator's leg (placing, queued, ringing, "
                                             "in-progress, completed, busy, no-answer, failed, canceled)")
    relative_status: str | None = Field(description="Twilio's status of the relative's leg, once dialled")
    relative_seconds: int | None = Field(description="how long the family was on the line")
    outcome: str | None = Field(description="connected, relative_no-answer, relative_busy, operator_no-answer, "
                                            "operator_hung_up, not_placed...; null while the call goes on")
    outcome_text: str | None
    created_at: datetime
    connected_at: datetime | None
    ended_at: datetime | None


def _case_or_404(session: Session, case_id: int) -> Case:
    found = session.get(Case, case_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no case with id {case_id}")
    return found


def call_out(session: Session, call: CaseCall) -> CallOut:
    case = session.get(Case, call.case_id)
    return CallOut(
        id=call.id, case_id=call.case_id, placed_by=call.placed_by,
        operator_phone=call_service.mask(call.operator_phone),
        relative_phone=call_service.mask(call_service.relative_number(session, case) if case else None),
        operator_status=call.operator_status, relative_status=call.relative_status,
        relative_seconds=call.relative_seconds, outcome=call.outcome,
        outcome_text=call_service.OUTCOMES.get(call.outcome or ""), created_at=call.created_at,
        connected_at=call.connected_at, ended_at=call.ended_at,
    )


@router.post(
    "/cases/{case_id}/calls",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CallOut,
    responses=error_responses(*BODY_ERRORS, 409, e409="no number of the family is known, the case is closed, no "
                              "operator phone, Twilio is off or refused the call; `code`: " + ", ".join(
                                  f"`{c}`" for c in call_service.CallRefusal)),
)
def place_call(case_id: CaseId, session: SessionDep, settings: SettingsDep, token: OperatorToken,
               body: CallIn | None = None) -> CallOut:
    """Call the relative through the hotline's number: Twilio rings the operator's phone (``operator_phone``,
    or the phone of the token's console user), then connects the relative with the hotline's number as
    caller id. Neither side sees the other's number. 202: the call is under way; its legs, duration and
    outcome arrive with Twilio's status callbacks (``GET /cases/{id}/calls``). Operator or admin."""
    found = _case_or_404(session, case_id)
    try:
        call = call_service.place_call(session, found, settings, actor=actor_of(token), user_id=token.user_id,
                                       operator_phone=body.operator_phone if body else None)
    except call_service.CallRefused as exc:
        raise ApiError(status.HTTP_409_CONFLICT, exc.code, exc.words(REFUSALS)) from exc
    return call_out(session, call)


@router.get("/cases/{case_id}/calls", response_model=list[CallOut], responses=error_responses(404))
def list_calls(case_id: CaseId, session: SessionDep, _: ViewerToken) -> list[CallOut]:
    """The calls placed for this case, newest first. Viewer or more."""
    _case_or_404(session, case_id)
    return [call_out(session, c) for c in call_service.calls_of(session, case_id)]
