"""SMS and WhatsApp through Twilio, both directions: the inbound webhook's form translated into a
neutral message (``inbound_message``), and the outbox sender through Twilio's REST API
(``TwilioSender``, the twilio SDK, in a thread) with its error translation. The HTTP side of the
webhooks (the signature, api/twilio_verification.py; the TwiML answer; recording, api/intake.py)
stays in api/routers/webhooks_twilio.py.

A signed request can be re-split (``MessageSid=SM…MessagingServiceSidMG…``: one parameter
swallowing the next) and still verify, then pass for a new message. So the message id and the sender
must also have the shape Twilio gives them (``InvalidForm``, a 400): ``SM``/``MM`` and 32 hex digits,
``+E.164`` or ``whatsapp:+E.164``.

Twilio keeps a log of the messages it accepted (``GET .../Messages.json?To=...&DateSent>=...``):
``find_sent`` reads it, so that a row whose send was under way when its worker died is recorded as
sent instead of being sent twice.

WhatsApp outside the relative's 24-hour window (bot/whatsapp_window.py): ``send_template`` sends the
approved template (``content_sid`` + ``content_variables``, never ``body``: Twilio refuses a body
with variables, 35127), and Twilio's 63016 for free text is ``WindowClosed``, never a failure.

The channel's text rules are applied here, so that no caller can forget them: an SMS goes out folded
to GSM-7 (bot/sms.py; text already folded is left as it is), WhatsApp text as written.
"""

from __future__ import annotations

import asyncio
import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.channels.twilio_client import make_twilio_client
from bot.channels.twilio_http import RecordingHttpClient, retry_after_seconds
from bot.messages import InboundMessage
from bot.outbox.senders import PermanentError, RateLimited, SendError, WindowClosed
from bot.sms import to_gsm7
from common.settings import Settings

OPTED_OUT_CODES = {21610}  # "Attempt to send to unsubscribed recipient"
INVALID_RECIPIENT_CODES = {21211, 21612, 21614, 21408, 63003}
OUTSIDE_WINDOW_CODES = {63016}  # "Failed to send freeform message because you are outside the allowed window"
# The SDK blocks a thread per call. Sends get threads of their own: queued behind database work in
# the default pool (a handful of threads), a send paced for now would go out late and then bunch up
# with the next, above the number's limit at Twilio.
_SEND_THREADS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="twilio-send")
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-f]{32}")
E164 = re.compile(r"(whatsapp:)?\+[1-9][0-9]{6,14}")


class InvalidForm(ValueError):
    """A webhook form without the shape Twilio gives it; its text is the 400's detail."""


def message_sid(params: dict[str, str], *names: str) -> str:
    """The message id, in Twilio's shape; every one of ``names`` that is present must agree."""
    given = [params[name] for name in names if name in params]
    if not given:
        raise InvalidForm(f"{names[0]} is required")
    if any(not MESSAGE_SID.fullmatch(sid) for sid in given) or len(set(given)) > 1:
        raise InvalidForm(f"{names[0]} is not a Twilio message id (SM or MM and 32 hex digits)")
    return given[0]


def media_kind(params: dict[str, str]) -> str | None:
    try:
        if int(params.get("NumMedia", "0") or 0) <= 0:
            return None
    except ValueError:
        return None
    content_type = params.get("MediaContentType0", "")
    return {"audio": "voice", "image": "photo", "video": "video"}.get(content_type.split("/")[0], "document")


def inbound_message(params: dict[str, str]) -> InboundMessage:
    """The neutral message in an inbound SMS/WhatsApp webhook's form (``InvalidForm`` if misshapen);
    the channel is WhatsApp when the sender is ``whatsapp:+E.164``, SMS otherwise."""
    sid = message_sid(params, "MessageSid", "SmsSid", "SmsMessageSid")
    sender = params.get("From", "")
    if not E164.fullmatch(sender):
        raise InvalidForm("From is not a +E.164 number (or whatsapp:+E.164)")
    channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
    return InboundMessage(channel=channel, address=sender, provider_id=sid, text=params.get("Body"),
                          media_kind=media_kind(params))


