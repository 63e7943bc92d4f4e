"""Telegram webhook: check the secret token, translate the update, answer in one transaction.

The update is handled before we answer 200, inside the request's transaction: a 200 must mean the
message is recorded (Telegram does not redeliver an acknowledged update). PTB's Application
dispatch would log and swallow a handler's failure and still answer 200, so the webhook calls our
service directly; PTB's ``Bot`` is what sends (bot/channels/telegram_sender.py).
"""

from __future__ import annotations

import hmac
import json

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.deps import SessionDep, SettingsDep
from bot.channels.telegram_updates import translate_update
from bot.conversations import handle_inbound
from bot.messages import InboundMessage
from common.logging import get_logger
from common.settings import Settings

router = APIRouter(tags=["webhooks"], include_in_schema=False)
log = get_logger("webhooks.telegram")


@router.post("/webhooks/telegram")
async def telegram_update(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    if not settings.telegram_enabled:
        raise HTTPException(404, detail="the Telegram channel is not configured")
    expected = settings.telegram_webhook_secret or ""
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("telegram.bad_secret")
        raise HTTPException(403, detail="invalid secret token")
    try:
        update = json.loads(await request.body())
    except ValueError as exc:
        raise HTTPException(400, detail="the body is not JSON") from exc
    if not isinstance(update, dict):
        raise HTTPException(400, detail="an update is a JSON object")
    message = translate_update(update)
    if message is not None:
        # Database work in a thread: on the event loop it would hold every other request meanwhile.
        await run_in_threadpool(_handle, session, settings, message)
    return Response(status_code=200)


def _handle(session: Session, settings: Settings, message: InboundMessage) -> None:
    handle_inbound(session, settings, channel=message.channel, address=message.address,
                   provider_id=message.provider_id, text=message.text, media_kind=message.media_kind)
    # Committed before the 200: the session dependency commits only after the response has been
    # sent, and Telegram never redelivers an acknowledged update.
    session.commit()
