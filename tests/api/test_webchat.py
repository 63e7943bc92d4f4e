"""The local web chat as the contract and SPEC section 6 ("Local channels") describe it: off unless
enabled, session ids issued by the server, a per-address limit, a reload that shows the conversation
so far, and kind replies to empty or over-long messages. Runs on SQLite and PostgreSQL. Every name
and text here is FICTIONAL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.routers.webchat import EMPTY, MAX_TEXT_CHARS, TOO_LONG, TOO_MANY_MESSAGES, TOO_MANY_SESSIONS, UNKNOWN_SESSION
from common.settings import Settings
from db.models import Conversation, InboundRecord
from db.repositories.outbox import enqueue

OPERATOR_REPLY = "Le escribe Olga, del equipo (mensaje ficticio): seguimos revisando su caso."


def chat_settings(settings: Settings, per_minute: int = 0) -> Settings:
    return settings.model_copy(update={"hotline_webchat": True, "webchat_messages_per_minute": per_minute})


@pytest.fixture
def chat(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(chat_settings(settings)), raise_server_exceptions=False) as c:
        yield c


def new_session(client: TestClient) -> str:
    r = client.post("/chat/sessions")
    assert r.status_code == 200, r.text
    return str(r.json()["session_id"])


def say(client: TestClient, session_id: str, text: str) -> list[dict[str, object]]:
    r = client.post("/chat/messages", json={"session_id": session_id, "text": text})
    assert r.status_code == 200, r.text
    return list(r.json()["messages"])


def poll(client: TestClient, session_id: str, after: int) -> list[dict[str, object]]:
    r = client.get("/chat/messages", params={"session_id": session_id, "after": after})
    assert r.status_code == 200, r.text
    return list(r.json()["messages"])


def inbound_count(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(InboundRecord)) or 0)


# --- off unless enabled ---------------------------------------------------------------------------


def test_off_by_default_every_chat_route_is_404(settings: Settings, session_factory: sessionmaker[Session]) -> None:
    assert settings.hotline_webchat is False
    with TestClient(create_app(settings)) as client:
        assert client.get("/chat").status_code == 404
        assert client.get("/chat/static/chat.js").status_code == 404
        assert client.post("/chat/sessions").status_code == 404
        assert client.post("/chat/messages", json={"session_id": "x" * 20, "text": "hola"}).status_code == 404
        assert client.post("/chat/messages", content=b"not json").status_code == 404
        assert client.get("/chat/messages", params={"session_id": "x" * 20}).status_code == 404
        assert client.get("/healthz").status_code == 200  # the rest of the app is there
    assert inbound_count(session_factory) == 0


def test_hotline_webchat_1_in_the_environment_turns_it_on(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    monkeypatch.setenv("HOTLINE_WEBCHAT", "1")
    monkeypatch.setenv("WEBCHAT_MESSAGES_PER_MINUTE", "0")
    settings = Settings(database_url=db_url)
    assert settings.hotline_webchat is True and settings.webchat_messages_per_minute == 0
    with TestClient(create_app(settings)) as client:
        page = client.get("/chat")
        assert page.status_code == 200 and "Línea de información para familiares" in page.text
        assert client.get("/chat/static/chat.js").status_code == 200
        assert client.get("/chat/static/chat.css").status_code == 200
        assert client.get("/chat/static/other.js").status_code == 404


def test_the_page_has_no_inline_script_or_style(chat: TestClient) -> None:
    """A strict Content-Security-Policy (no 'unsafe-inline') must not break the page."""
    html = chat.get("/chat").text
    assert re.findall(r"<script\b[^>]*>", html) == ['<script src="/chat/static/chat.js" defer>']
    assert "<style" not in html and "style=" not in html and not re.search(r"\son[a-z]+=", html)


# --- session ids issued by the server -------------------------------------------------------------


def test_session_ids_are_issued_distinct_and_long(chat: TestClient) -> None:
    ids = {new_session(chat) for _ in range(50)}
    assert len(ids) == 50
    for session_id in ids:
        random_part, _, signature = session_id.partition(".")
        # base64url: 6 bits a character; at least 128 random bits.
        assert len(random_part) * 6 >= 128 and re.fullmatch(r"[A-Za-z0-9_-]+", random_part)
        assert signature
    assert len({i.partition(".")[0] for i in ids}) == 50


@pytest.mark.parametrize("made_up", [
    "newcomer01",  # what the old page made up in the browser
    "a" * 32,
    "a" * 32 + ".bm90LWEtc2lnbmF0dXJl",
    "x" * 300,
])
def test_an_id_the_server_did_not_issue_is_refused(chat: TestClient, made_up: str,
                                                   session_factory: sessionmaker[Session]) -> None:
    for r in (chat.post("/chat/messages", json={"session_id": made_up, "text": "Busco a Juan Pérez"}),
              chat.get("/chat/messages", params={"session_id": made_up, "after": 0})):
        assert r.status_code == 403 and r.json()["code"] == "unknown_session", r.text
        assert "did not issue" in r.json()["detail"]
        assert r.json()["message"] == UNKNOWN_SESSION
    assert inbound_count(session_factory) == 0  # nothing recorded, no conversation started
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Conversation)) == 0


def test_an_altered_or_foreign_id_is_refused(chat: TestClient, settings: Settings) -> None:
    issued = new_session(chat)
    random_part, _, signature = issued.partition(".")
    flipped = random_part[:-1] + ("A" if random_part[-1] != "A" else "B")
    assert chat.post("/chat/messages", json={"session_id": f"{flipped}.{signature}", "text": "hola"}).status_code == 403
    # An id issued by a server with another secret key is not this server's.
    other = chat_settings(settings).model_copy(update={"hotline_secret_key": "another-fictional-key-" + "k" * 30})
    with TestClient(create_app(other)) as elsewhere:
        foreign = new_session(elsewhere)
    assert chat.post("/chat/messages", json={"session_id": foreign, "text": "hola"}).status_code == 403
    assert chat.post("/chat/messages", json={"session_id": issued, "text": "hola"}).status_code == 200


def test_an_id_is_recognised_by_every_api_process(settings: Settings) -> None:
    """Two apps (as two processes behind a load balancer) with the same key: one issues, the other
    continues the conversation."""
    with TestClient(create_app(chat_settings(settings))) as first, TestClient(create_app(chat_settings(settings))) as second:
        session_id = new_session(first)
        greeting = say(first, session_id, "hola")
        asked = say(second, session_id, "Busco a Mariano Fictício Inventado")
        assert greeting and asked
        history = poll(first, session_id, 0)
    assert [m["text"] for m in history if m["author"] == "relative"] == ["hola", "Busco a Mariano Fictício Inventado"]


# --- a page reload shows the conversation so far ---------------------------------------------------


def test_after_zero_is_the_whole_conversation_and_later_polls_only_new_messages(
    chat: TestClient, session_factory: sessionmaker[Session]
) -> None:
    session_id = new_session(chat)
    first = say(chat, session_id, "hola")
    second = say(chat, session_id, "Busco a Mariano Fictício Inventado")
    assert first and second and all(m["author"] == "hotline" for m in first + second)
    last = max(int(str(m["id"])) for m in second)

    # The replies were read with the POST; polling after them finds nothing new.
    assert poll(chat, session_id, last) == []

    # An operator's reply (queued as the console does, through the outbox) comes with the next poll.
    with session_factory.begin() as s:
        conversation = s.scalars(select(Conversation).where(Conversation.channel == "local")).one()
        operator_id = enqueue(s, channel="local", recipient=conversation.address, text=OPERATOR_REPLY,
                              kind="operator", conversation_id=conversation.id).id
    assert poll(chat, session_id, last) == [{"id": operator_id, "text": OPERATOR_REPLY, "author": "hotline"}]
    assert poll(chat, session_id, operator_id) == []

    # The reload: everything, in order, the relative's own messages included.
    history = poll(chat, session_id, 0)
    assert [(m["author"], m["text"]) for m in history] == (
        [("relative", "hola")] + [("hotline", m["text"]) for m in first]
        + [("relative", "Busco a Mariano Fictício Inventado")] + [("hotline", m["text"]) for m in second]
        + [("hotline", OPERATOR_REPLY)]
    )
    # Each line's id is a cursor: the largest of them asks for what comes after the whole history.
    assert max(int(str(m["id"])) for m in history) == operator_id
    ids = [int(str(m["id"])) for m in history]
    assert ids == sorted(ids)
    # A second reload shows the same; another conversation shows none of it.
    assert poll(chat, session_id, 0) == history
    assert poll(chat, new_session(chat), 0) == []


def test_an_operator_reply_queued_before_this_turn_is_not_lost(chat: TestClient,
                                                                session_factory: sessionmaker[Session]) -> None:
    """The page polls from its own cursor, not from the POST's replies: a reply queued between two
    polls, just before the relative's next message, still arrives."""
    session_id = new_session(chat)
    greeting = say(chat, session_id, "hola")
    cursor = max(int(str(m["id"])) for m in greeting)
    with session_factory.begin() as s:
        conversation = s.scalars(select(Conversation).where(Conversation.channel == "local")).one()
        enqueue(s, channel="local", recipient=conversation.address, text=OPERATOR_REPLY, kind="operator",
                conversation_id=conversation.id)
    turn = say(chat, session_id, "Busco a Mariano Fictício Inventado")
    assert OPERATOR_REPLY not in [m["text"] for m in turn]  # the POST returns this turn's replies only
    later = [m["text"] for m in poll(chat, session_id, cursor)]
    assert later == [OPERATOR_REPLY] + [m["text"] for m in turn]


