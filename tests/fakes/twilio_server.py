"""A fake Twilio Programmable Messaging REST API: a real HTTP server on 127.0.0.1.

Point the twilio SDK at it with ``RedirectingHttpClient(fake.url)`` (``TWILIO_API_BASE_URL``).
Served, with HTTP basic auth (account SID / auth token):

- ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form: To, From or MessagingServiceSid,
  Body, MediaUrl, StatusCallback) -> 201 and the Message resource, as in Twilio's OpenAPI
  description (``api.v2010.account.message``; a test checks it against that file);
- ``GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`` -> 200 or 404;
- ``GET /2010-04-01/Accounts/{AccountSid}/Messages.json`` (To, From, DateSent, DateSent<, DateSent>,
  PageSize, Page, PageToken) -> 200 and a page of Message resources, newest first. As Twilio says,
  the DateSent filters compare GMT dates (a time given with them is ignored), and a message Twilio
  has not sent yet has no ``date_sent`` and matches none of them. ``hand_to_carrier_after(s)``
  makes each created message ``sent`` ``s`` seconds after it was created (by default they stay
  ``queued`` until a status callback moves them).

Content templates (WhatsApp outside the 24-hour window): ``add_content(sid, body)`` registers one;
a create with ``ContentSid`` (and optionally ``ContentVariables``, a JSON object) sends it, its
``{{1}}`` filled in, as Twilio renders it into the Message's ``body``. As the real API: a Body is
superseded by ContentSid, but Body with ContentVariables is 35127; ContentVariables without
ContentSid 21654; an unknown or malformed ContentSid 21655; variables that are not a JSON object of
values 21656; no Body, MediaUrl or ContentSid 21619. ``whatsapp_window(seconds)`` makes free text to
a ``whatsapp:`` number that has not written within ``seconds`` (``signed_inbound`` or
``note_inbound`` say when it did) fail with 63016: at once (``refuse="create"``), or accepted and
then failed by a status callback (``refuse="callback"``, ``deliver_window_refusals``).

Errors in Twilio's JSON format (``code``, ``message``, ``more_info``, ``status``): 20003 bad
credentials, 21211 invalid To, 21610 recipient opted out (texted STOP), 20429 rate limited, 20500...
Test-side helpers build correctly signed requests in the other direction: status callbacks
(``deliver_status``) and inbound SMS/WhatsApp webhooks (``signed_inbound``).

Voice (the voice line's webhooks): ``call_params``/``signed_voice`` build the requests Twilio posts
for a call (CallSid, From, CallStatus, Digits, SpeechResult, Confidence...); ``record`` makes a
recording of a call, served at ``GET /2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}`` (``.json``,
``.wav``, ``.mp3``; basic auth as the API), with its <Record> action parameters and its signed
recording status callback; ``call_status_callback`` is the end of a call.

Outbound calls (the console's "Llamar"): ``POST /2010-04-01/Accounts/{AccountSid}/Calls.json`` (To,
From, Url or Twiml, Method, StatusCallback, StatusCallbackEvent (repeated), StatusCallbackMethod,
Timeout) -> 201 and the Call resource (``api.v2010.account.call``), ``GET .../Calls/{Sid}.json``.
``run_call`` then plays the call as Twilio would, through a ``post(url, headers, form)`` the test
gives (an HTTP post to a running server, or a TestClient's): the operator's leg rings, is answered
(or not), its TwiML is fetched from Url (signed); a <Dial> makes the relative's leg (To = the
<Number>, From = the <Dial>'s callerId), whose <Number statusCallback> hears its events; the <Dial>
action gets DialCallStatus; the operator's leg completes. Every leg is kept in ``call_legs``.

All numbers, SIDs and texts here are fictional.
"""

from __future__ import annotations

import base64
import json
import math
import re
import secrets
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import httpx
from twilio.request_validator import RequestValidator

from tests.fakes._http import FakeRequest, FakeResponse, FakeServer, Fault

DEFAULT_ACCOUNT_SID = "AC" + "f4ce" * 8
DEFAULT_AUTH_TOKEN = "fa4e" * 8
DEFAULT_PHONE_NUMBER = "+50255500000"  # fictional Guatemalan number
API_VERSION = "2010-04-01"
MAX_BODY = 1600

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
OUTSIDE_WINDOW = 63016
OUTSIDE_WINDOW_MESSAGE = ("Failed to send freeform message because you are outside the allowed window. If you are "
                          "using WhatsApp, please use a Message Template.")
