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
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
import anyio.to_thread
from fastapi import HTTPException, Request
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations import clean_text, handle_inbound
from bot.language.commands import Command, may_be_opt_out
from bot.language.parse import parse_message
from bot.messages import InboundMessage
from common.logging import get_logger
from common.metrics import INBOUND_MESSAGES
from common.settings import Settings
from db.repositories.conversations import accept_parameters, accept_statement
from db.session import make_engine, session_scope

log = get_logger("intake")

WEBHOOK_DB_THREADS = 8
# What the columns hold; a longer value is not a message from the provider.
MAX_ADDRESS, MAX_PROVIDER_ID = 100, 100


class MalformedMessage(ValueError):
    """What a provider sent cannot be a message (the reason is safe to show: no personal data)."""


class Intake:
    def __init__(self, engine: Engine, session_factory: sessionmaker[Session], settings: Settings) -> None:
        self.engine = engine
        self.session_factory = session_factory
        self.settings = settings
        self._limiter: anyio.CapacityLimiter | None = None
        # Set when a turn worker runs in this process: it looks at once instead of at its next poll.
        self.on_recorded: Callable[[], None] | None = None

    @classmethod
    def for_app(cls, settings: Settings, shared: Engine, session_factory: sessionmaker[Session]) -> Intake:
        if shared.dialect.name != "postgresql":
            # SQLite: one writer at a time anyway; BEGIN IMMEDIATE as everywhere.
            return cls(shared, session_factory, settings)
        engine = make_engine(settings.database_url, pool_pre_ping=False, pool_size=WEBHOOK_DB_THREADS,
                             max_overflow=0, isolation_level="AUTOCOMMIT")
        return cls(engine, session_factory, settings)

    def _opt_out_now(self, message: InboundMessage) -> bool:
        # STOP / BAJA / ALTO takes effect before the provider has our answer: nothing queued for
        # this number is sent after it, whatever a worker is doing (handle_inbound runs the turn
        # here, after any earlier message of this sender that was still waiting).
        with session_scope(self.session_factory) as session:
            result = handle_inbound(session, self.settings, channel=message.channel, address=message.address,
                                    provider_id=message.provider_id, text=clean_text(message.text),
                                    media_kind=message.media_kind)
        return not result.duplicate

    def _record(self, message: InboundMessage) -> bool:
        stmt = accept_statement(self.engine.dialect.name)
        params = accept_parameters(channel=message.channel, address=message.address,
                                   provider_id=message.provider_id, text=clean_text(message.text),
                                   media_kind=message.media_kind)
        for attempt in (1, 2):
            try:
                with self.engine.begin() as conn:
                    return conn.execute(stmt, params).first() is not None
            except DBAPIError as exc:
                if attempt == 1 and exc.connection_invalidated:
                    continue  # the server dropped this pooled connection; the pool has a fresh one
                raise
        raise AssertionError("unreachable")

    async def record(self, message: InboundMessage) -> bool:
        """Record the message once per provider id; False when it was already recorded."""
        if len(message.address) > MAX_ADDRESS or len(message.provider_id) > MAX_PROVIDER_ID:
            raise MalformedMessage("sender or message id too long")
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(WEBHOOK_DB_THREADS)
        text = message.text or ""
        # Parsing costs a tenth of this webhook's time; the cheap look spares it to most messages.
        opting_out = may_be_opt_out(text) and parse_message(text).command is Command.OPT_OUT
        work = self._opt_out_now if opting_out else self._record
        new = await anyio.to_thread.run_sync(work, message, limiter=self._limiter)
        if not new and not opting_out:  # (handle_inbound counts its own)
            INBOUND_MESSAGES.labels(message.channel, "yes").inc()  # a redelivery: nothing to do
        elif new and self.on_recorded is not None:
            self.on_recorded()
        return new

    def dispose(self) -> None:
        self.engine.dispose()


async def record_or_refuse(request: Request, message: InboundMessage) -> bool:
    """Record through the app's intake; a precise 4xx for a malformed message, a 503 (the provider
    retries or uses its fallback URL) when the database cannot take it. Never a 500."""
    intake: Intake = request.app.state.intake
    try:
        return await intake.record(message)
    except MalformedMessage as exc:
        raise HTTPException(400, detail=str(exc)) from exc
    except DBAPIError as exc:
        log.error("intake.database_error", channel=message.channel, error=type(exc.orig).__name__)
        raise HTTPException(503, detail="the message could not be recorded; try again") from exc