# --- the per-address limit ------------------------------------------------------------------------


def test_over_the_limit_429_with_retry_after_and_kind_words(settings: Settings,
                                                            session_factory: sessionmaker[Session]) -> None:
    with TestClient(create_app(chat_settings(settings, per_minute=4))) as client:
        session_id = new_session(client)
        for _ in range(4):
            say(client, session_id, "hola")
        refused = client.post("/chat/messages", json={"session_id": session_id, "text": "hola"})
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.json()["message"] == TOO_MANY_MESSAGES
        assert inbound_count(session_factory) == 4  # the refused one was not recorded

        # Sessions: a quarter of the rate, at least one a minute.
        again = client.post("/chat/sessions")
        assert again.status_code == 429 and again.json()["message"] == TOO_MANY_SESSIONS
        assert again.json()["code"] == "rate_limited"
        assert 1 <= int(again.headers["Retry-After"]) <= 60

        # Reading is not limited: the page keeps polling and can still redraw.
        assert len(poll(client, session_id, 0)) >= 4

    # The limit is per client address: another address is served.
    with TestClient(create_app(chat_settings(settings, per_minute=4)), client=("192.0.2.10", 5000)) as a, \
            TestClient(a.app, client=("192.0.2.11", 5000)) as b:
        sid = new_session(a)
        for _ in range(4):
            say(a, sid, "hola")
        assert a.post("/chat/messages", json={"session_id": sid, "text": "hola"}).status_code == 429
        assert b.post("/chat/messages", json={"session_id": sid, "text": "hola"}).status_code == 200


