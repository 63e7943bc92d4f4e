"""Outbox sender for Telegram: translates PTB's errors into the outbox's retry vocabulary."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram_bot import make_bot
from bot.outbox.senders import PermanentError, RateLimited, SendError
from common.settings import Settings


class TelegramSender:
    channel = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramSender:
        assert settings.telegram_bot_token
        return cls(make_bot(settings.telegram_bot_token, settings.telegram_api_base_url))

    async def send(self, recipient: str, text: str) -> str | None:
        try:
            chat_id = int(recipient)
        except ValueError as exc:
            raise PermanentError("not a Telegram chat id") from exc
        try:
            message = await self.bot.send_message(chat_id=chat_id, text=text, disable_web_page_preview=True)
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
