"""Long polling for a laptop: getUpdates, handle each update in its own transaction, then move the
offset past it. An update is acknowledged (offset advanced) only after it is committed, and the
inbound table's unique update_id makes a re-fetched update harmless."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.channels.telegram_channel import translate_update
from bot.conversations import handle_inbound
from common.logging import get_logger
from common.settings import Settings
from db.session import session_scope

log = get_logger("telegram.poll")


class TelegramPoller:
    def __init__(self, bot: Bot, session_factory: sessionmaker[Session], settings: Settings,
                 poll_timeout: int = 25) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.settings = settings
        self.poll_timeout = poll_timeout
        self.offset: int | None = None
        self._stop = asyncio.Event()

    def _handle(self, raw: dict) -> None:  # type: ignore[type-arg]
        message = translate_update(raw)
        if message is None:
            return
        with session_scope(self.session_factory) as session:
            handle_inbound(session, self.settings, channel=message.channel, address=message.address,
                           provider_id=message.provider_id, text=message.text, media_kind=message.media_kind)

    async def poll_once(self) -> int:
        updates = await self.bot.get_updates(offset=self.offset, timeout=self.poll_timeout,
                                             allowed_updates=["message"])
        for update in updates:
            await asyncio.to_thread(self._handle, update.to_dict())
            self.offset = update.update_id + 1
        return len(updates)

    async def run(self) -> None:
        await self.bot.delete_webhook()  # getUpdates is refused while a webhook is set
        stopping = asyncio.create_task(self._stop.wait())
        try:
            await self._loop(stopping)
        finally:
            stopping.cancel()

    async def _loop(self, stopping: asyncio.Task[bool]) -> None:
        while not self._stop.is_set():
            poll = asyncio.create_task(self.poll_once())
            await asyncio.wait({poll, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not poll.done():
                # Stop at once rather than after the long poll (up to poll_timeout seconds). An
                # update being handled may still commit; its offset is not advanced, so it comes
                # back next time and the unique update_id makes that harmless.
                poll.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poll
                break
            try:
                poll.result()
            except RetryAfter as exc:
                wait = exc.retry_after
                await asyncio.sleep(wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait))
            except (TimedOut, NetworkError) as exc:
                log.info("telegram.poll_retry", error=type(exc).__name__)
                await asyncio.sleep(2)

    def stop(self) -> None:
        self._stop.set()
