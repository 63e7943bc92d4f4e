"""The local web chat (/chat): the same engine and database as Telegram and SMS, for demos,
operator training and tests."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from api.deps import SessionDep, SettingsDep
from bot.conversations import handle_inbound
from db.repositories.local_channel import take_pending

router = APIRouter(tags=["web chat"])
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class ChatIn(BaseModel):
    session_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    text: str = Field(min_length=1, max_length=4000)


class ChatMessage(BaseModel):
    id: int
    text: str


class ChatOut(BaseModel):
    messages: list[ChatMessage]


@router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
def chat_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "chat.html", {})


@router.post("/chat/messages", response_model=ChatOut)
def post_message(body: ChatIn, session: SessionDep, settings: SettingsDep) -> ChatOut:
    """Send one message as a relative; returns the bot's replies."""
    address = f"web-{body.session_id}"
    result = handle_inbound(session, settings, channel="local", address=address,
                            provider_id=f"web-{uuid.uuid4().hex}", text=body.text)
    session.flush()
    rows = [r for r in take_pending(session, address, reader="webchat") if r.id in set(result.outbox_ids)]
    return ChatOut(messages=[ChatMessage(id=r.id, text=r.text) for r in rows])


@router.get("/chat/messages", response_model=ChatOut)
def poll_messages(session: SessionDep, session_id: str = Query(...), after: int = Query(0, ge=0)) -> ChatOut:
    """Messages that arrived later (an operator's reply, a notification, a follow-up)."""
    if not _SESSION_ID.match(session_id):
        raise HTTPException(422, detail="session_id must be 8 to 64 letters, digits, - or _")
    rows = take_pending(session, f"web-{session_id}", after_id=after, reader="webchat")
    return ChatOut(messages=[ChatMessage(id=r.id, text=r.text) for r in rows])
