"""Twilio webhooks: inbound SMS/WhatsApp and delivery status callbacks. Thin: check the signature,
translate the form into a neutral message, record it (api/intake.py) and answer; a turn worker
runs the dialogue and the reply goes out through the outbox.

The signature and the account are checked by api/twilio_verification.py, as for every Twilio
webhook. A signed request can be re-split (``MessageSid=SM…MessagingServiceSidMG…``: one parameter
swallowing the next) and still verify, then pass for a new message. So the message id and the sender
must also have the shape Twilio gives them (400): ``SM``/``MM`` and 32 hex digits, ``+E.164`` or
``whatsapp:+E.164``.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.deps import SessionDep, SettingsDep
from api.intake import record_or_refuse
from api.twilio_verification import verified_form
from bot import opt_out, whatsapp_window
from bot.messages import InboundMessage
from common.logging import get_logger
from common.settings import Settings
from db.repositories import outbox

router = APIRouter(tags=["webhooks"], include_in_schema=False)
log = get_logger("webhooks.twilio")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-f]{32}")
E164 = re.compile(r"(whatsapp:)?\+[1-9][0-9]{6,14}")


def _message_sid(params: dict[str, str], *names: str) -> str:
    """The message id, in Twilio's shape; every one of ``names`` that is present must agree."""
    given = [params[name] for name in names if name in params]
    if not given:
        raise HTTPException(400, detail=f"{names[0]} is required")
    if any(not MESSAGE_SID.fullmatch(sid) for sid in given) or len(set(given)) > 1:
        raise HTTPException(400, detail=f"{names[0]} is not a Twilio message id (SM or MM and 32 hex digits)")
    return given[0]


def _media_kind(params: dict[str, str]) -> str | None:
    try:
        if int(params.get("NumMedia", "0") or 0) <= 0:
            return None
    except ValueError:
        return None
    content_type = params.get("MediaContentType0", "")
    return {"audio": "voice", "image": "photo", "video": "video"}.get(content_type.split("/")[0], "document")


def _commit(session: Session) -> None:
    # In the thread that did the work, before answering: a 2xx tells Twilio the status is ours (the
    # session dependency would commit too, also before the answer, but on the event loop's behalf).
    session.commit()


@router.post("/webhooks/twilio/sms")
async def inbound_sms(request: Request) -> Response:
    # No session dependency: the only database work is the one statement of api/intake.py.
    settings: Settings = request.app.state.settings
    params = await verified_form(request, settings)
    sid = _message_sid(params, "MessageSid", "SmsSid", "SmsMessageSid")
    sender = params.get("From", "")
    if not E164.fullmatch(sender):
        raise HTTPException(400, detail="From is not a +E.164 number (or whatsapp:+E.164)")
    channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
    message = InboundMessage(channel=channel, address=sender, provider_id=sid, text=params.get("Body"),
                             media_kind=_media_kind(params))
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
