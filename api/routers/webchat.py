"""The local web chat (/chat): the same engine and database as Telegram and SMS, for demos,
operator training and tests. Not a production channel (SPEC section 6, "Local channels").

- Off unless ``HOTLINE_WEBCHAT=1`` (``hotline demo`` turns it on): every ``/chat`` route then
  answers 404, as if it did not exist.
- ``POST /chat/sessions`` issues a session id; ``POST /chat/messages`` and ``GET /chat/messages``
  refuse (403) any id the server did not issue. Why the ids are signed rather than stored:
  ``api/routers/webchat_access.py``.
- Sending is limited per client address (``WEBCHAT_MESSAGES_PER_MINUTE``; new sessions at a quarter
  of it): over the limit, 429 with ``Retry-After`` and a kind Spanish ``message`` the page shows.
- ``GET /chat/messages?after=0`` is the whole conversation so far (the relative's own messages too),
  so a reloaded page redraws it; ``after=N`` gives only the messages to the relative after id N.
- An empty or over-long message gets a kind reply (200, nothing recorded), never a bare 422.

The page's script and style are static files (``/chat/static/...``): no inline script or style, so a
strict Content-Security-Policy holds.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from api.deps import SessionDep, SettingsDep
from api.errors import error_response
from api.routers.webchat_access import client_address, issue_session_id, limiter_of, verified_address
from api.schemas import BODY_ERRORS, MAX_ID, JsonPattern, error_responses
from bot.conversations import handle_inbound
from common.settings import Settings
from db.repositories.local_channel import replies_after, transcript

MAX_TEXT_CHARS = 4000

# What the relative reads in the chat when the page cannot pass their message on (Spanish).
TOO_LONG = (f"Su mensaje es muy largo: puede escribir hasta {MAX_TEXT_CHARS} caracteres. Por favor, "
            "envíe lo más importante en un mensaje más corto, por ejemplo el nombre completo de la "
            "persona que busca y su fecha de nacimiento.")
EMPTY = ("Su mensaje llegó vacío. Por favor, escriba lo que necesita, por ejemplo el nombre completo "
         "de la persona que busca.")
TOO_MANY_MESSAGES = ("Ha enviado muchos mensajes en poco tiempo. Por favor, espere un momento y vuelva "
                     "a escribir; su conversación sigue aquí.")
TOO_MANY_SESSIONS = ("Se abrieron muchas conversaciones nuevas desde esta conexión. Por favor, espere "
                     "un momento y vuelva a intentarlo.")
UNKNOWN_SESSION = ("Esta conversación ya no está disponible. Empezamos una nueva: por favor, escriba "
                   "su mensaje otra vez.")


def _require_enabled(request: Request) -> None:
    settings: Settings = request.app.state.settings
    if not settings.hotline_webchat:
        raise HTTPException(404)


router = APIRouter(tags=["web chat"], dependencies=[Depends(_require_enabled)],
                   responses=error_responses(404, e404="the web chat is off (`HOTLINE_WEBCHAT`)"))
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
_STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
_STATIC_FILES = {"chat.js": "text/javascript; charset=utf-8", "chat.css": "text/css; charset=utf-8"}


class SessionOut(BaseModel):
    session_id: str = Field(description="issued by the server; send it with every message")


# What POST /chat/sessions issues: 24 random bytes and their HMAC-SHA256, both base64url
# (api/routers/webchat_access.py). Only in the OpenAPI document: any other string is refused with a
# 403 and a kind ``message`` for the page (a 422 would leave the relative without one).
SESSION_ID = r"^[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}$"
SessionIdStr = Annotated[str, JsonPattern(SESSION_ID)]
_SESSION_ID_DESCRIPTION = "as issued by `POST /chat/sessions`; any other string is a 403"


class ChatIn(BaseModel):
    session_id: SessionIdStr = Field(description=_SESSION_ID_DESCRIPTION)
    # No length limit here: an over-long text gets a kind reply, not a 422 (checked in the route).
    text: str


class ChatMessage(BaseModel):
    id: int = Field(description="the message's id (0: a reply that was not recorded); pass the largest "
                                "as `after` to get only later messages")
    text: str
    author: Literal["relative", "hotline"] = "hotline"


class ChatOut(BaseModel):
    messages: list[ChatMessage]


# Refusals carry a kind ``message`` the page shows the relative, besides ``detail`` (api.schemas.ErrorOut).
_REFUSALS = error_responses(403, 429, e403="a session id the server did not issue (`message` for the page)",
                            e429="too many requests from this address: wait `Retry-After` seconds (`message` "
                                 "for the page)")


def _refuse(status: int, detail: str, message: str, retry_after: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return error_response(status, detail, "unknown_session" if status == 403 else None, headers=headers,
                          message=message)


def _unknown_session() -> JSONResponse:
    return _refuse(403, "unknown session_id: the server did not issue it; start one with POST /chat/sessions",
                   UNKNOWN_SESSION)


@router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
def chat_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "chat.html", {"max_chars": MAX_TEXT_CHARS})


@router.get("/chat/static/{name}", include_in_schema=False)
def chat_static(name: str) -> FileResponse:
    if name not in _STATIC_FILES:
        raise HTTPException(404)
    return FileResponse(_STATIC_DIR / name, media_type=_STATIC_FILES[name],
                        headers={"Cache-Control": "public, max-age=300"})


@router.post("/chat/sessions", response_model=SessionOut, responses={429: _REFUSALS[429]})
def new_session(request: Request, settings: SettingsDep) -> SessionOut | Response:
    """Start a conversation: a new session id (at least 128 random bits, signed by the server)."""
    verdict = limiter_of(request).new_session(client_address(request))
    if not verdict.allowed:
        return _refuse(429, "too many new sessions from this address", TOO_MANY_SESSIONS, verdict.retry_after)
    return SessionOut(session_id=issue_session_id(settings))


@router.post("/chat/messages", response_model=ChatOut, responses={**_REFUSALS, **error_responses(*BODY_ERRORS)})
def post_message(body: ChatIn, request: Request, session: SessionDep, settings: SettingsDep) -> ChatOut | Response:
    """Send one message as a relative; returns the bot's replies to it."""
    verdict = limiter_of(request).message(client_address(request))
    if not verdict.allowed:
        return _refuse(429, "too many messages from this address", TOO_MANY_MESSAGES, verdict.retry_after)
    address = verified_address(settings, body.session_id)
    if address is None:
        return _unknown_session()
    if not body.text.strip():
        return ChatOut(messages=[ChatMessage(id=0, text=EMPTY)])
    if len(body.text) > MAX_TEXT_CHARS:
        return ChatOut(messages=[ChatMessage(id=0, text=TOO_LONG)])
    result = handle_inbound(session, settings, channel="local", address=address,
                            provider_id=f"web-{uuid.uuid4().hex}", text=body.text)
    session.flush()
    # Only this turn's replies: anything else (an operator's reply) comes with the page's next poll.
    rows = replies_after(session, address, after_id=0, only=result.outbox_ids, reader="webchat")
    return ChatOut(messages=[ChatMessage(id=r.id, text=r.text) for r in rows])


@router.get("/chat/messages", response_model=ChatOut, responses={403: _REFUSALS[403], **error_responses(422)})
def poll_messages(
    session: SessionDep,
    settings: SettingsDep,
    session_id: Annotated[SessionIdStr, Query(description=_SESSION_ID_DESCRIPTION)],
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="0: the whole conversation so far, the relative's own "
                                                  "messages included; N: only messages to the relative after id N")] = 0,
) -> ChatOut | Response:
    """Messages that arrived later (an operator's reply, a notification, a follow-up), or with
    ``after=0`` the whole conversation, for a page that was reloaded."""
    address = verified_address(settings, session_id)
    if address is None:
        return _unknown_session()
    if after == 0:
        return ChatOut(messages=[
            ChatMessage(id=e.cursor, text=e.text, author="relative" if e.from_relative else "hotline")
            for e in transcript(session, address, reader="webchat")
        ])
    rows = replies_after(session, address, after_id=after, reader="webchat")
    return ChatOut(messages=[ChatMessage(id=r.id, text=r.text) for r in rows])
