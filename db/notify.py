"""Wake-ups across processes on PostgreSQL: NOTIFY when there is work, LISTEN to be woken.

A webhook that records a message notifies ``INBOUND`` (in the recording statement itself, see
``db.repositories.conversations.accept_statement``); whoever queues outbox rows may call
``notify(session, OUTBOX)``. PostgreSQL delivers a notification when the transaction commits, so a
woken worker finds the row. Payloads are empty: the channel name says it all, and nothing personal
travels. Notifications are a hint, never the only way work is found: a listener that lost its
connection misses them, so workers keep a slow poll, and a listener wakes everyone when it
(re)connects. On SQLite there is nothing to listen to: processes poll, and a webhook wakes the
turn worker of its own process directly.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import psycopg
from psycopg import sql
from sqlalchemy import Connection, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from common.logging import get_logger
from common.settings import normalise_database_url

log = get_logger("notify")

INBOUND = "hotline_inbound"  # a message was recorded, its turn is due
OUTBOX = "hotline_outbox"  # outbox rows were queued


def notify(session: Session | Connection, channel: str) -> None:
    """Wake the listeners of ``channel`` when the caller's transaction commits (PostgreSQL only;
    a no-op on SQLite). Several notifications of one channel in one transaction arrive as one."""
    connection = session.connection() if isinstance(session, Session) else session
    if connection.dialect.name == "postgresql":
        # On the connection: the session's pending rows are not flushed for it (a turn writes its
        # replies together, later in the transaction).
        connection.execute(select(func.pg_notify(channel, "")))


def notify_once(session: Session, channel: str) -> None:
    """``notify``, at most once per transaction of ``session`` for ``channel`` (a status change may
    queue a thousand notifications: their workers are woken once)."""
    transaction = session.get_transaction()
    done: dict[str, object] = session.info.setdefault("notified_in", {})
    if done.get(channel) is not transaction:
        notify(session, channel)
        done[channel] = transaction


def notified(session: Session, channel: str) -> None:
    """The caller's transaction notifies ``channel`` already, in a statement of its own (a turn's
    claim does, in the same round trip): ``notify_once`` adds nothing to it."""
    session.info.setdefault("notified_in", {})[channel] = session.get_transaction()


def psycopg_dsn(database_url: str) -> str | None:
    """The libpq connection string of a PostgreSQL ``DATABASE_URL``; None for SQLite."""
    url = make_url(normalise_database_url(database_url))
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """One dedicated connection that LISTENs and calls the subscribers of each channel, on the
    event loop that runs it. Reconnects by itself; ``connected`` says whether it hears anything
    (a worker polls faster while it does not)."""

    def __init__(self, dsn: str, *, reconnect_delay: float = 1.0, connect_timeout: int = 5) -> None:
        self.dsn = dsn
        self.reconnect_delay = reconnect_delay
        self.connect_timeout = connect_timeout
        self.connected = False
        self._subscribers: dict[str, list[Callable[[], None]]] = {}
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def for_database(cls, database_url: str) -> Listener | None:
        dsn = psycopg_dsn(database_url)
        return cls(dsn) if dsn else None

    def subscribe(self, channel: str, callback: Callable[[], None]) -> None:
        """Before ``start``: call ``callback`` (on the loop) at each notification of ``channel``."""
        self._subscribers.setdefault(channel, []).append(callback)

    def _fire(self, channel: str | None) -> None:
        for name, callbacks in self._subscribers.items():
            if channel is None or name == channel:
                for callback in callbacks:
                    callback()

    async def _listen_once(self) -> None:
        async with await psycopg.AsyncConnection.connect(
                self.dsn, autocommit=True, connect_timeout=self.connect_timeout,
                application_name="hotline-listener") as conn:
            for channel in self._subscribers:
                await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            self.connected = True
            log.info("notify.listening", channels=sorted(self._subscribers))
            self._fire(None)  # whatever was notified while we were not listening
            async for notification in conn.notifies():
                self._fire(notification.channel)

    async def run(self) -> None:
        delay = self.reconnect_delay
        while True:
            try:
                await self._listen_once()
            except (psycopg.Error, OSError) as exc:
                if self.connected:
                    log.warning("notify.connection_lost", error=type(exc).__name__)
                    delay = self.reconnect_delay
                else:
                    delay = min(delay * 2, 10.0)
            finally:
                self.connected = False
            await asyncio.sleep(delay)

    def start(self) -> None:
        """Run on the current event loop until ``stop``."""
        if self._task is None and self._subscribers:
            self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
