"""Twilio's requests about a call placed from the console or the API (bot/cases/calls.py):
``POST /webhooks/twilio/calls/{call_id}?event=answer|confirm|status|leg|dial``.

Signed like every Twilio webhook (the same check as SMS, api/twilio_verification.py: 403 when
the signature or the AccountSid is wrong); then ``CallSid`` must be a Twilio call id (400).

- ``answer``: the operator's phone picked up; TwiML asks for 1 (a voicemail never presses it);
- ``confirm``: the key pressed (``Digits``); on 1, one line and the relative dialled with the
  hotline's number as caller id;
- ``status``: the operator's leg progressed (the parent call's StatusCallback);
- ``leg``: the relative's leg progressed (the <Number>'s statusCallback; ``ParentCallSid`` names
  the operator's leg);
- ``dial``: the <Dial> ended (its action: DialCallStatus, DialCallDuration).

A request about another call (a CallSid that is not this row's) changes nothing.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.twilio_verification import verified_form
from bot.cases import calls
from common.settings import Settings
from db.session import session_scope

router = APIRouter(tags=["webhooks"], include_in_schema=False)

CALL_SID = re.compile(r"CA[0-9a-f]{32}")
EVENTS = ("answer", "confirm", "status", "leg", "dial")


def _xml(body: str) -> Response:
    return Response(content=body, media_type="application/xml")


def _sid(params: dict[str, str], name: str, *, required: bool = True) -> str:
    value = params.get(name, "")
    if not value and not required:
        return ""
    if not CALL_SID.fullmatch(value):
        raise HTTPException(400, detail=f"{name} is not a Twilio call id (CA and 32 hex digits)")
    return value


@router.post("/webhooks/twilio/calls/{call_id}")
async def call_event(call_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request) -> Response:
    settings: Settings = request.app.state.settings
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    params = await verified_form(request, settings)
    event = request.query_params.get("event")
    if event not in EVENTS:
        raise HTTPException(400, detail="event must be answer, confirm, status, leg or dial")
    sid = _sid(params, "CallSid")
    status = params.get("CallStatus", "")[:20]
    urls = calls.call_urls(settings, call_id)

    def work(session: Session) -> str | None:
        call = calls.find(session, call_id, lock=True)
        if call is None:
            raise HTTPException(404, detail="no such call")
        if event == "answer":
            if call.parent_sid not in (None, sid):
                return calls.hang_up_twiml()  # not the call this row placed
            call.parent_sid = sid
            return calls.answer_twiml(session, call, urls)
        if event == "confirm":
            if call.parent_sid != sid:
                return calls.hang_up_twiml()  # not the call this row placed
            assert settings.twilio_phone_number
            return calls.confirm_twiml(session, call, urls, settings.twilio_phone_number,
                                       params.get("Digits", "")[:5])
        if event == "status":
            calls.operator_leg(session, call, sid, status, params.get("CallDuration"))
            return None
        if event == "leg":
            parent = _sid(params, "ParentCallSid")
            calls.relative_leg(session, call, sid, parent, status, params.get("CallDuration"))
            return None
        dial_status = params.get("DialCallStatus", "")[:20]
        calls.dial_ended(session, call, sid, dial_status, _sid(params, "DialCallSid", required=False) or None,
                         params.get("DialCallDuration"))
        return calls.after_dial_twiml(dial_status)

    def in_transaction() -> str | None:
        with session_scope(factory) as session:
            return work(session)

    answer = await run_in_threadpool(in_transaction)
    return _xml(answer) if answer is not None else Response(status_code=204)