class TwilioSender:
    def __init__(
        self, client: Client, from_number: str, status_callback: str | None, channel: str = "sms",
        template_sid: str | None = None,
    ) -> None:
        self.client = client
        self.from_number = from_number
        self.status_callback = status_callback
        self.channel = channel
        self.template_sid = template_sid  # TWILIO_WHATSAPP_TEMPLATE_SID
        # The SDK imports its API modules on first use (a tenth of a second): done now, so that the
        # first send leaves at its paced slot rather than late and bunched with the next.
        _ = client.messages

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioSender:
        assert settings.twilio_phone_number
        callback = settings.hotline_public_url.rstrip("/") + "/webhooks/twilio/status"
        return cls(make_twilio_client(settings), settings.twilio_phone_number, callback,
                   template_sid=settings.twilio_whatsapp_template_sid)

    def for_channel(self, channel: str) -> TwilioSender:
        return TwilioSender(self.client, self.from_number, self.status_callback, channel, self.template_sid)

    def _sender_for(self, recipient: str) -> str:
        if recipient.startswith("whatsapp:") and not self.from_number.startswith("whatsapp:"):
            return "whatsapp:" + self.from_number
        return self.from_number

    def _text_for(self, recipient: str, text: str) -> str:
        """The body Twilio is given for ``text``: an SMS folded to GSM-7 (one accent outside it would
        make the whole message UCS-2, 70 characters a segment instead of 160)."""
        return text if self.channel == "whatsapp" or recipient.startswith("whatsapp:") else to_gsm7(text)

    def _create(self, recipient: str, content: dict[str, str]) -> str:
        sender = self._sender_for(recipient)
        kwargs = {"to": recipient, "from_": sender, **content}
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
        return await self._send(recipient, {"body": self._text_for(recipient, text)})

    async def send_template(self, recipient: str, variables: dict[str, str]) -> str | None:
        if not self.template_sid:
            raise PermanentError("no WhatsApp template configured (TWILIO_WHATSAPP_TEMPLATE_SID)")
        return await self._send(recipient, {"content_sid": self.template_sid,
                                            "content_variables": json.dumps(variables)})

    async def _send(self, recipient: str, content: dict[str, str]) -> str | None:
        try:
            return await asyncio.get_running_loop().run_in_executor(_SEND_THREADS, self._create, recipient, content)
        except RateLimited:
            raise
        except TwilioRestException as exc:
            if exc.code in OUTSIDE_WINDOW_CODES:
                raise WindowClosed(f"twilio {exc.code}: outside the whatsapp window") from exc
            if exc.code in OPTED_OUT_CODES:
                raise PermanentError(f"twilio {exc.code}: recipient unsubscribed", opted_out=True) from exc
            if exc.code in INVALID_RECIPIENT_CODES or (400 <= exc.status < 500 and exc.status != 408):
                raise PermanentError(f"twilio {exc.code}: rejected") from exc
            raise SendError(f"twilio {exc.status}") from exc
        except Exception as exc:  # connection errors, timeouts
            raise SendError(type(exc).__name__) from exc

    def _find(self, recipient: str, text: str | None, since: datetime) -> list[str]:
        sender = self._sender_for(recipient)
        # Newest first; a relative receives a handful of messages a day, so one page is plenty.
        found = self.client.messages.list(to=recipient, date_sent_after=since, limit=200, page_size=200)
        # A template's words are Twilio's (what was approved): any message to them then. While a
        # template is in flight nothing else to that address is (its texts are held).
        text = None if text is None else self._text_for(recipient, text)  # as it was sent
        return [str(m.sid) for m in found
                if (text is None or m.body == text) and m.from_ == sender
                and str(m.direction or "").startswith("outbound")]

    async def find_sent(self, recipient: str, text: str | None, since: datetime) -> list[str]:
        try:
            return await asyncio.to_thread(self._find, recipient, text, since)
        except Exception as exc:  # the log is unreadable now: the row waits and is checked again
            raise SendError(f"twilio message log: {type(exc).__name__}") from exc
