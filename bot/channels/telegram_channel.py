"""Telegram, both directions: an Update's JSON translated into a neutral message
(``translate_update``, for the webhook and the long poller), and the outbox sender, which translates
PTB's errors into the outbox's retry vocabulary, and the choices a reply offers
(bot/engine/choices.py) into a reply keyboard.

Only private chats are served: a relative's details must never be posted in a group. A shared
contact (``message.contact``: the "share my phone number" button sends the user's own) is the
relative's own only when ``contact.user_id`` is the sender's id; then its number is the text.
Anyone else's contact is recorded as such without its number or name (bot/messages.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Bot, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram_bot import make_bot
from bot.engine.choices import Choices, Expects
from bot.messages import CONTACT, CONTACT_OTHER, InboundMessage
from bot.outbox.senders import PermanentError, RateLimited, SendError
from common.settings import Settings

_MEDIA_KEYS = (
    ("voice", "voice"), ("audio", "voice"), ("video_note", "video"), ("video", "video"), ("photo", "photo"),
    ("sticker", "sticker"), ("animation", "video"), ("document", "document"), ("location", "other"),
)


def translate_update(update: dict[str, Any]) -> InboundMessage | None:
    """The neutral message in ``update``, or None when there is nothing for the bot to answer."""
    update_id = update.get("update_id")
    message = update.get("message")
    if not isinstance(update_id, int) or not isinstance(message, dict):
        return None
    chat = message.get("chat")
    # Whatever the JSON holds, never an exception: a failing update is answered 500, and Telegram
    # redelivers it forever.
    if not isinstance(chat, dict) or chat.get("type", "private") != "private":
        return None
    if not isinstance(chat.get("id"), int) or isinstance(chat.get("id"), bool):
        return None
    if isinstance(message.get("contact"), dict):
        text, kind = _contact(message["contact"], message.get("from"))
        return InboundMessage(channel="telegram", address=str(chat["id"]), provider_id=str(update_id),
                              text=text, media_kind=kind)
    text = message.get("text") if isinstance(message.get("text"), str) else None
    media = next((kind for key, kind in _MEDIA_KEYS if key in message), None)
    if text is None and isinstance(message.get("caption"), str):
        text = message["caption"]
    if text is None and media is None:
        return None
    return InboundMessage(channel="telegram", address=str(chat["id"]), provider_id=str(update_id),
                          text=text, media_kind=media)


def _contact(contact: dict[str, Any], sender: Any) -> tuple[str | None, str]:
    """(the number, CONTACT) for the sender's own contact; (None, CONTACT_OTHER) for anyone else's."""
    sender_id = sender.get("id") if isinstance(sender, dict) else None
    user_id = contact.get("user_id")
    own = isinstance(user_id, int) and not isinstance(user_id, bool) and user_id == sender_id
    if not own:
        return None, CONTACT_OTHER
    number = contact.get("phone_number")
    if not isinstance(number, str):
        return None, CONTACT
    # Telegram gives the number in international form, mostly without its "+".
    digits = "".join(c for c in number if c.isdigit())[:20]
    return ("+" + digits if digits else None), CONTACT


def reply_markup(choices: Choices) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """A reply keyboard with the choices' buttons, or its removal once the question is answered.

    One-time: the keyboard folds away after a tap (the relative can still type), resized to its
    few buttons. A button that shares the relative's number asks Telegram for their own contact
    (``request_contact``), which only works in private chats, the only ones served."""
    if choices.expects is Expects.ANSWERED or not choices.rows:
        return ReplyKeyboardRemove()
    keyboard = [[KeyboardButton(b.label, request_contact=True) if b.shares_phone else KeyboardButton(b.label)
                 for b in row] for row in choices.rows]
    return ReplyKeyboardMarkup(keyboard, resize_keyboard=True, one_time_keyboard=True)


class TelegramSender:
    channel = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramSender:
        assert settings.telegram_bot_token
        return cls(make_bot(settings.telegram_bot_token, settings.telegram_api_base_url))

    async def send(self, recipient: str, text: str) -> str | None:
        return await self._send(recipient, text, None)

    async def send_with_choices(self, recipient: str, text: str, choices: dict[str, Any]) -> str | None:
        read = Choices.from_json(choices)
        # Buttons this code cannot read: the text still goes, without them.
        return await self._send(recipient, text, reply_markup(read) if read is not None else None)

    async def _send(self, recipient: str, text: str,
                    markup: ReplyKeyboardMarkup | ReplyKeyboardRemove | None) -> str | None:
        try:
            chat_id = int(recipient)
        except ValueError as exc:
            raise PermanentError("not a Telegram chat id") from exc
        try:
            message = await self.bot.send_message(chat_id=chat_id, text=text, disable_web_page_preview=True,
                                                  reply_markup=markup)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise RateLimited(seconds) from exc
        except Forbidden as exc:  # the relative blocked the bot: stop writing to them
            raise PermanentError(f"forbidden: {exc.message}", opted_out=True) from exc
        except (BadRequest, InvalidToken) as exc:
            raise PermanentError(f"rejected: {exc.message}") from exc
        except (TimedOut, NetworkError) as exc:
            raise SendError(f"{type(exc).__name__}: {exc.message}") from exc
        return str(message.message_id)