_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages(?:/(?P<sid>[^/]+))?\.json$")
_CALLS = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Calls(?:/(?P<sid>[^/]+))?\.json$")
CALL_EVENTS = ("initiated", "ringing", "answered", "completed")
FINAL_STATUSES = {"delivered", "undelivered", "failed", "read", "canceled"}
_RECORDINGS = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Recordings/(?P<sid>RE[0-9a-f]{32})(?P<ext>\.json|\.wav|\.mp3)?$"
)
# A tiny valid WAV (8 kHz, 8-bit mono, 0.1 s of silence): what GET .../Recordings/{Sid}.wav returns.
FAKE_WAV = (b"RIFF" + (36 + 800).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
            + (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + (8000).to_bytes(4, "little")
            + (8000).to_bytes(4, "little") + (1).to_bytes(2, "little") + (8).to_bytes(2, "little")
            + b"data" + (800).to_bytes(4, "little") + b"\x80" * 800)

# GSM 03.38: a message made only of these is sent in 7-bit encoding (160 per segment, 153 when
# split); anything else, e.g. "á", "í", "ó", "ú", switches the whole message to UCS-2 (70 / 67).
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


def segments(body: str) -> int:
    """Number of SMS segments Twilio bills for ``body``."""
    if not body:
        return 1
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in body):
        septets = sum(2 if c in _GSM_EXTENDED else 1 for c in body)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def rfc2822(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC))


