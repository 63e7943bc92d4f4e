"""Turn workers: run the dialogue turns of the messages the webhooks recorded.

A webhook records the message (one INSERT) and answers at once: its 200 means "recorded", and a
provider never waits for the dialogue. A turn worker then takes a sender whose oldest pending
message is due, locks that conversation and the message in one statement (``FOR NO KEY UPDATE
SKIP LOCKED`` on PostgreSQL, so several workers in several processes each take a different
relative; on SQLite every transaction holds the write lock), and runs that one message's turn in
one transaction with the reply it queues. A relative's messages therefore run one at a time and in the order they arrived, and a
turn either happens whole or not at all: a worker killed in the middle leaves the message pending
for the next one.

Workers find work without polling on PostgreSQL: the recording statement NOTIFYs, and a listener
(db/notify.py) wakes the lanes of every process at once; a slow poll remains as the fallback (and
the only way on SQLite, where a webhook wakes its own process's worker directly).

A turn that raises is retried with backoff (attempts and the exception's type are recorded, never
the text); after ``max_attempts`` the message is marked ``failed``, a case asks a person to take
over and the relative is told so. The later messages of that relative wait meanwhile, so that
they never overtake it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot import texts, whatsapp_window
from bot.cases import opening as case_service
from bot.conversations import render_for_channel, run_turn
from common.logging import get_logger
from common.metrics import TURN_FAILURES
from common.settings import Settings
from db.base import utcnow
from db.models import Conversation, InboundRecord
from db.notify import Listener
from db.repositories import audit, outbox
from db.repositories import conversations as conv_repo

log = get_logger("turns")

@dataclass
class TurnConfig:
    concurrency: int = 8  # turns in flight per process: most of a turn is waiting on the database (GIL free)
    idle_sleep: float = 0.1  # how often an idle worker looks at the queue when nothing wakes it
    # ...and while a listener hears the webhooks' NOTIFY (PostgreSQL): a slow fallback only.
    listening_sleep: float = 5.0
    max_attempts: int = 3
    backoff_base: float = 1.0


def claim_next(session: Session, now: datetime) -> tuple[Conversation, InboundRecord] | None:
    """In the caller's transaction: lock a conversation with a due pending message that no other
    worker holds and return it with its oldest pending message; None when there is nothing to do.
    One statement (``claim_oldest``); a relative's first message has no conversation yet, and gets
    one here when nothing else was found (``TurnProcessor`` creates them ahead, in a transaction of
    their own, when woken)."""
    claimed = conv_repo.claim_oldest(session, now)
    if claimed is None and conv_repo.adopt_new_senders(session, now):
        claimed = conv_repo.claim_oldest(session, now)
    return claimed


class TurnProcessor:
    def __init__(self, session_factory: sessionmaker[Session], settings: Settings,
                 config: TurnConfig | None = None) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.config = config or TurnConfig()
        self._stop = asyncio.Event()
        self._wake: asyncio.Event | None = None
        self._threads: ThreadPoolExecutor | None = None
        # Each lane thread's own connection (``_session``), and all of them, to close at the end.
        self._kept = threading.local()
        self._all_kept: list[Connection] = []
        # New relatives may be waiting (woken, or just started): give them their conversation rows
        # in a short transaction of its own before the next claim; otherwise ``claim_next`` finds
        # them only once no known relative has a message due.
        self._adopt = True
        # Called on the event loop after each turn (in-process outbox worker: send the replies now).
        self.after_turn: Callable[[], None] | None = None
        # PostgreSQL: a dedicated connection that LISTENs (db/notify.py), started and stopped with
        # this processor, and that calls ``wake`` when any process records a message.
        self.listener: Listener | None = None

    # --- one turn (runs in a thread) ------------------------------------------------------------

    def _session(self) -> Session:
        """A session for a turn: on the connection this lane's thread keeps (``run``), or one from
        the pool. Checking a connection out of the pool costs a liveness ping (a round trip) every
        turn; a kept one that broke fails the claim, every turn's first statement, and is dropped
        (the message is untouched and no attempt counted)."""
        connection: Connection | None = getattr(self._kept, "connection", None)
        if connection is None:
            return self.session_factory()
        return self.session_factory(bind=connection)

    def _drop_kept(self) -> None:
        connection: Connection | None = getattr(self._kept, "connection", None)
        if connection is not None:
            self._kept.connection = None
            with contextlib.suppress(Exception):
                connection.close()

    def _keep_connection(self) -> None:
        """In each of ``run``'s lane threads, at its start and after a failure."""
        engine: Engine = self.session_factory.kw["bind"]
        self._kept.connection = connection = engine.connect()
        self._all_kept.append(connection)

    def process_one(self) -> bool:
        """Run one due turn; False when there was none."""
        if self._threads is not None and getattr(self._kept, "connection", False) is None:
            self._keep_connection()  # a lane thread whose connection was dropped
        try:
            return self._process_one()
        except BaseException:
            self._drop_kept()
            raise

    def _process_one(self) -> bool:
        now = utcnow()
        if self._adopt:
            self._adopt = False  # before looking: a wake-up that comes meanwhile is kept
            with self._session() as session, session.begin():
                conv_repo.adopt_new_senders(session, now)
        with self._session() as session:
            claimed = claim_next(session, now)
            if claimed is None:
                session.rollback()
                return False
            conversation, message = claimed
            message_id = message.id
            try:
                run_turn(session, self.settings, conversation, message, now)
                session.commit()
            except Exception as exc:
                session.rollback()
                log.error("turn.failed", inbound_id=message_id, error=type(exc).__name__)
                self.record_failure(message_id, exc)
        return True

    def record_failure(self, message_id: int, exc: BaseException) -> None:
        error = type(exc).__name__[:200]
        with self.session_factory() as session, session.begin():
            # Locked first, then the message read again: another worker may have run it meanwhile
            # (our failed turn released the lock), and its outcome must stand.
            locked = conv_repo.lock_sender_of(session, message_id)
            if locked is None:
                return
            conversation, message = locked
            if message.state != "pending":
                return
            message.attempts += 1
            message.last_error = error
            TURN_FAILURES.inc()
            if message.attempts < self.config.max_attempts:
                delay = self.config.backoff_base * 2 ** (message.attempts - 1)
                message.next_attempt_at = utcnow() + timedelta(seconds=delay)
                return
            try:
                with session.begin_nested():
                    self._hand_over(session, conversation, message)
            except Exception as handover_exc:
                # The case or the reply could not be written: still stop retrying, so that the
                # relative's later messages are not held behind this one forever; the audit event
                # and the log say a person must look.
                log.error("turn.hand_over_failed", inbound_id=message_id, error=type(handover_exc).__name__)
                self._mark_failed(message, conversation)
                audit.record(session, actor="bot", action="turn_failed", subject_type="conversation",
                             subject_id=conversation.id,
                             details={"inbound_id": message_id, "error": error, "case": None,
                                      "hand_over_error": type(handover_exc).__name__})

    @staticmethod
    def _mark_failed(message: InboundRecord, conversation: Conversation) -> None:
        message.state = "failed"
        message.conversation_id = conversation.id
        message.processed_at = utcnow()
        message.next_attempt_at = None

    def _hand_over(self, session: Session, conversation: Conversation, message: InboundRecord) -> None:
        """The turn cannot run: a person takes over, and the relative is told so (never silence)."""
        self._mark_failed(message, conversation)
        session.flush()  # the message's own state, before the savepoint below (a rollback there expires it)
        # They did write: their WhatsApp window is open, and what was held for them goes first.
        # In a savepoint of its own: the turn may have failed on this very conversation row, and
        # the case and the reply below must be written whatever happens to the window's note.
        try:
            with session.begin_nested():
                whatsapp_window.note_inbound(session, conversation, message.received_at or utcnow())
                session.flush()
        except SQLAlchemyError as exc:
            session.expire(conversation)
            log.error("turn.hand_over_window_not_noted", inbound_id=message.id, error=type(exc).__name__)
        case = case_service.open_case(
            session, conversation, reason="other", priority="high", person_id=None,
            details={"problem": "the automatic answer failed; read the message and answer",
                     "inbound_id": message.id},
            prefix=self.settings.hotline_case_prefix,
            followup_interval_hours=self.settings.followup_interval_hours)
        audit.record(session, actor="bot", action="turn_failed", subject_type="conversation",
                     subject_id=conversation.id,
                     details={"inbound_id": message.id, "error": message.last_error, "case": case.reference})
        t = texts.for_state(conversation.state)
        text = t.render(t.TURN_FAILED, reference=case.reference)
        outbox.enqueue(session, channel=conversation.channel, recipient=conversation.address,
                       text=render_for_channel(conversation.channel, text), kind="reply",
                       priority=outbox.PRIORITY_REPLY, conversation_id=conversation.id)
        log.error("turn.handed_over", inbound_id=message.id, case=case.reference)

    # --- the loop -------------------------------------------------------------------------------

    def wake(self) -> None:
        """A webhook recorded a message: look now instead of at the next poll. Call it from the
        event loop the processor runs on."""
        self._adopt = True
        if self._wake is not None:
            self._wake.set()

    async def run_until_idle(self) -> int:
        """Run turns until none is due; returns how many ran (tests, the CLI)."""
        ran = 0
        while await asyncio.to_thread(self.process_one):
            ran += 1
        return ran

    async def _lane(self, lane: int) -> None:
        assert self._wake is not None
        while not self._stop.is_set():
            self._wake.clear()  # before looking: a wake-up that comes while we look is kept
            try:
                did = await asyncio.get_running_loop().run_in_executor(self._threads, self.process_one)
            except Exception as exc:  # the database may be briefly unreachable: wait and go on
                log.error("turn.worker_error", lane=lane, error=type(exc).__name__)
                did = False
            if did:
                if self.after_turn is not None:
                    self.after_turn()
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._idle_timeout())
            except TimeoutError:
                pass

    def _idle_timeout(self) -> float:
        if self.listener is not None and self.listener.connected:
            return self.config.listening_sleep
        return self.config.idle_sleep

    async def run(self) -> None:
        self._wake = asyncio.Event()
        # Threads of their own: a lane holds its thread for a whole turn, and the event loop's
        # default pool (cores + 4 threads) is shared with the outbox worker's database steps.
        self._threads = ThreadPoolExecutor(max_workers=self.config.concurrency, thread_name_prefix="turn",
                                           initializer=self._keep_connection)
        log.info("turns.worker_started", lanes=self.config.concurrency, listening=self.listener is not None)
        if self.listener is not None:
            self.listener.start()
        stopping = asyncio.create_task(self._stop.wait())
        lanes = [asyncio.create_task(self._lane(i)) for i in range(self.config.concurrency)]
        await stopping
        # Stopping: the lanes finish the turn in hand (a turn is one transaction) and leave.
        self._wake.set()
        await asyncio.gather(*lanes)
        self._threads.shutdown(wait=True)
        self._threads = None
        for connection in self._all_kept:
            with contextlib.suppress(Exception):
                connection.close()
        self._all_kept.clear()
        if self.listener is not None:
            await self.listener.stop()
        log.info("turns.worker_stopped")

    def stop(self) -> None:
        self._stop.set()
