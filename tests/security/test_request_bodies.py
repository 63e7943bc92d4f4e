"""Finding 5: request bodies are bounded before anything reads them. 40 MB to the web chat or a
webhook is a 413: at once when the client declares its length, after at most the bound (1 MiB)
when it streams the body. The security headers ride on the 413 too."""

from __future__ import annotations

import json

import pytest

from api.app import create_app
from api.hardening import MAX_BODY_BYTES
from common.settings import Settings
from tests.security.asgi import CHUNK, call, zeros

FORTY_MB = 40 * 1024 * 1024
ROUTES = [
    ("/chat/messages", "application/json"),
    ("/webhooks/twilio/sms", "application/x-www-form-urlencoded"),
    ("/webhooks/twilio/status", "application/x-www-form-urlencoded"),
    ("/webhooks/telegram", "application/json"),
    ("/api/v1/persons/1/status-reports", "application/json"),
]


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    # Every channel on, so that each route would read its body (FICTIONAL credentials).
    on = settings.model_copy(update={
        "hotline_webchat": True, "webchat_messages_per_minute": 0,
        "twilio_account_sid": "AC" + "0" * 32, "twilio_auth_token": "token-ficticio",
        "twilio_phone_number": "+15005550006", "telegram_bot_token": "123:ficticio",
        "telegram_webhook_secret": "secreto-ficticio"})
    return create_app(on)


@pytest.mark.parametrize(("path", "content_type"), ROUTES)
def test_a_declared_40_mb_body_is_refused_before_one_byte_is_read(app, path: str, content_type: str) -> None:
    answer = call(app, "POST", path, zeros(FORTY_MB),
                  headers={"content-type": content_type, "content-length": str(FORTY_MB)})
    assert answer.status == 413, answer.text
    assert answer.pulled == 0
    assert answer.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("path", "content_type"), ROUTES)
def test_a_streamed_40_mb_body_is_refused_once_it_passes_the_bound(app, path: str, content_type: str) -> None:
    # No Content-Length (chunked): the bytes are counted as they arrive.
    answer = call(app, "POST", path, zeros(FORTY_MB),
                  headers={"content-type": content_type, "x-telegram-bot-api-secret-token": "secreto-ficticio"})
    assert answer.status == 413, answer.text
    assert answer.pulled <= MAX_BODY_BYTES + CHUNK


def test_a_body_within_the_bound_still_reaches_the_route(app) -> None:
    body = json.dumps({"session_id": "x" * 10, "text": "hola " * 1000}).encode()
    answer = call(app, "POST", "/chat/messages", [body],
                  headers={"content-type": "application/json", "content-length": str(len(body))})
    assert answer.status != 413 and answer.pulled == len(body)
