"""Outbox sender for SMS and WhatsApp through Twilio's REST API (the twilio SDK, in a thread)."""

from __future__ import annotations

import asyncio

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.channels.twilio_client import make_twilio_client
from bot.channels.twilio_http import RecordingHttpClient, retry_after_seconds
from bot.outbox.senders import PermanentError, RateLimited, SendError
from common.settings import Settings

OPTED_OUT_CODES = {21610}  # "Attempt to send to unsubscribed recipient"
INVALID_RECIPIENT_CODES = {21211, 21612, 21614, 21408, 63003}


class TwilioSender:
    def __init__(
        self, client: Client, from_number: str, status_callback: str | None, channel: str = "sms"
    ) -> None:
        self.client = client
        self.from_number = from_number
        self.status_callback = status_callback
        self.channel = channel

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioSender:
        assert settings.twilio_phone_number
        callback = settings.hotline_public_url.rstrip("/") + "/webhooks/twilio/status"
        return cls(make_twilio_client(settings), settings.twilio_phone_number, callback)

    def for_channel(self, channel: str) -> TwilioSender:
        return TwilioSender(self.client, self.from_number, self.status_callback, channel)

    def _create(self, recipient: str, text: str) -> str:
        sender = self.from_number
        if recipient.startswith("whatsapp:") and not sender.startswith("whatsapp:"):
            sender = "whatsapp:" + sender
        kwargs = {"to": recipient, "from_": sender, "body": text}
        if self.status_callback:
            kwargs["status_callback"] = self.status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            if exc.status == 429 or exc.code == 20429:
                # Read in the thread that sent: the response of this very request.
                http = self.client.http_client
                last = http.thread_last_response() if isinstance(http, RecordingHttpClient) else None
                raise RateLimited(retry_after_seconds(last)) from exc
            raise
        return str(message.sid)

    async def send(self, recipient: str, text: str) -> str | None:
        try:
            return await asyncio.to_thread(self._create, recipient, text)
        except RateLimited:
            raise
        except TwilioRestException as exc:
            if exc.code in OPTED_OUT_CODES:
                raise PermanentError(f"twilio {exc.code}: recipient unsubscribed", opted_out=True) from exc
            if exc.code in INVALID_RECIPIENT_CODES or (400 <= exc.status < 500 and exc.status != 408):
                raise PermanentError(f"twilio {exc.code}: rejected") from exc
            raise SendError(f"twilio {exc.status}") from exc
        except Exception as exc:  # connection errors, timeouts
            raise SendError(type(exc).__name__) from exc
