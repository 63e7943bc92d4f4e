"""The voice line's Twilio webhook: ``POST /webhooks/twilio/voice`` answers TwiML.

Signed like SMS (the same check, api/twilio_verification.py: ``X-Twilio-Signature`` against
``HOTLINE_PUBLIC_URL`` + path + query, then ``AccountSid``); then ``CallSid`` must be ``CA`` and 32
hex digits (400). One path for every request of a call, told apart by its query:

- no query: "A call comes in" (the number's voice webhook): the welcome and the name prompt;
- ``?step=N``: the action of the N-th <Gather> or <Record> (CallSid, From, Digits, SpeechResult,
  Confidence, RecordingUrl...);
- ``?event=status``: the number's "Call status changes" callback (the end of the call);
- ``?event=recording``: a <Record>'s recording status callback.

Unlike SMS, a call cannot wait for a worker: the step runs in the request (one transaction,
bot/voice/service.py). When the database does not answer, the caller hears that there is a
technical problem and to call again; nothing is spooled (a call's answer cannot wait for a replay).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.twilio_verification import verified_form
from bot.voice import service, twiml
from bot.voice import texts_es as T
from bot.voice.flow import Heard
from common.logging import get_logger
from common.settings import Settings
from common.text import strip_forbidden
from db.session import database_unreachable, session_scope

router = APIRouter(tags=["webhooks"], include_in_schema=False)
log = get_logger("webhooks.voice")

VOICE_PATH = "/webhooks/twilio/voice"
CALL_SID = re.compile(r"CA[0-9a-f]{32}")
MAX_STEP = 500  # far more steps than any call has
MAX_SPEECH = 300


def _urls(settings: Settings) -> service.Urls:
    base = settings.hotline_public_url.rstrip("/") + VOICE_PATH
    return service.Urls(action=lambda step: f"{base}?step={step}", recording_callback=f"{base}?event=recording")


def _step(request: Request) -> int | None:
    raw = request.query_params.get("step")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) > MAX_STEP:
        raise HTTPException(400, detail="step must be a number of the call's steps")
    return int(raw)


def _heard(params: dict[str, str]) -> Heard:
    digits = "".join(ch for ch in params.get("Digits", "") if ch.isdigit())[:20]
    try:
        confidence: float | None = float(params["Confidence"]) if params.get("Confidence") else None
    except ValueError:
        confidence = None
    recording = params.get("RecordingUrl", "")
    if recording and not recording.startswith(("https://", "http://")):
        raise HTTPException(400, detail="RecordingUrl is not a URL")
    try:
        seconds: int | None = int(params["RecordingDuration"]) if params.get("RecordingDuration") else None
    except ValueError:
        seconds = None
    return Heard(digits=digits, speech=strip_forbidden(params.get("SpeechResult", ""))[:MAX_SPEECH],
                 confidence=confidence, recording_url=recording[:500], recording_seconds=seconds)


def _xml(body: str) -> Response:
    return Response(content=body, media_type="application/xml")


@router.post(VOICE_PATH)
async def voice(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    params = await verified_form(request, settings)
    call_sid = params.get("CallSid", "")
    if not CALL_SID.fullmatch(call_sid):
        raise HTTPException(400, detail="CallSid is not a Twilio call id (CA and 32 hex digits)")
    event = request.query_params.get("event")
    if event not in (None, "status", "recording"):
        raise HTTPException(400, detail="event must be status or recording")

    if event == "status" or (event is None and params.get("CallStatus") in service.FINAL_CALL_STATUSES
                             and "step" not in request.query_params):
        status = params.get("CallStatus", "")
        await run_in_threadpool(_in_transaction, factory, lambda s: service.call_ended(s, call_sid, status[:20]))
        return Response(status_code=204)
    if event == "recording":
        url = _heard(params).recording_url
        if params.get("RecordingStatus") == "completed" and url:
            await run_in_threadpool(_in_transaction, factory,
                                    lambda s: service.recording_completed(s, settings, call_sid, url))
        else:
            log.warning("voice.recording_not_completed", status=params.get("RecordingStatus", "")[:20])
        return Response(status_code=204)

    step_request = service.VoiceRequest(call_sid=call_sid, caller=params.get("From", "")[:40], step=_step(request),
                                        heard=_heard(params))
    urls = _urls(settings)
    try:
        answer = await run_in_threadpool(
            _in_transaction, factory, lambda s: service.handle_step(s, settings, step_request, urls))
    except Exception as exc:
        if not database_unreachable(exc):
            raise
        log.error("voice.database_unreachable", error=type(exc).__name__)
        return _xml(twiml.say_and_hang_up(T.TECHNICAL_PROBLEM))
    return _xml(answer)


def _in_transaction(factory: sessionmaker[Session], work):  # type: ignore[no-untyped-def]
    # Committed before the answer goes out: what the caller hears is what the database holds.
    with session_scope(factory) as session:
        return work(session)