def twilio_error(code: int, message: str, status: int) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def signed_request(auth_token: str, url: str, form: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Headers (with ``X-Twilio-Signature``) and form for a Twilio webhook POST of ``form`` to ``url``."""
    signature = RequestValidator(auth_token).compute_signature(url, form)
    headers = {
        "X-Twilio-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "TwilioProxy/1.1",
        "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
    }
    return headers, dict(form)


class _Text:
    """A TwiML document the fake goes on with itself (no request made)."""

    def __init__(self, text: str) -> None:
        self.text = text


class FakeTwilio(FakeServer):
    """The fake Twilio REST API. ``url`` is what ``TWILIO_API_BASE_URL`` should be set to."""

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        phone_number: str = DEFAULT_PHONE_NUMBER,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host, port)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.phone_number = phone_number
        self.owned_numbers = {phone_number, f"whatsapp:{phone_number}"}
        self.messaging_service_sid = "MG" + "5e4f" * 8
        self._messages: dict[str, dict[str, Any]] = {}
        self._status_callbacks: dict[str, str] = {}
        self._rejections: dict[str, tuple[int, str, int]] = {}
        self._msg_lock = threading.Lock()
        self._carrier_delay: float | None = None
        self._recordings: dict[str, dict[str, Any]] = {}
        self._outbound_calls: dict[str, dict[str, Any]] = {}  # Call resources created through the API
        self._call_requests: dict[str, dict[str, Any]] = {}  # their Url, StatusCallback and events
        self._legs: list[dict[str, Any]] = []
        self._contents: dict[str, str] = {}  # ContentSid -> template body with {{1}}...
        self._window: float | None = None  # seconds of WhatsApp's window; None: not enforced
        self._window_refuse = "create"
        self._last_inbound: dict[str, datetime] = {}  # whatsapp:+... -> when it last wrote
        self._window_refused: list[str] = []  # sids accepted outside the window (refuse="callback")

    def hand_to_carrier_after(self, seconds: float | None) -> None:
        """Created messages become ``sent`` (``date_sent`` set) this long after creation, as Twilio
        sends them on; None: they stay ``queued`` until a status callback."""
        self._carrier_delay = seconds

    def _advance(self, message: dict[str, Any]) -> None:
        """Call with ``_msg_lock`` held: a queued message whose carrier hand-off time came is sent."""
        if self._carrier_delay is None or message["status"] not in ("queued", "accepted"):
            return
        created = parsedate_to_datetime(message["date_created"])
        sent_at = created + timedelta(seconds=self._carrier_delay)
        if datetime.now(UTC) >= sent_at:
            message["status"] = "sent"
            message["date_sent"] = message["date_updated"] = rfc2822(sent_at)

    # -- test-side API ---------------------------------------------------------------------
    def opt_out(self, number: str) -> None:
        """``number`` texted STOP: Twilio refuses to message it (21610) until it texts START."""
        self.reject_to(number, 21610, "Attempt to send to unsubscribed recipient")

    def opt_in(self, number: str) -> None:
        self._rejections.pop(number, None)

    def reject_to(self, number: str, code: int, message: str, status: int = 400) -> None:
        """Creating a message to ``number`` fails synchronously with this Twilio error."""
        self._rejections[number] = (code, message, status)

    def add_content(self, sid: str, body: str) -> None:
        """A Content template of the account (approved for WhatsApp), ``{{1}}``... for its variables."""
        self._contents[sid] = body

    def whatsapp_window(self, seconds: float | None, *, refuse: str = "create") -> None:
        """Free text to a ``whatsapp:`` number that has not written within ``seconds`` fails with
        63016: at once (``create``) or by a later status callback (``callback``). None: off."""
        assert refuse in ("create", "callback")
        self._window, self._window_refuse = seconds, refuse

    def note_inbound(self, number: str, at: datetime | None = None) -> None:
        """``number`` (``whatsapp:+...``) wrote to the hotline at ``at`` (now)."""
        with self._msg_lock:
            self._last_inbound[number] = at or datetime.now(UTC)

    def _in_window(self, number: str) -> bool:
        with self._msg_lock:
            last = self._last_inbound.get(number)
        return self._window is not None and last is not None and \
            (datetime.now(UTC) - last).total_seconds() < self._window

    def deliver_window_refusals(self, callback_url: str | None = None) -> list[httpx.Response]:
        """Fail with 63016, by status callback, every message accepted outside the window."""
        with self._msg_lock:
            sids, self._window_refused = self._window_refused, []
        return [self.deliver_status(sid, "failed", callback_url, error_code=OUTSIDE_WINDOW) for sid in sids]

    def template_requests(self) -> list[dict[str, Any]]:
        """The messages.create calls that named a ContentSid, in order."""
        return [c for c in self.calls_of("messages.create") if "ContentSid" in c["params"]]

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Message resources created, oldest first."""
        with self._msg_lock:
            return [dict(m) for m in self._messages.values()]

    def bodies_to(self, number: str) -> list[str]:
        return [m["body"] for m in self.messages if m["to"] == number]

    def message(self, sid: str) -> dict[str, Any]:
        with self._msg_lock:
            return dict(self._messages[sid])

    def status_callback_request(
        self, sid: str, status: str, url: str | None = None, error_code: int | None = None
    ) -> tuple[str, dict[str, str], dict[str, str]]:
        """(url, headers, form) of the signed status callback Twilio would POST for ``sid``.

        Also moves the stored message to ``status``, as Twilio does before calling back.
        """
        with self._msg_lock:
            message = self._messages[sid]
            target = url or self._status_callbacks.get(sid)
            if not target:
                raise ValueError(f"message {sid} has no StatusCallback; pass url")
            now = datetime.now(UTC)
            message["status"] = status
            message["date_updated"] = rfc2822(now)
            if status in {"sent", "delivered", "undelivered", "read"} and message["date_sent"] is None:
                message["date_sent"] = rfc2822(now)
            if error_code is not None:
                message["error_code"] = error_code
            form = {
                "SmsSid": sid,
                "SmsStatus": status,
                "MessageStatus": status,
                "To": message["to"],
                "MessageSid": sid,
                "AccountSid": self.account_sid,
                "From": message["from"] or "",
                "ApiVersion": API_VERSION,
            }
            if message["messaging_service_sid"]:
                form["MessagingServiceSid"] = message["messaging_service_sid"]
            if error_code is not None:
                form["ErrorCode"] = str(error_code)
        headers, form = signed_request(self.auth_token, target, form)
        return target, headers, form

    def deliver_status(
        self,
        sid: str,
        status: str,
        callback_url: str | None = None,
        *,
        error_code: int | None = None,
        timeout: float = 10.0,
    ) -> httpx.Response:
        """POST a signed status callback for ``sid`` over HTTP (to its StatusCallback by default)."""
        target, headers, form = self.status_callback_request(sid, status, callback_url, error_code)
        return httpx.post(target, data=form, headers=headers, timeout=timeout)

    def deliver_pending(self, status: str = "delivered") -> list[httpx.Response]:
        """Call back ``status`` for every message with a StatusCallback that is not final yet."""
        with self._msg_lock:
            sids = [
                sid
                for sid, m in self._messages.items()
                if sid in self._status_callbacks and m["status"] not in FINAL_STATUSES
            ]
        return [self.deliver_status(sid, status) for sid in sids]

    def signed_inbound(self, url: str, params: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        """(headers, form) of an inbound-message webhook to ``url``, signed with the auth token.

        ``params`` needs at least From and Body; Twilio's other fields are filled in (To, MessageSid,
        AccountSid, NumMedia...). Pass MediaContentType0/MediaUrl0 and NumMedia for MMS or voice.
        """
        return signed_request(self.auth_token, url, self.inbound_params(params))

    def inbound_params(self, params: dict[str, str]) -> dict[str, str]:
        sender = params.get("From", "")
        whatsapp = sender.startswith("whatsapp:")
        if whatsapp:
            self.note_inbound(sender)  # the window Twilio keeps for this number opens
        to = params.get("To") or (f"whatsapp:{self.phone_number}" if whatsapp else self.phone_number)
        sid = params.get("MessageSid") or new_sid("MM" if int(params.get("NumMedia", "0") or 0) else "SM")
        body = params.get("Body", "")
        form = {
            "ToCountry": "GT",
            "ToState": "",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": body,
            "FromCountry": "GT",
            "To": to,
            "ToZip": "",
            "NumSegments": str(segments(body)),
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": sender,
            "ApiVersion": API_VERSION,
        }
        if whatsapp:
            # WhatsApp webhooks carry the profile name and WhatsApp id instead of geography.
            for key in (
                "ToCountry",
                "ToState",
                "ToCity",
                "FromZip",
                "FromState",
                "FromCity",
                "FromCountry",
                "ToZip",
            ):
                del form[key]
            form["ProfileName"] = "Ana Prueba"
            form["WaId"] = sender.removeprefix("whatsapp:+")
            form["MessageType"] = "text" if form["NumMedia"] == "0" else "media"
        form.update(params)
        form["MessageSid"] = form["SmsMessageSid"] = form["SmsSid"] = sid
        if whatsapp and params.get("NumMedia", "0") != "0":
            form["MessageType"] = (
                "audio" if params.get("MediaContentType0", "").startswith("audio/") else "image"
            )
        return form

    def inbound_sms(
        self,
        url: str,
        sender: str,
        body: str = "",
        *,
        media: tuple[tuple[str, str], ...] = (),
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Shortcut: signed inbound from ``sender`` (``+502...`` or ``whatsapp:+502...``), with
        optional ``media`` as (content type, url) pairs, e.g. a voice note ``("audio/ogg", ...)``."""
        params = {"From": sender, "Body": body, "NumMedia": str(len(media))}
        for i, (ctype, media_url) in enumerate(media):
            params[f"MediaContentType{i}"] = ctype
            params[f"MediaUrl{i}"] = media_url
        return self.signed_inbound(url, params)

    def deliver_inbound(self, url: str, params: dict[str, str], timeout: float = 10.0) -> httpx.Response:
        """POST a signed inbound-message webhook to ``url`` over HTTP."""
        headers, form = self.signed_inbound(url, params)
        return httpx.post(url, data=form, headers=headers, timeout=timeout)

    # -- voice (the voice line) ----------------------------------------------------------
    @staticmethod
    def new_call_sid() -> str:
        return new_sid("CA")

    def call_params(self, call_sid: str, caller: str, status: str = "in-progress", **extra: str) -> dict[str, str]:
        """What Twilio posts to a voice webhook (or a <Gather>/<Record> action) of an inbound call."""
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call_sid,
            "CallStatus": status,
            "Called": self.phone_number,
            "Caller": caller,
            "Direction": "inbound",
            "From": caller,
            "FromCountry": "GT",
            "To": self.phone_number,
            "ToCountry": "GT",
        }
        form.update(extra)
        return form

    def signed_voice(self, url: str, params: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        return signed_request(self.auth_token, url, params)

    def record(self, call_sid: str, seconds: int = 4) -> dict[str, str]:
        """A recording of ``call_sid`` (what a <Record> made): its <Record> action parameters."""
        sid = new_sid("RE")
        url = f"{self.url}/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{sid}"
        with self._msg_lock:
            self._recordings[sid] = {"sid": sid, "call_sid": call_sid, "duration": str(seconds), "status": "completed"}
        return {"RecordingUrl": url, "RecordingSid": sid, "RecordingDuration": str(seconds)}

    def recording_status_callback(self, url: str, call_sid: str, recording: dict[str, str],
                                  status: str = "completed") -> tuple[dict[str, str], dict[str, str]]:
        """(headers, form) of a <Record>'s signed recordingStatusCallback (Twilio sends no From)."""
        form = {
            "AccountSid": self.account_sid,
            "CallSid": call_sid,
            "RecordingSid": recording["RecordingSid"],
            "RecordingUrl": recording["RecordingUrl"],
            "RecordingStatus": status,
            "RecordingDuration": recording["RecordingDuration"],
            "RecordingChannels": "1",
            "RecordingSource": "RecordVerb",
            "RecordingStartTime": rfc2822(datetime.now(UTC)),
        }
        return signed_request(self.auth_token, url, form)

    def call_status_callback(self, url: str, call_sid: str, caller: str, status: str = "completed",
                             seconds: int = 60) -> tuple[dict[str, str], dict[str, str]]:
        """(headers, form) of the number's signed "call status changes" callback."""
        params = self.call_params(call_sid, caller, status=status, CallDuration=str(seconds),
                                  Timestamp=rfc2822(datetime.now(UTC)), CallbackSource="call-progress-events",
                                  SequenceNumber="0")
        return signed_request(self.auth_token, url, params)

    def _recording(self, request: FakeRequest, sid: str, ext: str | None) -> FakeResponse:
        with self._msg_lock:
            recording = self._recordings.get(sid)
        if request.method != "GET":
            return self._error(20004, "Method not allowed", 405)
        if recording is None:
            return self._error(20404, f"The requested resource {request.path} was not found", 404)
        if ext in (".wav", ".mp3", None):
            # Twilio serves the audio at the bare URL and .wav (and .mp3; here the same bytes).
            return FakeResponse(200, FAKE_WAV, {"Content-Type": "audio/x-wav"})
        return FakeResponse.json(200, {"sid": sid, "account_sid": self.account_sid, "call_sid": recording["call_sid"],
                                       "duration": recording["duration"], "status": recording["status"],
                                       "api_version": API_VERSION})

    # -- HTTP ------------------------------------------------------------------------------
    @staticmethod
    def _error(code: int, message: str, status: int, headers: dict[str, str] | None = None) -> FakeResponse:
        return FakeResponse.json(status, twilio_error(code, message, status), headers)

    def _fault_response(self, fault: Fault) -> FakeResponse:
        if fault.kind == "rate_limit":
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else None
            return self._error(20429, "Too Many Requests", 429, headers)
        messages = {
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }
        return self._error(
            20000 + fault.status, messages.get(fault.status, "Internal Server Error"), fault.status
        )

    def _authenticated(self, request: FakeRequest, account: str) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except ValueError:
            return False
        return (
            secrets.compare_digest(user, self.account_sid)
            and secrets.compare_digest(password, self.auth_token)
            and account == self.account_sid
        )

    def _dispatch(self, request: FakeRequest) -> FakeResponse:
        call_match = _CALLS.match(request.path)
        if call_match is not None:
            return self._calls_api(request, call_match)
        recording = _RECORDINGS.match(request.path)
        if recording is not None:
            if not self._authenticated(request, recording["account"]):
                return self._error(20003, "Authenticate", 401, {"WWW-Authenticate": 'Basic realm="Twilio API"'})
            return self._recording(request, recording["sid"], recording["ext"])
        match = _MESSAGES.match(request.path)
        resource = f"{request.method} {request.path}"
        if match is None:
            return self._error(20404, f"The requested resource {request.path} was not found", 404)
        form = {k: v[-1] for k, v in request.form().items()} if request.method == "POST" else {}
        media_urls = request.form().get("MediaUrl", []) if request.method == "POST" else []
        if not self._authenticated(request, match["account"]):
            self._record(
                "authenticate", form, 401, resource=resource, to=form.get("To"), body=form.get("Body")
            )
            return self._error(20003, "Authenticate", 401, {"WWW-Authenticate": 'Basic realm="Twilio API"'})
        sid = match["sid"]
        if request.method == "POST" and sid is None:
            method = "messages.create"

            def act() -> FakeResponse:
                return self._create(form, media_urls)

        elif request.method == "GET" and sid is not None:
            method = "messages.fetch"

            def act() -> FakeResponse:
                return self._fetch(sid, request.path)

        elif request.method == "GET":
            method = "messages.list"

            def act() -> FakeResponse:
                return self._list(request.query, request.path)

        else:
            return self._error(20004, "Method not allowed", 405)

        def record(response: FakeResponse, outcome: str | None) -> None:
            payload = json.loads(response.body) if response.body.startswith(b"{") else {}
            self._record(
                method,
                form,
                response.status,
                to=form.get("To"),
                body=form.get("Body"),
                sid=payload.get("sid") if response.status < 300 else None,
                error_code=payload.get("code") if response.status >= 300 else None,
                outcome=outcome,
            )

        return self._apply_faults(method, act, self._fault_response, record)

    def _create(self, form: dict[str, str], media_urls: list[str]) -> FakeResponse:
        to = form.get("To", "")
        sender = form.get("From")
        service = form.get("MessagingServiceSid")
        body = form.get("Body", "")
        if not to:
            return self._error(21604, "A 'To' phone number is required.", 400)
        if not sender and not service:
            return self._error(21603, "A 'From' phone number is required.", 400)
        content_sid, variables = form.get("ContentSid"), form.get("ContentVariables")
        if variables is not None and content_sid is None:
            return self._error(21654, "A ContentSid must be specified if ContentVariables are provided in the "
                                      "request.", 400)
        if content_sid is not None:
            if body and variables is not None:
                return self._error(35127, "'Messages' Body and ContentVariables cannot be provided together", 400)
            if not _CONTENT_SID.match(content_sid) or content_sid not in self._contents:
                return self._error(21655, "The ContentSid is Invalid", 400)
            rendered = _render(self._contents[content_sid], variables)
            if rendered is None:
                return self._error(21656, "The Content Variables parameter is invalid.", 400)
            body = rendered  # the template supersedes any Body
        elif not body and not media_urls:
            return self._error(21619, "A text message body or media urls must be specified.", 400)
        if len(body) > MAX_BODY:
            return self._error(21617, "The concatenated message body exceeds the 1600 character limit.", 400)
        if not _E164.match(to.removeprefix("whatsapp:")):
            return self._error(21211, f"Invalid 'To' Phone Number: {to}", 400)
        if sender and sender not in self.owned_numbers:
            return self._error(
                21606,
                "The 'From' phone number provided is not a valid message-capable Twilio phone number for "
                "this destination/account.",
                400,
            )
        if service and service != self.messaging_service_sid:
            return self._error(21701, "The Messaging Service Sid is invalid.", 400)
        if to in self._rejections:
            code, message, status = self._rejections[to]
            return self._error(code, message, status)
        outside = content_sid is None and to.startswith("whatsapp:") and self._window is not None \
            and not self._in_window(to)
        if outside and self._window_refuse == "create":
            return self._error(OUTSIDE_WINDOW, OUTSIDE_WINDOW_MESSAGE, 400)
        now = rfc2822(datetime.now(UTC))
        sid = new_sid("MM" if media_urls else "SM")
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json"
        resource: dict[str, Any] = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            # Through a Messaging Service Twilio has not picked a sender yet, nor counted segments.
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender if sender else None,
            "messaging_service_sid": service,
            "num_media": str(len(media_urls)),
            "num_segments": str(segments(body)) if sender else "0",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued" if sender else "accepted",
            "subresource_uris": {
                "media": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}/Media.json",
                "feedback": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}/Feedback.json",
            },
            "to": to,
            "uri": uri,
        }
        with self._msg_lock:
            self._messages[sid] = resource
            if form.get("StatusCallback"):
                self._status_callbacks[sid] = form["StatusCallback"]
            if outside:
                self._window_refused.append(sid)
            snapshot = dict(resource)
        return FakeResponse.json(201, snapshot, {"Twilio-Request-Id": new_sid("RQ")})

    def _fetch(self, sid: str, path: str) -> FakeResponse:
        with self._msg_lock:
            resource = self._messages.get(sid)
            if resource is not None:
                self._advance(resource)
            snapshot = dict(resource) if resource else None
        if snapshot is None:
            return self._error(20404, f"The requested resource {path} was not found", 404)
        return FakeResponse.json(200, snapshot, {"Twilio-Request-Id": new_sid("RQ")})

    def _list(self, query: dict[str, str], path: str) -> FakeResponse:
        filters: list[tuple[str, date]] = []
        for name, op in (("DateSent", "="), ("DateSent<", "<="), ("DateSent>", ">=")):
            if name in query:
                day = _gmt_date(query[name])
                if day is None:
                    return self._error(20001, f"Invalid {name}: {query[name]}", 400)
                filters.append((op, day))
        try:
            page_size = int(query.get("PageSize", "50"))
            page = int(query.get("Page", "0"))
        except ValueError:
            return self._error(20001, "Invalid paging parameter", 400)
        if not 1 <= page_size <= 1000 or page < 0:
            return self._error(20001, "Invalid paging parameter", 400)
        with self._msg_lock:
            for message in self._messages.values():
                self._advance(message)
            found = [dict(m) for m in reversed(self._messages.values())
                     if ("To" not in query or m["to"] == query["To"])
                     and ("From" not in query or m["from"] == query["From"])
                     and all(_date_matches(m["date_sent"], op, day) for op, day in filters)]
        chunk = found[page * page_size:(page + 1) * page_size]
        params = {k: v for k, v in query.items() if k not in ("Page", "PageToken", "PageSize")}
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

        def uri(n: int, token: bool) -> str:
            extra = {"PageSize": str(page_size), "Page": str(n)}
            if token:
                extra["PageToken"] = f"PA{n}"
            return base + "?" + urlencode({**params, **extra})

        more = (page + 1) * page_size < len(found)
        payload = {
            "end": page * page_size + max(0, len(chunk) - 1),
            "first_page_uri": uri(0, False),
            "next_page_uri": uri(page + 1, True) if more else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": uri(page - 1, True) if page > 0 else None,
            "start": page * page_size,
            "uri": uri(page, page > 0),
            "messages": chunk,
        }
        return FakeResponse.json(200, payload, {"Twilio-Request-Id": new_sid("RQ")})

    # -- outbound calls (the console's "Llamar") ---------------------------------------------
    @property
    def call_legs(self) -> list[dict[str, Any]]:
        """Every leg of the calls made through the API, in order: ``sid``, ``parent_sid`` (None for
        the leg the API created), ``to``, ``from``, ``status``, ``duration``."""
        with self._msg_lock:
            return [dict(leg) for leg in self._legs]

    def outbound_call(self, sid: str) -> dict[str, Any]:
        with self._msg_lock:
            return dict(self._outbound_calls[sid])

    def _calls_api(self, request: FakeRequest, match: re.Match[str]) -> FakeResponse:
        form = {k: v[-1] for k, v in request.form().items()} if request.method == "POST" else {}
        events = request.form().get("StatusCallbackEvent", []) if request.method == "POST" else []
        if not self._authenticated(request, match["account"]):
            self._record("authenticate", form, 401, resource=f"{request.method} {request.path}", to=form.get("To"))
            return self._error(20003, "Authenticate", 401, {"WWW-Authenticate": 'Basic realm="Twilio API"'})
        sid = match["sid"]
        if request.method == "POST" and sid is None:
            method = "calls.create"

            def act() -> FakeResponse:
                return self._create_call(form, events)

        elif request.method == "GET" and sid is not None:
            method = "calls.fetch"

            def act() -> FakeResponse:
                with self._msg_lock:
                    found = self._outbound_calls.get(sid)
                    snapshot = dict(found) if found else None
                if snapshot is None:
                    return self._error(20404, f"The requested resource {request.path} was not found", 404)
                return FakeResponse.json(200, snapshot, {"Twilio-Request-Id": new_sid("RQ")})

        else:
            return self._error(20004, "Method not allowed", 405)

        def record(response: FakeResponse, outcome: str | None) -> None:
            payload = json.loads(response.body) if response.body.startswith(b"{") else {}
            self._record(method, form, response.status, to=form.get("To"), events=list(events),
                         sid=payload.get("sid") if response.status < 300 else None,
                         error_code=payload.get("code") if response.status >= 300 else None, outcome=outcome)

        return self._apply_faults(method, act, self._fault_response, record)

    def _create_call(self, form: dict[str, str], events: list[str]) -> FakeResponse:
        to, sender = form.get("To", ""), form.get("From", "")
        if not to:
            return self._error(21201, "No 'To' number is specified", 400)
        if not sender:
            return self._error(21213, "No 'From' number is specified", 400)
        if not form.get("Url") and not form.get("Twiml") and not form.get("ApplicationSid"):
            return self._error(21205, "Url parameter is required.", 400)
        if not _E164.match(to):
            return self._error(21211, f"Invalid 'To' Phone Number: {to}", 400)
        if sender not in self.owned_numbers:
            return self._error(21210, f"The source phone number provided, {sender}, is not yet verified for your "
                                      "account.", 400)
        if any(e not in CALL_EVENTS for e in events):
            return self._error(21626, "Invalid StatusCallbackEvent", 400)
        if to in self._rejections:
            code, message, status = self._rejections[to]
            return self._error(code, message, status)
        sid = self.new_call_sid()
        resource = self._call_resource(sid, to, sender, None, "outbound-api")
        with self._msg_lock:
            self._outbound_calls[sid] = resource
            self._call_requests[sid] = {"url": form.get("Url"), "twiml": form.get("Twiml"),
                                        "status_callback": form.get("StatusCallback"),
                                        "events": list(events) or ["completed"]}
            self._legs.append({"sid": sid, "parent_sid": None, "to": to, "from": sender, "status": "queued",
                               "duration": None})
            snapshot = dict(resource)
        return FakeResponse.json(201, snapshot, {"Twilio-Request-Id": new_sid("RQ")})

    def _call_resource(self, sid: str, to: str, sender: str, parent: str | None, direction: str) -> dict[str, Any]:
        now = rfc2822(datetime.now(UTC))
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{sid}"
        return {
            "sid": sid, "date_created": now, "date_updated": now, "parent_call_sid": parent,
            "account_sid": self.account_sid, "to": to, "to_formatted": to, "from": sender,
            "from_formatted": sender, "phone_number_sid": None, "status": "queued", "start_time": None,
            "end_time": None, "duration": None, "price": None, "price_unit": "USD", "direction": direction,
            "answered_by": None, "api_version": API_VERSION, "forwarded_from": None, "group_sid": None,
            "caller_name": None, "queue_time": "0", "trunk_sid": None, "uri": f"{base}.json",
            "subresource_uris": {"notifications": f"{base}/Notifications.json",
                                 "recordings": f"{base}/Recordings.json", "events": f"{base}/Events.json"},
        }

    def _set_leg(self, sid: str, status: str, duration: int | None = None) -> None:
        with self._msg_lock:
            for leg in self._legs:
                if leg["sid"] == sid:
                    leg["status"], leg["duration"] = status, duration
            resource = self._outbound_calls.get(sid)
            if resource is not None:
                now = rfc2822(datetime.now(UTC))
                resource["status"], resource["date_updated"] = status, now
                if status == "in-progress":
                    resource["start_time"] = now
                if status in ("completed", "busy", "failed", "no-answer", "canceled"):
                    resource["end_time"] = now
                    resource["duration"] = str(duration or 0)

    def _leg_params(self, sid: str, to: str, sender: str, status: str, direction: str,
                    parent: str | None = None, **extra: str) -> dict[str, str]:
        form = {"AccountSid": self.account_sid, "ApiVersion": API_VERSION, "CallSid": sid, "CallStatus": status,
                "Called": to, "To": to, "Caller": sender, "From": sender, "Direction": direction,
                "Timestamp": rfc2822(datetime.now(UTC)), "CallbackSource": "call-progress-events"}
        if parent:
            form["ParentCallSid"] = parent
        form.update(extra)
        return form

    def run_call(self, sid: str, post: Any, *, operator: str = "answer", relative: str = "completed",
                 seconds: int = 95, presses: str | None = "1") -> list[Any]:
        """Play the call ``sid`` (made through ``calls.create``) to its end, as Twilio would.

        ``post(url, headers, form)`` delivers each signed request (returns a response with
        ``status_code`` and ``text``). ``operator``: "answer", "no-answer", "busy" or "failed";
        ``relative``: "completed" (they talk ``seconds``), "no-answer", "busy" or "failed".
        ``presses``: the keys the answering phone sends to a ``<Gather>`` (None: silence, as a
        voicemail). Returns the responses, in order."""
        with self._msg_lock:
            request = dict(self._call_requests[sid])
            resource = dict(self._outbound_calls[sid])
        to, sender, events = resource["to"], resource["from"], request["events"]
        responses: list[Any] = []
        sequence = iter(range(100))

        def status_callback(status: str, event: str, **extra: str) -> None:
            url = request["status_callback"]
            if url and (event in events or event == "completed"):
                form = self._leg_params(sid, to, sender, status, "outbound-api",
                                        SequenceNumber=str(next(sequence)), **extra)
                responses.append(post(url, *self._signed(url, form)))

        self._set_leg(sid, "initiated")
        status_callback("initiated", "initiated")
        self._set_leg(sid, "ringing")
        status_callback("ringing", "ringing")
        if operator != "answer":
            self._set_leg(sid, operator, 0)
            status_callback(operator, "completed", CallDuration="0")
            return responses
        self._set_leg(sid, "in-progress")
        status_callback("in-progress", "answered")
        talked = 0
        if request["url"]:
            form = self._leg_params(sid, to, sender, "in-progress", "outbound-api")
            del form["CallbackSource"], form["Timestamp"]
            answer = post(request["url"], *self._signed(request["url"], form))
            responses.append(answer)
            answer = self._gathered(answer, form, presses, post, responses)
            talked = self._dial(sid, to, sender, answer.text, post, responses, relative, seconds)
        self._set_leg(sid, "completed", talked + 5)
        status_callback("completed", "completed", CallDuration=str(talked + 5))
        return responses

    def _gathered(self, answer: Any, form: dict[str, str], presses: str | None, post: Any,
                  responses: list[Any]) -> Any:
        """Twilio's <Gather>: with keys pressed, POST them (``Digits``) to its action and go on with
        that TwiML; with silence, go on after the <Gather> (here: the same document, without it)."""
        try:
            root = ElementTree.fromstring(answer.text)
        except ElementTree.ParseError:
            return answer
        gather = root.find("Gather")
        if gather is None:
            return answer
        action = gather.get("action")
        if presses is None or not action:
            root.remove(gather)
            return _Text(ElementTree.tostring(root, encoding="unicode"))
        keyed = {**form, "Digits": presses[: int(gather.get("numDigits") or len(presses))]}
        confirmed = post(action, *self._signed(action, keyed))
        responses.append(confirmed)
        return confirmed

    def _signed(self, url: str, form: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        return signed_request(self.auth_token, url, form)

    def _dial(self, parent: str, to: str, sender: str, twiml: str, post: Any, responses: list[Any],
              relative: str, seconds: int) -> int:
        """Follow the first <Dial><Number> of ``twiml``; returns how long the relative talked."""
        root = ElementTree.fromstring(twiml)
        dial = root.find("Dial")
        number = dial.find("Number") if dial is not None else None
        if dial is None or number is None or not (number.text or "").strip():
            return 0
        child = self.new_call_sid()
        dialled = (number.text or "").strip()
        caller_id = dial.get("callerId") or sender
        with self._msg_lock:
            self._legs.append({"sid": child, "parent_sid": parent, "to": dialled, "from": caller_id,
                               "status": "initiated", "duration": None})
        leg_url, leg_events = number.get("statusCallback"), (number.get("statusCallbackEvent") or "").split()
        sequence = iter(range(100))

        def leg_callback(status: str, event: str, **extra: str) -> None:
            if leg_url and (event in leg_events or event == "completed"):
                form = self._leg_params(child, dialled, caller_id, status, "outbound-dial", parent,
                                        SequenceNumber=str(next(sequence)), **extra)
                responses.append(post(leg_url, *self._signed(leg_url, form)))

        leg_callback("initiated", "initiated")
        self._set_leg(child, "ringing")
        leg_callback("ringing", "ringing")
        talked = seconds if relative == "completed" else 0
        if relative == "completed":
            self._set_leg(child, "in-progress")
            leg_callback("in-progress", "answered")
        self._set_leg(child, relative, talked)
        leg_callback(relative, "completed", CallDuration=str(talked))
        action = dial.get("action")
        if action:
            form = self._leg_params(parent, to, sender, "in-progress", "outbound-api",
                                    DialCallStatus=relative, DialCallSid=child, DialCallDuration=str(talked),
                                    DialBridged="true" if relative == "completed" else "false")
            del form["CallbackSource"], form["Timestamp"]
            responses.append(post(action, *self._signed(action, form)))
        return talked


def _render(template: str, variables: str | None) -> str | None:
    """A Content template's body with its variables; None when ContentVariables is not a JSON
    object of plain values (what Twilio refuses with 21656). A variable not given keeps its
    placeholder (the real template would show its default sample)."""
    values: dict[str, Any] = {}
    if variables is not None:
        try:
            values = json.loads(variables)
        except ValueError:
            return None
        if not isinstance(values, dict) or any(isinstance(v, dict | list) or v is None for v in values.values()):
            return None
    return re.sub(r"\{\{\s*([^}\s]+)\s*\}\}", lambda m: str(values.get(m.group(1), m.group(0))), template)


_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S.%f", "%m/%d/%Y %H:%M:%S %Z")


def _gmt_date(value: str) -> date | None:
    """The GMT date of a DateSent filter value, in any of the formats Twilio's description shows."""
    value = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    try:
        return parsedate_to_datetime(value).astimezone(UTC).date()
    except (TypeError, ValueError):
        return None


def _date_matches(date_sent: str | None, op: str, day: date) -> bool:
    if date_sent is None:  # not sent yet: no sent date to compare
        return False
    sent = parsedate_to_datetime(date_sent).astimezone(UTC).date()
    return sent == day if op == "=" else sent <= day if op == "<=" else sent >= day
