"""Checking that a request comes from Twilio, for every Twilio webhook (SMS and WhatsApp, delivery
status, the voice line, calls placed from the console): one check, one home.

``verified_form`` answers 404 while Twilio is not configured, parses the form and checks
``X-Twilio-Signature`` with the SDK's ``RequestValidator`` against ``HOTLINE_PUBLIC_URL`` + path +
query (behind a proxy, what Twilio signed is the public URL, not what this process sees): 403, log
``twilio.bad_signature``. A valid signature is not enough: Twilio signs the URL followed by every
parameter's name and value run together, so a captured request can be re-split and still verify.
``AccountSid`` must therefore be this hotline's (403, ``twilio.other_account``); each router then
checks the shape of its own ids (message, call).
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from twilio.request_validator import RequestValidator

from common.logging import get_logger
from common.settings import Settings

log = get_logger("webhooks.twilio")


async def verified_form(request: Request, settings: Settings) -> dict[str, str]:
    """The form Twilio posted, once its signature and account are checked (else an HTTPException)."""
    if not settings.twilio_enabled:
        raise HTTPException(404, detail="the SMS channel is not configured")
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        # What Twilio sends. Parsed directly: Starlette's general form parser costs more than
        # everything else this webhook does (measured, docs/benchmarks.md).
        try:
            params = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError as exc:
            raise HTTPException(400, detail="the form is not UTF-8") from exc
    else:
        form = await request.form()
        params = {k: str(v) for k, v in form.multi_items()}
    url = settings.hotline_public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get("X-Twilio-Signature", "")
    assert settings.twilio_auth_token
    if not signature or not RequestValidator(settings.twilio_auth_token).validate(url, params, signature):
        log.warning("twilio.bad_signature", path=request.url.path)
        raise HTTPException(403, detail="invalid Twilio signature")
    assert settings.twilio_account_sid
    if not hmac.compare_digest(params.get("AccountSid", "").encode(), settings.twilio_account_sid.encode()):
        log.warning("twilio.other_account", path=request.url.path)
        raise HTTPException(403, detail="AccountSid is not this hotline's Twilio account")
    return params
