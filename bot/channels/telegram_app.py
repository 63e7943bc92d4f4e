"""The python-telegram-bot ``Application`` of the web process: webhook mode, so no ``Updater``.

Built with ``updater(None)`` and started in the FastAPI lifespan (api/app.py). Initialising it asks
Telegram who the bot is (getMe), which checks the token at start-up and names the bot in the log;
its ``bot`` is the one the in-process outbox worker sends with, and stopping it closes the HTTP
pools.

Updates do not go through its dispatcher: ``POST /webhooks/telegram`` records each update in the
database before answering 200 (api/intake.py), because PTB's dispatch would log and swallow a
handler's failure while the 200 had already told Telegram never to send the update again. The
dialogue runs in the turn workers, with its state in the database, never in ``user_data`` or a
``ConversationHandler`` (docs/channels.md).
"""

from __future__ import annotations

from telegram.error import TelegramError
from telegram.ext import Application

from bot.channels.telegram_bot import make_bot
from common.logging import get_logger
from common.settings import Settings

log = get_logger("telegram.app")


def build_application(settings: Settings) -> Application:  # type: ignore[type-arg]
    assert settings.telegram_bot_token
    bot = make_bot(settings.telegram_bot_token, settings.telegram_api_base_url)
    return Application.builder().bot(bot).updater(None).build()


async def start_application(application: Application) -> bool:  # type: ignore[type-arg]
    """Initialise and start; False when Telegram cannot be reached now. The webhook does not need
    Telegram to record messages, so the web process starts anyway and sending retries later."""
    try:
        await application.initialize()
    except TelegramError as exc:
        log.warning("telegram.not_reachable_at_start", error=type(exc).__name__)
        return False
    await application.start()
    log.info("telegram.application_started", bot=application.bot.username)
    return True


async def stop_application(application: Application, started: bool) -> None:  # type: ignore[type-arg]
    if started:
        await application.stop()
        await application.shutdown()
    else:
        await application.bot.shutdown()  # close the HTTP pools the bot opened
