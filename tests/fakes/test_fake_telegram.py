"""The real python-telegram-bot ``Bot`` (built by bot.channels.telegram_bot) against the fake Bot API.

Checks both sides at once: our SDK wiring reaches the configured base URL, and the fake answers
in a format PTB parses into the objects and exceptions the real Telegram produces. No database.
Chat ids and texts are fictional.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from telegram import Bot, Message, MessageEntity, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import filters

from bot.channels.telegram_bot import make_bot
from tests.fakes._http import CaptureServer
from tests.fakes.telegram_server import SECRET_HEADER, FakeTelegram, UpdateFactory

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def _with_bot(
    fake: FakeTelegram, action: Any, *, read_timeout: float = 10.0, token: str | None = None
) -> Any:
    bot = make_bot(token or fake.token, fake.url, read_timeout=read_timeout)
    async with bot:
        return await action(bot)


def call(fake: FakeTelegram, action: Any, **kwargs: Any) -> Any:
    """Run ``await action(bot)`` with a fresh initialised Bot (initialize calls getMe)."""
    return run(_with_bot(fake, action, **kwargs))


def seconds(value: int | timedelta) -> float:
    # PTB 22 returns an int or a timedelta depending on PTB_TIMEDELTA; compare in seconds.
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def test_make_bot_appends_token_to_base_url(fake_telegram: FakeTelegram) -> None:
    bot = make_bot(fake_telegram.token, fake_telegram.url + "/")
    assert bot.base_url == f"{fake_telegram.url}/bot{fake_telegram.token}"
    assert bot.base_file_url == f"{fake_telegram.url}/file/bot{fake_telegram.token}"
    me = call(fake_telegram, lambda b: b.get_me())
    assert me.is_bot and me.username == fake_telegram.bot_user["username"]


def test_send_message_returns_message_with_per_chat_ids_and_is_recorded(fake_telegram: FakeTelegram) -> None:
    before = datetime.now(UTC)

    async def send(bot: Bot) -> list[Message]:
        return [
            await bot.send_message(1001, "Hola, ¿en qué le ayudo?"),
            await bot.send_message(1001, "Segundo mensaje"),
            await bot.send_message(2002, "Otro chat"),
        ]

    first, second, other = call(fake_telegram, send)
    after = datetime.now(UTC)

    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.chat.id == 1001 and first.text == "Hola, ¿en qué le ayudo?"
    assert first.from_user is not None and first.from_user.is_bot
    assert first.date.tzinfo is not None
    assert fake_telegram.sent_to(1001) == ["Hola, ¿en qué le ayudo?", "Segundo mensaje"]

    sends = fake_telegram.calls_of("sendMessage")
    assert [(c["chat_id"], c["text"], c["status"]) for c in sends] == [
        (1001, "Hola, ¿en qué le ayudo?", 200),
        (1001, "Segundo mensaje", 200),
        (2002, "Otro chat", 200),
    ]
    assert all(before <= c["at"] <= after for c in sends)
    monotonic = [c["monotonic"] for c in sends]
    assert monotonic == sorted(monotonic)


def test_reply_after_incoming_message_continues_the_chat_numbering(fake_telegram: FakeTelegram) -> None:
    incoming = fake_telegram.updates.text(3003, "hola", first_name="Luis")
    fake_telegram.push(incoming)
    reply = call(fake_telegram, lambda b: b.send_message(3003, "Buenas"))
    assert incoming["message"]["message_id"] == 1
    assert reply.message_id == 2
    assert reply.chat.first_name == "Luis"


def test_get_updates_honours_offset_and_limit(fake_telegram: FakeTelegram) -> None:
    pushed = [fake_telegram.updates.text(4004, t) for t in ("uno", "dos", "tres")]
    fake_telegram.push(*pushed)
    ids = [u["update_id"] for u in pushed]
    assert ids == sorted(ids) and len(set(ids)) == 3

    async def poll(bot: Bot) -> tuple[tuple[Update, ...], ...]:
        everything = await bot.get_updates(timeout=0)
        first_two = await bot.get_updates(timeout=0, limit=2)
        after_first = await bot.get_updates(offset=ids[0] + 1, timeout=0)
        after_all = await bot.get_updates(offset=ids[-1] + 1, timeout=0)
        again = await bot.get_updates(timeout=0)
        return everything, first_two, after_first, after_all, again

    everything, first_two, after_first, after_all, again = call(fake_telegram, poll)
    assert [u.message.text for u in everything] == ["uno", "dos", "tres"]
    assert [u.update_id for u in first_two] == ids[:2]
    assert [u.update_id for u in after_first] == ids[1:]
    assert after_all == () and again == ()  # confirmed updates are forgotten
    assert [c["params"].get("offset") for c in fake_telegram.calls_of("getUpdates")] == [
        None,
        None,
        ids[0] + 1,
        ids[-1] + 1,
        None,
    ]


def test_get_updates_long_poll_returns_an_update_pushed_while_waiting(fake_telegram: FakeTelegram) -> None:
    update = fake_telegram.updates.text(5005, "¿Hay noticias?")
    # Push once the poll is waiting: the fake must wake it rather than answer empty.
    pusher = threading.Timer(0.3, fake_telegram.push, args=(update,))
    pusher.start()
    try:
        got = call(fake_telegram, lambda b: b.get_updates(timeout=20))
    finally:
        pusher.cancel()
    assert [u.update_id for u in got] == [update["update_id"]]
    assert got[0].effective_message.text == "¿Hay noticias?"


def test_update_builders_parse_as_ptb_updates() -> None:
    factory = UpdateFactory()
    bot = Bot(FakeTelegram().token)
    built = {
        "text": factory.text(6006, "Busco a mi hermano"),
        "command": factory.command(6006, "caso", "GT-2024-0001"),
        "start": factory.command(6006, "/start"),
        "voice": factory.voice(6006, duration=7),
        "photo": factory.photo(6006, caption="foto"),
        "sticker": factory.sticker(6006, emoji="🙏"),
    }
    updates = {k: Update.de_json(json.loads(json.dumps(v)), bot) for k, v in built.items()}
    ids = [u.update_id for u in updates.values()]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert [u.message.message_id for u in updates.values()] == [1, 2, 3, 4, 5, 6]

    assert filters.TEXT.check_update(updates["text"]) and not filters.COMMAND.check_update(updates["text"])
    assert updates["text"].effective_user.language_code == "es"
    assert filters.COMMAND.check_update(updates["command"])
    assert updates["command"].message.text == "/caso GT-2024-0001"
    assert updates["command"].message.parse_entities([MessageEntity.BOT_COMMAND]).popitem()[1] == "/caso"
    assert updates["start"].message.text == "/start"
    assert (
        filters.VOICE.check_update(updates["voice"])
        and updates["voice"].message.voice.mime_type == "audio/ogg"
    )
    assert seconds(updates["voice"].message.voice.duration) == 7
    assert filters.PHOTO.check_update(updates["photo"]) and updates["photo"].message.caption == "foto"
    assert (
        filters.Sticker.ALL.check_update(updates["sticker"])
        and updates["sticker"].message.sticker.emoji == "🙏"
    )
    assert not filters.TEXT.check_update(updates["voice"])


def test_rate_limit_raises_retry_after_with_the_servers_value(fake_telegram: FakeTelegram) -> None:
    fake_telegram.rate_limit_next(1, retry_after=7, method="sendMessage")

    async def send_twice(bot: Bot) -> tuple[RetryAfter, Message]:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(7007, "primero")
        return caught.value, await bot.send_message(7007, "reintento")

    error, retried = call(fake_telegram, send_twice)
    assert seconds(error.retry_after) == 7
    assert retried.text == "reintento" and retried.message_id == 1  # the refused send took no id
    sends = fake_telegram.calls_of("sendMessage")
    assert [(c["status"], c["outcome"]) for c in sends] == [(429, "fault:rate_limit"), (200, None)]
    assert fake_telegram.sent_to(7007) == ["reintento"]


@pytest.mark.parametrize("status", [500, 502])
def test_server_errors_raise_network_error(fake_telegram: FakeTelegram, status: int) -> None:
    fake_telegram.fail_next(1, status=status, method="sendMessage")

    async def send(bot: Bot) -> NetworkError:
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(8008, "hola")
        return caught.value

    error = call(fake_telegram, send)
    assert not isinstance(error, (TimedOut, RetryAfter, Forbidden, BadRequest))
    assert fake_telegram.sent_to(8008) == []


def test_blocked_user_raises_forbidden_and_other_chats_still_work(fake_telegram: FakeTelegram) -> None:
    fake_telegram.block_chat(9009)

    async def send(bot: Bot) -> tuple[Forbidden, Message]:
        with pytest.raises(Forbidden) as caught:
            await bot.send_message(9009, "hola")
        return caught.value, await bot.send_message(9010, "hola")

    error, ok = call(fake_telegram, send)
    assert "blocked by the user" in error.message
    assert ok.chat.id == 9010
    fake_telegram.unblock_chat(9009)
    assert call(fake_telegram, lambda b: b.send_message(9009, "de nuevo")).text == "de nuevo"


def test_bad_requests_are_bad_request(fake_telegram: FakeTelegram) -> None:
    fake_telegram.chat_not_found(1111)

    async def send(bot: Bot) -> list[str]:
        messages = []
        for chat_id, text in ((1111, "hola"), (1112, "x" * 4097)):
            with pytest.raises(BadRequest) as caught:
                await bot.send_message(chat_id, text)
            messages.append(caught.value.message)
        return messages

    assert call(fake_telegram, send) == ["Chat not found", "Message is too long"]


def test_wrong_token_is_unauthorized(fake_telegram: FakeTelegram) -> None:
    wrong = "987654321:AAWrongTokenWrongTokenWrongTokenWrong"
    with pytest.raises(InvalidToken):
        call(fake_telegram, lambda b: b.get_me(), token=wrong)
    assert [(c["status"], c["outcome"]) for c in fake_telegram.calls] == [(401, "unauthorized")]


def test_held_response_raises_timed_out(fake_telegram: FakeTelegram) -> None:
    fake_telegram.timeout_next(1, method="sendMessage")
    with pytest.raises(TimedOut):
        call(fake_telegram, lambda b: b.send_message(1212, "hola"), read_timeout=0.5)
    assert fake_telegram.sent_to(1212) == []  # not processed: nothing reached the user
    assert fake_telegram.calls_of("sendMessage")[0]["outcome"] == "fault:timeout"


def test_timeout_after_processing_leaves_the_message_sent(fake_telegram: FakeTelegram) -> None:
    # The dangerous case for "never sent twice": Telegram delivered it, the answer was lost.
    fake_telegram.timeout_next(1, processed=True, method="sendMessage")
    with pytest.raises(TimedOut):
        call(fake_telegram, lambda b: b.send_message(1313, "hola"), read_timeout=0.5)
    assert fake_telegram.sent_to(1313) == ["hola"]


def test_delay_longer_than_client_timeout_times_out(fake_telegram: FakeTelegram) -> None:
    bot_ready = call(fake_telegram, lambda b: b.get_me())
    assert bot_ready.is_bot
    fake_telegram.delay(3)
    with pytest.raises(TimedOut):
        call(fake_telegram, lambda b: b.get_me(), read_timeout=0.5)
    fake_telegram.delay(0)


def test_fail_ratio_is_reproducible_with_a_seed() -> None:
    def pattern(seed: int) -> list[int]:
        with FakeTelegram() as fake:
            fake.fail_ratio(0.3, seed=seed, method="sendMessage")

            async def send_many(bot: Bot) -> None:
                for i in range(30):
                    try:
                        await bot.send_message(1414, f"m{i}")
                    except NetworkError:
                        pass

            call(fake, send_many)
            return [c["status"] for c in fake.calls_of("sendMessage")]

    first, again, other = pattern(11), pattern(11), pattern(12)
    assert first == again
    assert first != other
    assert 0 < first.count(500) < 30 and first.count(200) + first.count(500) == 30


def test_webhook_lifecycle_and_conflict_with_get_updates(fake_telegram: FakeTelegram) -> None:
    receiver = CaptureServer().start()
    try:
        url = f"{receiver.url}/webhooks/telegram"

        async def set_and_poll(bot: Bot) -> Any:
            assert await bot.set_webhook(url, secret_token="s3cr3t-fake", allowed_updates=["message"])
            info = await bot.get_webhook_info()
            with pytest.raises(Conflict):
                await bot.get_updates(timeout=0)
            return info

        info = call(fake_telegram, set_and_poll)
        assert info.url == url and info.pending_update_count == 0
        assert info.allowed_updates == ("message",)

        update = fake_telegram.updates.text(1515, "hola por webhook")
        response = fake_telegram.deliver_update(update)
        assert response.status_code == 200
        (request,) = receiver.requests
        assert request.path == "/webhooks/telegram"
        assert request.headers[SECRET_HEADER.lower()] == "s3cr3t-fake"
        assert json.loads(request.body) == update

        fake_telegram.push(fake_telegram.updates.text(1515, "pendiente"))

        async def delete_and_poll(bot: Bot) -> tuple[Any, tuple[Update, ...]]:
            assert await bot.delete_webhook(drop_pending_updates=True)
            return await bot.get_webhook_info(), await bot.get_updates(timeout=0)

        info, updates = call(fake_telegram, delete_and_poll)
        assert info.url == "" and updates == ()
    finally:
        receiver.stop()


def test_unknown_method_is_not_found(fake_telegram: FakeTelegram) -> None:
    async def unknown(bot: Bot) -> None:
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})

    with pytest.raises(EndPointNotFound):
        call(fake_telegram, unknown)
    assert fake_telegram.calls_of("sendTelepathy")[0]["status"] == 404


def test_reply_keyboards_are_recorded_as_sent_and_checked_as_telegram_does(fake_telegram: FakeTelegram) -> None:
    from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

    keyboard = ReplyKeyboardMarkup([[KeyboardButton("SÍ"), KeyboardButton("NO")],
                                    [KeyboardButton("Compartir mi número", request_contact=True)]],
                                   resize_keyboard=True, one_time_keyboard=True)
    group = fake_telegram.updates.text(-100777, "Hola")
    group["message"]["chat"] = {"id": -100777, "type": "group", "title": "Grupo (ficticio)"}
    fake_telegram.push(group)  # the fake now knows -100777 as a group

    async def send(bot: Bot) -> tuple[Message, Message, Message, BadRequest]:
        sent = (await bot.send_message(8008, "¿Desea avisos?", reply_markup=keyboard),
                await bot.send_message(8008, "Entendido", reply_markup=ReplyKeyboardRemove()),
                await bot.send_message(8008, "Sin botones"))
        with pytest.raises(BadRequest) as refused:  # a contact button only works in a private chat
            await bot.send_message(-100777, "Hola", reply_markup=keyboard)
        return (*sent, refused.value)

    asked, removed, plain, refused = call(fake_telegram, send)
    assert asked.reply_markup is None and removed.reply_markup is None  # Telegram echoes only inline keyboards
    assert "reply keyboard" in refused.message
    assert fake_telegram.sent_with_markup(8008) == [
        ("¿Desea avisos?", {"keyboard": [[{"text": "SÍ"}, {"text": "NO"}],
                                         [{"text": "Compartir mi número", "request_contact": True}]],
                            "resize_keyboard": True, "one_time_keyboard": True}),
        ("Entendido", {"remove_keyboard": True}),
        ("Sin botones", None),
    ]
    assert fake_telegram.sent_with_markup(-100777) == []


def test_contact_updates_parse_as_ptb_contacts() -> None:
    factory = UpdateFactory()
    bot = Bot(FakeTelegram().token)
    own = Update.de_json(json.loads(json.dumps(factory.contact(6006, "50255550123", user_id=6006))), bot)
    other = Update.de_json(json.loads(json.dumps(factory.contact(6006, "+50255550199", first_name="Tomasa"))), bot)
    assert filters.CONTACT.check_update(own) and own.message.contact.user_id == own.message.from_user.id
    assert own.message.contact.phone_number == "50255550123"
    assert other.message.contact.user_id is None and other.message.contact.first_name == "Tomasa"
