"""Recording what a webhook received: one statement, then the answer.

A provider's webhook only waits for the message to be durable (``inbound_messages``, pending); the
turn workers run the dialogue afterwards (bot/turns.py). That keeps a webhook's cost at the floor
of any durable webhook (check, one INSERT, answer) however long a dialogue turn takes, and a burst
of relatives costs the provider no timeouts. The one exception is an opt-out (STOP, BAJA, ALTO):
its turn runs before the answer, so that nothing queued for that number goes out after it.

Choices measured with scripts/bench_channels.py (docs/benchmarks.md):
- the INSERT runs on its own small thread pool (``WEBHOOK_DB_THREADS``). With the default pool of
  40 threads, 64 requests at once left 40 threads fighting over the GIL and the event loop starved
  (the floor: 866 req/s with 40 threads, 1,573 with 8);
- on PostgreSQL it runs in autocommit on a pool without pre-ping: one round trip instead of four
  (ping, BEGIN, INSERT, COMMIT). A connection the server dropped (a restart) is detected when the
  statement fails and the statement is run once more on a fresh connection;
- spotting an opt-out needs the parser, which cost a tenth of the webhook's time: a cheap first
  look (``may_be_opt_out``, tested never to miss one) leaves the parse to the few that could be.

When the database does not answer (refused, timed out, dropped), the message goes to this host's
durable spool (bot/spool.py, ``HOTLINE_SPOOL_DIR``) and the webhook still answers 200: Twilio never
redelivers an inbound message, so a 503 would lose it. While spooled messages wait, new ones are
spooled behind them (a relative's messages keep their order) and the replayer (``replayer()``, run
by ``hotline serve`` and ``hotline worker``) records them through ``store``, the same path as here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import anyio
import anyio.to_thread
from fastapi import HTTPException, Request
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations import clean_text, handle_inbound
from bot.language.commands import Command, may_be_opt_out
from bot.language.parse import parse_message
from bot.messages import InboundMessage
from bot.spool import Spool, SpoolReplayer
from common.logging import get_logger
from common.metrics import (
    INBOUND_MESSAGES,
    SPOOL_EVENTS,
    SPOOL_MESSAGES,
    SPOOL_OLDEST_SECONDS,
    SPOOL_QUARANTINED,
)
from common.settings import Settings
from db.repositories.conversations import accept_parameters, accept_statement
from db.session import database_unreachable, make_engine, session_scope

log = get_logger("intake")

WEBHOOK_DB_THREADS = 8
# What the columns hold; a longer value is not a message from the provider.
MAX_ADDRESS, MAX_PROVIDER_ID = 100, 100


class MalformedMessage(ValueError):
    """What a provider sent cannot be a message (the reason is safe to show: no personal data)."""


# A webhook's INSERT that takes longer than this means the database is in trouble: the message goes
# to the spool rather than letting the provider time out (Twilio waits 15 s).
STATEMENT_TIMEOUT_MS = 5000


class Intake:
    def __init__(self, engine: Engine, session_factory: sessionmaker[Session], settings: Settings,
                 spool: Spool | None = None) -> None:
        self.engine = engine
        self.session_factory = session_factory
        self.settings = settings
        self.spool = spool or Spool(settings.hotline_spool_dir)
        self._limiter: anyio.CapacityLimiter | None = None
        self._replayers: list[SpoolReplayer] = []
        # Set when a turn worker runs in this process: it looks at once instead of at its next poll.
        self.on_recorded: Callable[[], None] | None = None

    @classmethod
    def for_app(cls, settings: Settings, shared: Engine, session_factory: sessionmaker[Session]) -> Intake:
        if shared.dialect.name != "postgresql":
            # SQLite: one writer at a time anyway; BEGIN IMMEDIATE as everywhere.
            intake = cls(shared, session_factory, settings)
        else:
            engine = make_engine(
                settings.database_url, pool_pre_ping=False, pool_size=WEBHOOK_DB_THREADS, max_overflow=0,
                isolation_level="AUTOCOMMIT",
                connect_args={"connect_timeout": 3, "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"})
            intake = cls(engine, session_factory, settings)
        intake.publish_spool_metrics()
        return intake

    def publish_spool_metrics(self) -> None:
        """/metrics reads this host's spool at each scrape (the spool is per host, not in the database)."""
        spool = self.spool

        def oldest_seconds() -> float:
            oldest = spool.oldest()
            return max(0.0, time.time() - oldest.timestamp()) if oldest else 0.0

        SPOOL_MESSAGES.set_function(lambda: float(spool.depth()))
        SPOOL_OLDEST_SECONDS.set_function(oldest_seconds)
        SPOOL_QUARANTINED.set_function(lambda: float(spool.quarantined()))

    def _opt_out_now(self, message: InboundMessage) -> bool:
        # STOP / BAJA / ALTO takes effect before the provider has our answer: nothing queued for
        # this number is sent after it, whatever a worker is doing (handle_inbound runs the turn
        # here, after any earlier message of this sender that was still waiting).
        with session_scope(self.session_factory) as session:
            result = handle_inbound(session, self.settings, channel=message.channel, address=message.address,
                                    provider_id=message.provider_id, text=clean_text(message.text),
                                    media_kind=message.media_kind)
        return not result.duplicate

    def _record(self, message: InboundMessage, received_at: datetime | None = None) -> bool:
        stmt = accept_statement(self.engine.dialect.name)
        params = accept_parameters(channel=message.channel, address=message.address,
                                   provider_id=message.provider_id, text=clean_text(message.text),
                                   media_kind=message.media_kind, received_at=received_at)
        for attempt in (1, 2):
            try:
                with self.engine.begin() as conn:
                    return conn.execute(stmt, params).first() is not None
            except DBAPIError as exc:
                if attempt == 1 and exc.connection_invalidated:
                    continue  # the server dropped this pooled connection; the pool has a fresh one
                raise
        raise AssertionError("unreachable")

    @staticmethod
    def _is_opt_out(message: InboundMessage) -> bool:
        text = message.text or ""
        # Parsing costs a tenth of this webhook's time; the cheap look spares it to most messages.
        return may_be_opt_out(text) and parse_message(text).command is Command.OPT_OUT

    def store(self, message: InboundMessage, received_at: datetime | None = None) -> bool:
        """Record one message (in the calling thread) as the webhook does: an opt-out's turn at
        once, any other message pending for the turn workers. False when already recorded."""
        if self._is_opt_out(message):
            return self._opt_out_now(message)
        return self._record(message, received_at)

    def _spool_if_backlog(self, message: InboundMessage) -> bool:
        return self.spool.write_if_backlog(message) is not None

    async def _spool(self, message: InboundMessage, cause: BaseException | None) -> None:
        try:
            await anyio.to_thread.run_sync(self.spool.write, message, limiter=self._limiter)
        except OSError as exc:
            # Nowhere to keep it: the provider must try again (Telegram does; Twilio uses the
            # number's fallback URL when one is set).
            log.error("intake.spool_failed", channel=message.channel, error=type(exc).__name__)
            raise HTTPException(503, detail="the message could not be recorded; try again") from exc
        self._spooled(message, cause)

    def _spooled(self, message: InboundMessage, cause: BaseException | None) -> None:
        SPOOL_EVENTS.labels("spooled").inc()
        if cause is None:  # the database may answer again: behind the others, to keep the order
            log.info("intake.spooled", channel=message.channel, cause="backlog")
        else:
            log.warning("intake.spooled", channel=message.channel,
                        cause=type(getattr(cause, "orig", None) or cause).__name__)
        for replayer in self._replayers:
            if replayer.running:
                replayer.kick()

    async def record(self, message: InboundMessage) -> bool:
        """Record the message once per provider id; False when it was already recorded. When the
        database is unreachable, or spooled messages still wait, it goes to the spool (True)."""
        if len(message.address) > MAX_ADDRESS or len(message.provider_id) > MAX_PROVIDER_ID:
            raise MalformedMessage("sender or message id too long")
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(WEBHOOK_DB_THREADS)
        if self.spool.has_backlog and await anyio.to_thread.run_sync(
                self._spool_if_backlog, message, limiter=self._limiter):
            self._spooled(message, None)
            return True
        opting_out = self._is_opt_out(message)
        work = self._opt_out_now if opting_out else self._record
        try:
            new = await anyio.to_thread.run_sync(work, message, limiter=self._limiter)
        except SQLAlchemyError as exc:
            if not database_unreachable(exc):
                raise
            await self._spool(message, exc)
            return True
        if not new and not opting_out:  # (handle_inbound counts its own)
            INBOUND_MESSAGES.labels(message.channel, "yes").inc()  # a redelivery: nothing to do
        elif new and self.on_recorded is not None:
            self.on_recorded()
        return new

    def replayer(self) -> SpoolReplayer:
        """A task that moves this host's spooled messages into the database: one per lifespan of
        the app (``hotline serve``) or per ``hotline worker``. Replayers of one spool take turns
        (a lock file), so a second one is harmless."""
        replayer = SpoolReplayer(self.spool, self.store, database_unreachable, on_recorded=self._wake_turns)
        self._replayers = [r for r in self._replayers if r.running] + [replayer]  # (finished ones go)
        return replayer

    def _wake_turns(self) -> None:
        if self.on_recorded is not None:
            self.on_recorded()

    def dispose(self) -> None:
        self.engine.dispose()


async def record_or_refuse(request: Request, message: InboundMessage) -> bool:
    """Record through the app's intake (or its spool when the database is unreachable); a precise
    4xx for a malformed message, a 503 (the provider retries or uses its fallback URL) when the
    database refuses it and nothing can keep it. Never a 500."""
    intake: Intake = request.app.state.intake
    try:
        return await intake.record(message)
    except MalformedMessage as exc:
        raise HTTPException(400, detail=str(exc)) from exc
    except SQLAlchemyError as exc:
        log.error("intake.database_error", channel=message.channel,
                  error=type(getattr(exc, "orig", None) or exc).__name__)
        raise HTTPException(503, detail="the message could not be recorded; try again") from exc
