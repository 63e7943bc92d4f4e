"""Telegram's reply keyboards end to end: updates posted to the webhook (or long-polled), the turn
workers, the outbox worker sending with python-telegram-bot, and the fake Bot API recording each
sendMessage's ``reply_markup``. Also a shared contact that waited in the spool while the database
was down. Chats, names and numbers are FICTIONAL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from bot import texts_es as T
from bot.channels.telegram_bot import make_bot
from bot.channels.telegram_channel import translate_update
from bot.channels.telegram_poller import TelegramPoller
from common.settings import Settings
from db.models import Case, Conversation, InboundRecord, OutboundMessage
from db.repositories.console import transcript as console_transcript
from tests.channels.helpers import (
    PERSON,
    PERSON_BIRTH_MESSAGE,
    PERSON_NAME_MESSAGE,
    add_person,
    add_sought_person,
    channel_settings,
    drain,
    post_update,
)
from tests.fakes import FakeTelegram
from tests.support import free_port

CHAT = 700_200_001  # fictional
OTHER_USER = 700_299_999  # fictional: someone else on Telegram
NUMBER = "+50254123456"  # fictional
PUBLIC_URL = "https://hotline.example.org"

# What the bot must send, as the Bot API receives it.
YES_NO_KEYBOARD = {"keyboard": [[{"text": "SÍ"}, {"text": "NO"}], [{"text": "HUMANO"}]],
                   "resize_keyboard": True, "one_time_keyboard": True}
PHONE_KEYBOARD = {"keyboard": [[{"text": "Compartir mi número", "request_contact": True}], [{"text": "No, gracias"}]],
                  "resize_keyboard": True, "one_time_keyboard": True}
NEXT_KEYBOARD = {"keyboard": [[{"text": "OTRA"}, {"text": "HUMANO"}]], "resize_keyboard": True,
                 "one_time_keyboard": True}
REMOVED = {"remove_keyboard": True}

DECEASED = {"given_names": "Baltazar Efraín", "surnames": "Coj Tecún", "nationality": "GT",
            "birth_date": date(1989, 4, 2), "status": "deceased", "location": None,
            "source": "Servicio médico (FICTICIO)"}
DECEASED_MESSAGE = "Busco a Baltazar Efraín Coj Tecún, nació el 2 de abril de 1989"


@pytest.fixture
def tg_settings(db_url: str, fake_telegram: FakeTelegram, tmp_path: Path) -> Settings:
    return channel_settings(db_url, PUBLIC_URL, telegram=fake_telegram, hotline_spool_dir=tmp_path / "spool")


@pytest.fixture
def client(tg_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(tg_settings), raise_server_exceptions=False) as c:
        yield c


def talk(client: TestClient, fake: FakeTelegram, settings: Settings, factory: sessionmaker[Session],
         update: dict) -> list[tuple[str, dict | None]]:
    """Post one update, let the workers answer it: (text, reply_markup) of each message it got."""
    before = len(fake.sent_with_markup(CHAT))
    assert post_update(client, update).status_code == 200
    drain(factory, settings)
    return fake.sent_with_markup(CHAT)[before:]


def test_a_yes_no_question_shows_its_keyboard_and_the_answer_removes_it(
    client: TestClient, fake_telegram: FakeTelegram, tg_settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    add_sought_person(session_factory)
    u = fake_telegram.updates
    talk(client, fake_telegram, tg_settings, session_factory, u.text(CHAT, PERSON_NAME_MESSAGE))
    disclosure, offer = talk(client, fake_telegram, tg_settings, session_factory, u.text(CHAT, PERSON_BIRTH_MESSAGE))
    assert disclosure[0].startswith(f"{PERSON['given_names']} {PERSON['surnames']}") and disclosure[1] is None
    assert offer == (T.OFFER_SUBSCRIPTION, YES_NO_KEYBOARD)
    # The relative taps "SÍ": Telegram sends the button's text as an ordinary message.
    assert talk(client, fake_telegram, tg_settings, session_factory, u.text(CHAT, "SÍ")) == [
        (T.SUBSCRIBED, REMOVED), (T.ANYTHING_ELSE, NEXT_KEYBOARD)]
    with session_factory() as s:  # the choices travelled with the outbox rows
        [row] = s.scalars(select(OutboundMessage).where(OutboundMessage.text == T.OFFER_SUBSCRIPTION)).all()
        assert row.choices is not None and row.choices["expects"] == "yes_no"


def test_a_keyboard_survives_a_failed_send_and_goes_with_the_retry(
    client: TestClient, fake_telegram: FakeTelegram, tg_settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    add_sought_person(session_factory)
    u = fake_telegram.updates
    talk(client, fake_telegram, tg_settings, session_factory, u.text(CHAT, PERSON_NAME_MESSAGE))
    talk(client, fake_telegram, tg_settings, session_factory, u.text(CHAT, PERSON_BIRTH_MESSAGE))
    fake_telegram.fail_next(1, 502, method="sendMessage")  # the first send of the answer fails
    assert talk(client, fake_telegram, tg_settings, session_factory, u.text(CHAT, "NO")) == [
        (T.NOT_SUBSCRIBED, REMOVED), (T.ANYTHING_ELSE, NEXT_KEYBOARD)]
    [failed] = [c for c in fake_telegram.calls_of("sendMessage") if c["status"] == 502]
    assert failed["params"]["reply_markup"] == REMOVED  # the same row, sent again with its markup


def test_a_death_asks_for_the_number_with_the_contact_button_and_the_own_contact_is_kept(
    client: TestClient, fake_telegram: FakeTelegram, tg_settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    add_person(session_factory, **DECEASED)
    u = fake_telegram.updates
    out = talk(client, fake_telegram, tg_settings, session_factory, u.text(CHAT, DECEASED_MESSAGE))
    [case_ref] = [c.reference for c in cases(session_factory)]
    assert out[1:] == [(T.render(T.TEAM_WILL_CALL, reference=case_ref), None), (T.ASK_PHONE, PHONE_KEYBOARD)]
    # The button sends the relative's own contact; Telegram writes the number without its "+".
    shared = u.contact(CHAT, NUMBER.lstrip("+"), user_id=CHAT)
    assert talk(client, fake_telegram, tg_settings, session_factory, shared) == [(T.PHONE_NOTED, REMOVED)]
    [case] = cases(session_factory)
    assert (case.reason, case.callback_phone) == ("death_notification", NUMBER)
    with session_factory() as s:  # the console's transcript says a contact came, not its number
        assert case.conversation_id is not None
        lines = console_transcript(s, case.conversation_id)
        assert [(line.media_kind, line.text) for line in lines if line.direction == "in"][-1] == ("contact", "")
        assert not any(NUMBER[-8:] in line.text for line in lines)


@pytest.mark.parametrize("user_id", [OTHER_USER, None], ids=["another-user", "not-on-telegram"])
def test_someone_elses_contact_is_answered_kindly_and_not_kept(
    client: TestClient, fake_telegram: FakeTelegram, tg_settings: Settings,
    session_factory: sessionmaker[Session], user_id: int | None,
) -> None:
    add_person(session_factory, **DECEASED)
    u = fake_telegram.updates
    talk(client, fake_telegram, tg_settings, session_factory, u.text(CHAT, DECEASED_MESSAGE))
    card = u.contact(CHAT, "50255550199", user_id=user_id, first_name="Tomasa")
    assert talk(client, fake_telegram, tg_settings, session_factory, card) == [
        (f"{T.CONTACT_NOT_OWN} {T.ASK_OWN_PHONE}", PHONE_KEYBOARD)]
    [case] = cases(session_factory)
    assert case.callback_phone is None
    with session_factory() as s:  # neither that person's number nor their name is recorded
        last = s.scalars(select(InboundRecord).order_by(InboundRecord.id.desc())).first()
        assert last is not None and (last.media_kind, last.text) == ("contact_other", None)


def test_asking_for_a_person_offers_the_contact_button(
    client: TestClient, fake_telegram: FakeTelegram, tg_settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    u = fake_telegram.updates
    out = talk(client, fake_telegram, tg_settings, session_factory, u.command(CHAT, "/humano"))
    assert out[-1] == (T.ASK_PHONE_OPTIONAL, PHONE_KEYBOARD)
    assert talk(client, fake_telegram, tg_settings, session_factory, u.contact(CHAT, NUMBER, user_id=CHAT)) == [
        (T.PHONE_NOTED, REMOVED)]
    [case] = cases(session_factory)
    assert (case.reason, case.callback_phone) == ("asked_for_person", NUMBER)


def test_start_greets_first_and_again_without_reading_a_name(
    client: TestClient, fake_telegram: FakeTelegram, tg_settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    u = fake_telegram.updates
    greeting = [(T.WELCOME, None), (T.ASK_NAME, None)]
    assert talk(client, fake_telegram, tg_settings, session_factory, u.command(CHAT, "/start")) == greeting
    talk(client, fake_telegram, tg_settings, session_factory, u.text(CHAT, PERSON_NAME_MESSAGE))
    # A link's payload after /start is no name either.
    assert talk(client, fake_telegram, tg_settings, session_factory, u.command(CHAT, "/start", "qr-ficticio")) \
        == greeting
    with session_factory() as s:  # a search begun afresh, with nothing read from the command
        [conversation] = s.scalars(select(Conversation)).all()
        assert conversation.state["details"] == {} and conversation.state["asking"] == "name"


def test_a_contact_shared_by_long_polling_is_read_the_same(
    tg_settings: Settings, fake_telegram: FakeTelegram, session_factory: sessionmaker[Session],
) -> None:
    add_person(session_factory, **DECEASED)
    poller = TelegramPoller(make_bot(fake_telegram.token, fake_telegram.url), session_factory, tg_settings,
                            poll_timeout=0)

    u = fake_telegram.updates

    async def poll() -> None:
        async with poller.bot:
            for update in (u.text(CHAT, DECEASED_MESSAGE), u.contact(CHAT, NUMBER, user_id=CHAT)):
                fake_telegram.push(update)
                # PTB parses the update (a telegram.Contact) before it is translated and answered.
                assert await poller.poll_once() == 1

    asyncio.run(poll())
    [case] = cases(session_factory)
    assert case.callback_phone == NUMBER


def test_a_contact_shared_while_the_database_was_down_is_kept_once_replayed(
    backend: str, db_url: str, tmp_path: Path, fake_telegram: FakeTelegram, tg_settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    add_person(session_factory, **DECEASED)
    u = fake_telegram.updates
    with TestClient(create_app(tg_settings)) as up:
        talk(up, fake_telegram, tg_settings, session_factory, u.text(CHAT, DECEASED_MESSAGE))
    gone = (f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/hotline_gone" if backend == "postgresql"
            else f"sqlite:///{tmp_path / 'no-such-dir' / 'hotline.db'}")
    down = tg_settings.model_copy(update={"database_url": gone})
    with TestClient(create_app(down), raise_server_exceptions=False) as c:
        assert post_update(c, u.contact(CHAT, NUMBER, user_id=CHAT)).status_code == 200  # in the spool
    with TestClient(create_app(tg_settings)):  # back: this host's replayer moves it into the database
        deadline = time.monotonic() + 15
        while not replayed(session_factory) and time.monotonic() < deadline:
            time.sleep(0.05)
    drain(session_factory, tg_settings)
    assert fake_telegram.sent_with_markup(CHAT)[-1] == (T.PHONE_NOTED, REMOVED)
    [case] = cases(session_factory)
    assert case.callback_phone == NUMBER


@pytest.mark.parametrize(("contact", "sender", "expected"), [
    ({"phone_number": "50255550123", "first_name": "Ana", "user_id": 5}, {"id": 5}, ("+50255550123", "contact")),
    ({"phone_number": " +502 5555-0123 ", "first_name": "Ana", "user_id": 5}, {"id": 5}, ("+50255550123", "contact")),
    ({"phone_number": 50255550123, "first_name": "Ana", "user_id": 5}, {"id": 5}, (None, "contact")),
    ({"phone_number": "50255550123", "first_name": "Ana", "user_id": 6}, {"id": 5}, (None, "contact_other")),
    ({"phone_number": "50255550123", "first_name": "Ana"}, {"id": 5}, (None, "contact_other")),
    ({"phone_number": "50255550123", "first_name": "Ana", "user_id": True}, {"id": 1}, (None, "contact_other")),
    ({"phone_number": "50255550123", "first_name": "Ana", "user_id": "5"}, {"id": 5}, (None, "contact_other")),
    ({"phone_number": "50255550123", "first_name": "Ana", "user_id": 5}, None, (None, "contact_other")),
], ids=["own", "own-spaced", "own-not-text", "another-user", "not-on-telegram", "bool-id", "text-id", "no-sender"])
def test_a_contact_is_the_senders_own_only_when_telegram_says_so(contact: dict, sender: dict | None,
                                                                 expected: tuple[str | None, str]) -> None:
    message = {"message_id": 1, "date": 1_700_000_000, "chat": {"id": 5, "type": "private"}, "contact": contact}
    if sender is not None:
        message["from"] = {**sender, "is_bot": False, "first_name": "Ana"}
    translated = translate_update({"update_id": 1, "message": message})
    assert translated is not None and (translated.text, translated.media_kind) == expected


def replayed(factory: sessionmaker[Session]) -> bool:
    with factory() as s:
        return s.scalars(select(InboundRecord).where(InboundRecord.media_kind == "contact")).first() is not None


def cases(factory: sessionmaker[Session]) -> list[Case]:
    with factory() as s:
        return list(s.scalars(select(Case).order_by(Case.id)))