def test_zero_means_no_limit(chat: TestClient) -> None:
    sessions = [new_session(chat) for _ in range(30)]
    for i in range(40):
        say(chat, sessions[i % len(sessions)], "hola")


# --- empty and over-long messages -----------------------------------------------------------------


def test_an_over_long_message_gets_a_kind_reply_and_nothing_is_recorded(
    chat: TestClient, session_factory: sessionmaker[Session]
) -> None:
    session_id = new_session(chat)
    reply = say(chat, session_id, "Busco a mi hermano. " * 400)  # 8,000 characters
    assert reply == [{"id": 0, "text": TOO_LONG, "author": "hotline"}]
    assert TOO_LONG.startswith("Su mensaje es muy largo")
    for empty in ("", "   \n\t "):
        assert say(chat, session_id, empty) == [{"id": 0, "text": EMPTY, "author": "hotline"}]
    assert inbound_count(session_factory) == 0
    assert poll(chat, session_id, 0) == []  # a reload shows nothing: nothing was recorded

    # Exactly at the limit is an ordinary message.
    at_limit = ("Busco a Mariano Fictício Inventado. " * 200)[:MAX_TEXT_CHARS]
    assert len(at_limit) == MAX_TEXT_CHARS
    assert [m["id"] for m in say(chat, session_id, at_limit)] != [0]
    assert inbound_count(session_factory) == 1


def test_bad_bodies_are_4xx_with_reasons_never_500(chat: TestClient) -> None:
    assert chat.post("/chat/messages", content=b"not json", headers={"Content-Type": "application/json"}).status_code == 422
    assert chat.post("/chat/messages", json={"text": "hola"}).status_code == 422
    assert chat.post("/chat/messages", json={"session_id": 5, "text": "hola"}).status_code == 422
    assert chat.get("/chat/messages").status_code == 422
    session_id = new_session(chat)
    assert chat.get("/chat/messages", params={"session_id": session_id, "after": -1}).status_code == 422
