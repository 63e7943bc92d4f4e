"""Telegram end to end: an update posted to the webhook with the secret header, the outbox worker
with python-telegram-bot out, against the fake Bot API. Chats, names and texts are FICTIONAL."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from bot import texts_es as T
from common.settings import Settings
from db.models import Conversation, InboundRecord
from tests.channels.helpers import (
    PERSON,
    PERSON_BIRTH_MESSAGE,
    PERSON_NAME_MESSAGE,
    TELEGRAM_PATH,
    add_sought_person,
    audit_actions,
    channel_settings,
    counts,
    drain,
    post_update,
)
from tests.fakes import FakeTelegram

CHAT = 700_000_001  # fictional


@pytest.fixture
def tg_settings(db_url: str, fake_telegram: FakeTelegram) -> Settings:
    return channel_settings(db_url, "https://hotline.example.org", telegram=fake_telegram)


@pytest.fixture
def client(tg_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(tg_settings), raise_server_exceptions=False) as c:
        yield c


def test_a_relative_is_welcomed_asked_and_answered_on_telegram(
    client: TestClient, fake_telegram: FakeTelegram, tg_settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    add_sought_person(session_factory)
    updates = fake_telegram.updates

    assert post_update(client, updates.command(CHAT, "/start")).status_code == 200
    drain(session_factory, tg_settings)
    assert fake_telegram.sent_to(CHAT) == [T.WELCOME, T.ASK_NAME]

    post_update(client, updates.text(CHAT, PERSON_NAME_MESSAGE))
    drain(session_factory, tg_settings)
    assert fake_telegram.sent_to(CHAT)[2:] == [T.ASK_BIRTH]

    post_update(client, updates.text(CHAT, PERSON_BIRTH_MESSAGE))
    drain(session_factory, tg_settings)
    disclosure, offer = fake_telegram.sent_to(CHAT)[3:]
    assert disclosure.startswith(f"{PERSON['given_names']} {PERSON['surnames']}: {T.STATUS_TEXT['safe']}")
    assert str(PERSON["location"]) in disclosure and offer == T.OFFER_SUBSCRIPTION
    [event] = audit_actions(session_factory, "disclosure")
    assert event.details == {**event.details, "text": disclosure, "channel": "telegram"}

    post_update(client, updates.text(CHAT, "sí"))
    drain(session_factory, tg_settings)
    assert fake_telegram.sent_to(CHAT)[5:] == [T.SUBSCRIBED, T.ANYTHING_ELSE]
    with session_factory() as s:
        conv = s.scalars(select(Conversation)).one()
    assert (conv.channel, conv.address) == ("telegram", str(CHAT))


def test_a_telegram_voice_note_gets_the_kind_text_only_reply(
    client: TestClient, fake_telegram: FakeTelegram, tg_settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    assert post_update(client, fake_telegram.updates.voice(CHAT)).status_code == 200
    drain(session_factory, tg_settings)
    assert fake_telegram.sent_to(CHAT) == [T.WELCOME, T.MEDIA_UNREADABLE]
    with session_factory() as s:
        assert s.scalars(select(InboundRecord.media_kind)).one() == "voice"


def test_baja_on_telegram_stops_everything_queued(
    client: TestClient, fake_telegram: FakeTelegram, tg_settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    post_update(client, fake_telegram.updates.text(CHAT, "Hola"))
    post_update(client, fake_telegram.updates.text(CHAT, "BAJA"))
    drain(session_factory, tg_settings)
    assert fake_telegram.sent_to(CHAT) == [T.OPTED_OUT]
    assert len(audit_actions(session_factory, "opt_out")) == 1


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "secreto-de-prueba-12"])
def test_a_wrong_or_missing_secret_is_refused_and_leaves_no_trace(
    client: TestClient, fake_telegram: FakeTelegram, session_factory: sessionmaker[Session], secret: str | None,
) -> None:
    r = post_update(client, fake_telegram.updates.text(CHAT, "Hola"), secret=secret)
    assert r.status_code == 403
    assert counts(session_factory) == {"conversations": 0, "inbound": 0, "outbound": 0, "cases": 0,
                                       "disclosures": 0}


def test_without_a_configured_secret_every_update_is_refused(
    db_url: str, fake_telegram: FakeTelegram, session_factory: sessionmaker[Session]
) -> None:
    settings = channel_settings(db_url, "https://hotline.example.org", telegram=fake_telegram,
                                telegram_webhook_secret=None)
    with TestClient(create_app(settings)) as c:
        assert post_update(c, fake_telegram.updates.text(CHAT, "Hola"), secret="").status_code == 403
    assert counts(session_factory)["inbound"] == 0


def test_group_chats_and_non_message_updates_are_acknowledged_and_ignored(
    client: TestClient, fake_telegram: FakeTelegram, session_factory: sessionmaker[Session]
) -> None:
    group = fake_telegram.updates.text(CHAT, "Hola")
    group["message"]["chat"] = {"id": -100123, "type": "group", "title": "Grupo (ficticio)"}
    assert post_update(client, group).status_code == 200
    assert post_update(client, {"update_id": 1, "edited_message": {}}).status_code == 200
    assert client.post(TELEGRAM_PATH, content=b"not json", headers={
        "X-Telegram-Bot-Api-Secret-Token": "secreto-de-prueba-123"}).status_code == 400
    assert counts(session_factory)["inbound"] == 0


def test_a_redelivered_update_id_is_handled_once(
    client: TestClient, fake_telegram: FakeTelegram, tg_settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    add_sought_person(session_factory)
    updates = [fake_telegram.updates.text(CHAT, t)
               for t in ("Hola", PERSON_NAME_MESSAGE, PERSON_BIRTH_MESSAGE, "/humano")]
    for update in updates:
        for _ in range(3):
            assert post_update(client, update).status_code == 200
    drain(session_factory, tg_settings)
    c = counts(session_factory)
    assert c["inbound"] == 4 and c["disclosures"] == 1 and c["cases"] == 1
    sent = fake_telegram.sent_to(CHAT)
    assert len(sent) == len(set(sent)) == c["outbound"]


def test_the_ptb_application_starts_and_stops_with_the_web_process(
    tg_settings: Settings, fake_telegram: FakeTelegram, session_factory: sessionmaker[Session]
) -> None:
    app = create_app(tg_settings, run_worker=True)
    with TestClient(app) as c:
        application = app.state.telegram_application
        # Built without an Updater (webhook mode), initialised (getMe checked the token) and running.
        assert application.updater is None and application.running
        assert fake_telegram.calls_of("getMe") and application.bot.username
        # Its bot is what the in-process outbox worker sends with: an update is answered by itself.
        assert post_update(c, fake_telegram.updates.text(CHAT, "Hola")).status_code == 200
        deadline = time.monotonic() + 15
        while len(fake_telegram.sent_to(CHAT)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fake_telegram.sent_to(CHAT) == [T.WELCOME, T.ASK_NAME]
    assert not application.running


def test_the_web_process_starts_and_records_updates_while_telegram_is_unreachable(
    db_url: str, fake_telegram: FakeTelegram, session_factory: sessionmaker[Session]
) -> None:
    settings = channel_settings(db_url, "https://hotline.example.org", telegram=fake_telegram)
    fake_telegram.stop()  # Telegram down when the process starts
    app = create_app(settings)
    with TestClient(app) as c:
        assert not app.state.telegram_application.running
        assert post_update(c, fake_telegram.updates.text(CHAT, "Hola")).status_code == 200
    assert counts(session_factory)["inbound"] == 1
