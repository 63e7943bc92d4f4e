"""Outbox sender for Telegram: translates PTB's errors into the outbox's retry vocabulary, and the
choices a reply offers (bot/engine/choices.py) into a reply keyboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Bot, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram_bot import make_bot
from bot.engine.choices import Choices, Expects
from bot.outbox.senders import PermanentError, RateLimited, SendError
from common.settings import Settings


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
