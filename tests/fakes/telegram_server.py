"""A fake Telegram Bot API: a real HTTP server on 127.0.0.1 speaking the Bot API wire format.

Point python-telegram-bot at it with ``make_bot(token, fake.url)`` (``TELEGRAM_API_BASE_URL``).
Served: ``/bot<token>/<method>`` by GET or POST with query string, form, JSON or multipart bodies,
answered in the ``{"ok": true, "result": ...}`` envelope. Methods: getMe, sendMessage (its
``reply_markup`` checked as Telegram parses it and kept: ``sent_with_markup``), setWebhook,
deleteWebhook, getWebhookInfo, getUpdates (long polling over updates the test pushes, honouring
``offset``, ``limit`` and ``timeout``), and a few that only answer true (sendChatAction,
setMyCommands...). Errors as Telegram sends them, including 429 with ``parameters.retry_after``,
403 for a user who blocked the bot, 401 for a wrong token, 409 for getUpdates under a webhook.

All people, chats and texts made here are fictional.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx

from tests.fakes._http import FakeRequest, FakeResponse, FakeServer, Fault

DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly-0123456789ab"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# Parameters Telegram types as strings: PTB sends them raw, everything else JSON-encoded.
_STRING_PARAMS = {
    "text",
    "parse_mode",
    "url",
    "secret_token",
    "ip_address",
    "caption",
    "action",
    "business_connection_id",
    "message_effect_id",
    "language_code",
}
MAX_TEXT_LENGTH = 4096

# Methods the fake accepts and answers ``true`` without modelling them further.
_TRUE_METHODS = {
    "sendChatAction",
    "setMyCommands",
    "deleteMyCommands",
    "setMyDescription",
    "setMyShortDescription",
    "answerCallbackQuery",
    "close",
    "logOut",
}

_GATEWAY_HTML = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_PHRASES = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Time-out",
}


def _decode_param(name: str, raw: str) -> Any:
    if name in _STRING_PARAMS:
        return raw
    if name == "chat_id":
        return int(raw) if raw.lstrip("-").isdigit() else raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _parse_params(request: FakeRequest) -> dict[str, Any]:
    """Bot API parameters from the query string and the body, whatever its encoding."""
    params: dict[str, Any] = {k: _decode_param(k, v) for k, v in request.query.items()}
    ctype = request.headers.get("content-type", "")
    if not request.body:
        return params
    if ctype.startswith("application/json"):
        params.update(json.loads(request.body))
    elif ctype.startswith("application/x-www-form-urlencoded"):
        params.update({k: _decode_param(k, v[-1]) for k, v in request.form().items()})
    elif ctype.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + request.body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str) and not part.get_filename():
                params[name] = _decode_param(name, part.get_content().strip())
    return params


def _valid_markup(markup: Any, *, private: bool) -> bool:
    """What the Bot API accepts as ``reply_markup`` (ReplyKeyboardMarkup, ReplyKeyboardRemove,
    InlineKeyboardMarkup, ForceReply): rows of buttons with a text; a button asking for the user's
    contact only in a private chat; a removal is ``remove_keyboard: true``."""
    if not isinstance(markup, dict):
        return False
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            return False
        for button in (b for row in rows for b in row):
            if isinstance(button, str):
                button = {"text": button}
            if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
                return False
            if button.get("request_contact") and not private:
                return False
        return all(isinstance(markup.get(k, False), bool) for k in ("resize_keyboard", "one_time_keyboard"))
    if "remove_keyboard" in markup:
        return markup["remove_keyboard"] is True
    return "inline_keyboard" in markup or "force_reply" in markup


class UpdateFactory:
    """Builds Update JSON as Telegram sends it (webhook body or getUpdates item).

    ``update_id`` increases by one per update; ``message_id`` increases per chat and is shared with
    the fake's outgoing messages, as in a real private chat. People are fictional.
    """

    def __init__(self, message_ids: dict[int | str, itertools.count[int]] | None = None) -> None:
        self._update_ids = itertools.count(500_000_001)
        self._message_ids = (
            message_ids if message_ids is not None else defaultdict(lambda: itertools.count(1))
        )
        self._file_ids = itertools.count(1)
        self._lock = threading.Lock()

    def _ids(self, chat_id: int) -> tuple[int, int]:
        with self._lock:
            return next(self._update_ids), next(self._message_ids[chat_id])

    @staticmethod
    def user(
        chat_id: int, first_name: str = "Ana", last_name: str | None = "Prueba", language_code: str = "es"
    ) -> dict:
        user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if language_code:
            user["language_code"] = language_code
        return user

    def _file(self, prefix: str) -> dict[str, str]:
        n = next(self._file_ids)
        return {"file_id": f"{prefix}FakeFileId{n:08d}", "file_unique_id": f"{prefix}U{n:06d}"}

    def message_update(
        self, chat_id: int, fields: dict[str, Any], *, first_name: str = "Ana", **user: Any
    ) -> dict:
        update_id, message_id = self._ids(chat_id)
        sender = self.user(chat_id, first_name=first_name, **user)
        chat = {"id": chat_id, "type": "private", "first_name": sender["first_name"]}
        if "last_name" in sender:
            chat["last_name"] = sender["last_name"]
        message = {"message_id": message_id, "from": sender, "chat": chat, "date": int(time.time()), **fields}
        return {"update_id": update_id, "message": message}

    def text(self, chat_id: int, text: str, **user: Any) -> dict:
        return self.message_update(chat_id, {"text": text}, **user)

    def command(self, chat_id: int, command: str, args: str = "", **user: Any) -> dict:
        """``/start``, ``/caso ABC-123``...: text with a leading ``bot_command`` entity."""
        name = command if command.startswith("/") else f"/{command}"
        text = f"{name} {args}".rstrip()
        entity = {"offset": 0, "length": len(name.encode("utf-16-le")) // 2, "type": "bot_command"}
        return self.message_update(chat_id, {"text": text, "entities": [entity]}, **user)

    def voice(self, chat_id: int, duration: int = 4, **user: Any) -> dict:
        voice = {
            **self._file("AwAC"),
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 6_000 * duration,
        }
        return self.message_update(chat_id, {"voice": voice}, **user)

    def photo(self, chat_id: int, caption: str | None = None, **user: Any) -> dict:
        sizes = [
            {**self._file("AgAC"), "width": w, "height": h, "file_size": w * h // 8}
            for w, h in ((90, 67), (320, 240), (1280, 960))
        ]
        fields: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            fields["caption"] = caption
        return self.message_update(chat_id, fields, **user)

    def contact(self, chat_id: int, phone_number: str, *, user_id: int | None = None,
                first_name: str = "Ana", last_name: str | None = None, **user: Any) -> dict:
        """A shared contact. The "share my phone number" button sends the user's own: ``user_id``
        is then the sender's (a private chat's id is its user's id); a contact card of someone else
        has another ``user_id``, or none when that person is not on Telegram."""
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if user_id is not None:
            contact["user_id"] = user_id
        return self.message_update(chat_id, {"contact": contact}, **user)

    def sticker(self, chat_id: int, emoji: str = "🙏", **user: Any) -> dict:
        sticker = {
            **self._file("CAAC"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 20_000,
        }
        return self.message_update(chat_id, {"sticker": sticker}, **user)


class FakeTelegram(FakeServer):
    """The fake Bot API. ``url`` is what ``TELEGRAM_API_BASE_URL`` should be set to."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "linea_familiares_fake_bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host, port)
        self.token = token
        self.bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "Línea Familiares (prueba)",
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._message_ids: dict[int | str, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self.updates = UpdateFactory(self._message_ids)
        self._pending: list[dict] = []  # updates not yet confirmed by a getUpdates offset
        self._new_update = threading.Condition(self._lock)
        self._chat_errors: dict[int | str, tuple[int, str]] = {}
        self._chats: dict[int | str, dict] = {}  # chat objects seen in pushed updates
        self._sent: list[dict] = []
        self._sent_markup: list[dict | None] = []  # the reply_markup each of _sent was sent with
        self.webhook: dict[str, Any] = {"url": ""}

    # -- test-side API ---------------------------------------------------------------------
    def push(self, *updates: dict) -> None:
        """Queue updates for getUpdates (what Telegram does when a user writes to the bot)."""
        with self._new_update:
            self._remember_chats(updates)
            self._pending.extend(updates)
            self._new_update.notify_all()

    def _remember_chats(self, updates: tuple[dict, ...]) -> None:
        # Replies then carry the chat as Telegram knows it (name, type), like the real API.
        with self._lock:
            for update in updates:
                chat = update.get("message", {}).get("chat")
                if chat:
                    self._chats[chat["id"]] = chat

    @property
    def pending_updates(self) -> list[dict]:
        with self._lock:
            return list(self._pending)

    def block_chat(self, chat_id: int) -> None:
        """The user blocked the bot: sendMessage to them answers 403."""
        self._chat_errors[chat_id] = (403, "Forbidden: bot was blocked by the user")

    def chat_not_found(self, chat_id: int) -> None:
        self._chat_errors[chat_id] = (400, "Bad Request: chat not found")

    def unblock_chat(self, chat_id: int) -> None:
        self._chat_errors.pop(chat_id, None)

    @property
    def sent_messages(self) -> list[dict]:
        """Message objects the bot sent (as returned to it), oldest first."""
        with self._lock:
            return list(self._sent)

    def sent_to(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.sent_messages if m["chat"]["id"] == chat_id]

    def sent_with_markup(self, chat_id: int) -> list[tuple[str, dict | None]]:
        """(text, reply_markup as the bot sent it, or None) of each message to ``chat_id``, oldest
        first. Telegram does not echo a reply keyboard in the returned message, so this is the
        only place a test sees it."""
        with self._lock:
            return [(m["text"], markup) for m, markup in zip(self._sent, self._sent_markup, strict=True)
                    if m["chat"]["id"] == chat_id]

    def webhook_request(self, update: dict) -> tuple[dict[str, str], bytes]:
        """Headers and JSON body Telegram would POST to the webhook set by setWebhook."""
        self._remember_chats((update,))
        headers = {"Content-Type": "application/json"}
        if self.webhook.get("secret_token"):
            headers[SECRET_HEADER] = self.webhook["secret_token"]
        return headers, json.dumps(update, ensure_ascii=False).encode("utf-8")

    def deliver_update(self, update: dict, url: str | None = None, timeout: float = 10.0) -> httpx.Response:
        """POST ``update`` over HTTP to the registered webhook (or ``url``), as Telegram does."""
        target = url or self.webhook.get("url")
        if not target:
            raise RuntimeError("no webhook set: call setWebhook first or pass url")
        headers, body = self.webhook_request(update)
        return httpx.post(target, content=body, headers=headers, timeout=timeout)

    # -- HTTP ------------------------------------------------------------------------------
    @staticmethod
    def _ok(result: Any) -> FakeResponse:
        return FakeResponse.json(200, {"ok": True, "result": result})

    @staticmethod
    def _error(code: int, description: str, parameters: dict | None = None) -> FakeResponse:
        payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            payload["parameters"] = parameters
        return FakeResponse.json(code, payload)

    def _fault_response(self, fault: Fault) -> FakeResponse:
        if fault.kind == "rate_limit":
            seconds = fault.retry_after or 1
            return self._error(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})
        if fault.status in (502, 503, 504):
            # Telegram's front proxy answers these with an HTML page, not the JSON envelope.
            phrase = _PHRASES[fault.status]
            html = _GATEWAY_HTML.format(code=fault.status, phrase=phrase).encode()
            return FakeResponse(fault.status, html, {"Content-Type": "text/html"})
        if fault.status == 403:
            return self._error(403, "Forbidden: bot was blocked by the user")
        return self._error(fault.status, _PHRASES.get(fault.status, "Internal Server Error"))

    def _dispatch(self, request: FakeRequest) -> FakeResponse:
        prefix, _, rest = request.path.lstrip("/").partition("/")
        if not prefix.startswith("bot") or not rest or "/" in rest:
            return self._error(404, "Not Found")
        if prefix[3:] != self.token:
            self._record(rest, {}, 401, chat_id=None, text=None, outcome="unauthorized")
            return self._error(401, "Unauthorized")
        method = rest
        try:
            params = _parse_params(request)
        except ValueError:
            return self._error(400, "Bad Request: can't parse request body")
        handler = getattr(self, f"_m_{method}", None)
        if handler is None and method in _TRUE_METHODS:
            handler = self._m_true
        if handler is None:
            self._record(method, params, 404, chat_id=None, text=None, outcome="unknown method")
            return self._error(404, "Not Found")

        def record(response: FakeResponse, outcome: str | None) -> None:
            self._record(
                method,
                params,
                response.status,
                chat_id=params.get("chat_id"),
                text=params.get("text"),
                outcome=outcome,
            )

        return self._apply_faults(method, lambda: handler(params), self._fault_response, record)

    # -- methods ---------------------------------------------------------------------------
    def _m_true(self, params: dict) -> FakeResponse:
        return self._ok(True)

    def _m_getMe(self, params: dict) -> FakeResponse:
        return self._ok(self.bot_user)

    def _m_sendMessage(self, params: dict) -> FakeResponse:
        chat_id = params.get("chat_id")
        text = params.get("text")
        if chat_id in (None, ""):
            return self._error(400, "Bad Request: chat_id is empty")
        if not text or not str(text).strip():
            return self._error(400, "Bad Request: message text is empty")
        if len(str(text).encode("utf-16-le")) // 2 > MAX_TEXT_LENGTH:
            return self._error(400, "Bad Request: message is too long")
        if chat_id in self._chat_errors:
            return self._error(*self._chat_errors[chat_id])
        markup = params.get("reply_markup")
        with self._lock:
            private = self._chats.get(chat_id, {}).get("type", "private") == "private"
        if markup is not None and not _valid_markup(markup, private=private):
            return self._error(400, "Bad Request: can't parse reply keyboard markup JSON object")
        with self._lock:
            message_id = next(self._message_ids[chat_id])
            message: dict[str, Any] = {
                "message_id": message_id,
                "from": {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")},
                "chat": self._chats.get(chat_id, {"id": chat_id, "type": "private", "first_name": "Ana"}),
                "date": int(time.time()),
                "text": str(text),
            }
            if isinstance(params.get("reply_markup"), dict) and "inline_keyboard" in params["reply_markup"]:
                message["reply_markup"] = params["reply_markup"]
            self._sent.append(message)
            self._sent_markup.append(markup if isinstance(markup, dict) else None)
        return self._ok(message)

    def _m_setWebhook(self, params: dict) -> FakeResponse:
        url = params.get("url", "")
        if url and not str(url).startswith(("https://", "http://")):
            return self._error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        with self._lock:
            self.webhook = {k: v for k, v in params.items() if k != "certificate"}
            self.webhook["url"] = url
            if params.get("drop_pending_updates"):
                self._pending.clear()
        return self._ok(True)

    def _m_deleteWebhook(self, params: dict) -> FakeResponse:
        with self._lock:
            self.webhook = {"url": ""}
            if params.get("drop_pending_updates"):
                self._pending.clear()
        return self._ok(True)

    def _m_getWebhookInfo(self, params: dict) -> FakeResponse:
        with self._lock:
            info: dict[str, Any] = {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }
            if info["url"]:
                info["max_connections"] = self.webhook.get("max_connections", 40)
                if self.webhook.get("allowed_updates"):
                    info["allowed_updates"] = self.webhook["allowed_updates"]
        return self._ok(info)

    def _m_getUpdates(self, params: dict) -> FakeResponse:
        if self.webhook.get("url"):
            return self._error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        deadline = time.monotonic() + timeout
        with self._new_update:
            # Telegram forgets every update below a positive offset; a negative one keeps the last -offset.
            if offset > 0:
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
            elif offset < 0:
                self._pending = self._pending[offset:]
            while not self._pending and not self._stopping.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._new_update.wait(min(remaining, 0.5))
            return self._ok(list(self._pending[:limit]))
