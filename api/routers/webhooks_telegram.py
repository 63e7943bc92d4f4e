"""Telegram webhook: check the secret token, translate the update, record it, answer.

The message is recorded before we answer 200 (api/intake.py): a 200 must mean the message is ours
(Telegram does not redeliver an acknowledged update). A turn worker runs the dialogue after
(bot/turns.py). PTB's Application dispatch would log and swallow a handler's failure and still
answer 200, so the webhook does not go through it; PTB's ``Bot`` is what sends
(bot/channels/telegram_channel.py).
"""

from __future__ import annotations

import hmac
import json

from fastapi import APIRouter, HTTPException, Request, Response

from api.intake import record_or_refuse
from bot.channels.telegram_channel import translate_update
from common.logging import get_logger
from common.settings import Settings

router = APIRouter(tags=["webhooks"], include_in_schema=False)
log = get_logger("webhooks.telegram")


@router.post("/webhooks/telegram")
async def telegram_update(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not settings.telegram_enabled:
        raise HTTPException(404, detail="the Telegram channel is not configured")
    expected = settings.telegram_webhook_secret or ""
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("telegram.bad_secret")
        raise HTTPException(403, detail="invalid secret token")
    try:
        update = json.loads(await request.body())
    except (ValueError, RecursionError) as exc:  # RecursionError: nested thousands deep
        raise HTTPException(400, detail="the body is not a JSON update") from exc
    if not isinstance(update, dict):
        raise HTTPException(400, detail="an update is a JSON object")
    message = translate_update(update)
    if message is not None:
        try:
            await record_or_refuse(request, message)
        except HTTPException as exc:
            if exc.status_code != 400:
                raise  # 503: the database is down, Telegram should deliver it again later
            # An update that can never be recorded (an id longer than any of Telegram's): Telegram
            # redelivers anything but a 2xx, so a 400 would make it a poison update forever.
            log.warning("telegram.dropped", reason=str(exc.detail))
    return Response(status_code=200)
