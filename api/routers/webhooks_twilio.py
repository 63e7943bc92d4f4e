"""Twilio webhooks: inbound SMS/WhatsApp and delivery status callbacks. Thin, HTTP only: check the
signature, have the form translated into a neutral message (bot/channels/twilio_channel.py, which
also refuses a message id or sender without Twilio's shape: 400), record it (api/intake.py) and
answer; a turn worker runs the dialogue and the reply goes out through the outbox.

The signature and the account are checked by api/twilio_verification.py, as for every Twilio
webhook.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.deps import SessionDep, SettingsDep
from api.intake import record_or_refuse
from api.twilio_verification import verified_form
from bot import opt_out, whatsapp_window
from bot.channels.twilio_channel import InvalidForm, inbound_message, message_sid
from common.logging import get_logger
from common.settings import Settings
from db.repositories import outbox

router = APIRouter(tags=["webhooks"], include_in_schema=False)
log = get_logger("webhooks.twilio")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _message_sid(params: dict[str, str], *names: str) -> str:
    try:
        return message_sid(params, *names)
    except InvalidForm as exc:
        raise HTTPException(400, detail=str(exc)) from exc


def _commit(session: Session) -> None:
    # In the thread that did the work, before answering: a 2xx tells Twilio the status is ours (the
    # session dependency would commit too, also before the answer, but on the event loop's behalf).
    session.commit()


@router.post("/webhooks/twilio/sms")
async def inbound_sms(request: Request) -> Response:
    # No session dependency: the only database work is the one statement of api/intake.py.
    settings: Settings = request.app.state.settings
    params = await verified_form(request, settings)
    try:
        message = inbound_message(params)
    except InvalidForm as exc:
        raise HTTPException(400, detail=str(exc)) from exc
    await record_or_refuse(request, message)
    # Replies go out through the outbox and the REST API; the TwiML answer is empty.
    return Response(content=EMPTY_TWIML, media_type="application/xml")


@router.post("/webhooks/twilio/status")
async def delivery_status(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    params = await verified_form(request, settings)
    sid, status = _message_sid(params, "MessageSid", "SmsSid"), params.get("MessageStatus", "")
    if not status:
        raise HTTPException(400, detail="MessageStatus is required")
    error_code = params.get("ErrorCode") or None

    def record() -> bool:
        if error_code == str(whatsapp_window.OUTSIDE_WINDOW_CODE) and whatsapp_window.hold_after_callback(
                session, sid, whatsapp_window.WindowRules.from_settings(settings)):
            # WhatsApp refused free text outside the window: held for the relative's next message.
            _commit(session)
            return True
        found = outbox.record_delivery_status(session, sid, status, f"twilio {error_code}" if error_code else None)
        if error_code == "21610":
            opt_out.number_opted_out(session, params.get("To", ""))
        _commit(session)
        return found

    found = await run_in_threadpool(record)
    log.info("twilio.status", found=found, status=status)
    return Response(status_code=204)
