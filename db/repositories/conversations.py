"""Conversations, inbound messages (the one way a message enters, ``record_inbound``), the turn
queue, inquiries, and what the voice line said."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.dml import ReturningInsert

from db import notify
from db.base import UTCDateTime, utcnow
from db.models import Conversation, InboundRecord, Inquiry, OutboundMessage
from db.prepared import one_of


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _ensure_conversation(session: Session, channel: str, address: str) -> None:
    insert = _insert(session)
    session.execute(
        insert(Conversation)
        .values(channel=channel, address=address, state={}, opted_out=False, created_at=utcnow(),
                updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["channel", "address"])
    )


def _conversation_query(session: Session, channel: str, address: str, *, skip_locked: bool) -> Select[Conversation]:
    stmt = select(Conversation).where(Conversation.channel == channel, Conversation.address == address)
    if session.get_bind().dialect.name == "postgresql":
        # FOR NO KEY UPDATE: rows that merely reference the conversation (outbox rows, cases) can
        # still be written by others meanwhile. (SQLite: the transaction holds the write lock.)
        stmt = stmt.with_for_update(key_share=True, skip_locked=skip_locked)
    return stmt.execution_options(populate_existing=True)


def lock_conversation(session: Session, channel: str, address: str) -> Conversation:
    """Get or create the conversation and hold its row lock until the transaction ends, so that two
    messages of one relative are handled one after the other, in any process."""
    _ensure_conversation(session, channel, address)
    return session.scalars(_conversation_query(session, channel, address, skip_locked=False)).one()


def lock_existing(session: Session, channel: str, address: str) -> Conversation | None:
    """As lock_conversation (waits for the lock), but None when there is no such conversation."""
    return session.scalars(_conversation_query(session, channel, address, skip_locked=False)).first()


def try_lock_conversation(session: Session, channel: str, address: str) -> Conversation | None:
    """As lock_conversation, but None at once when another transaction holds it (SKIP LOCKED)."""
    locking = _conversation_query(session, channel, address, skip_locked=True)
    conversation = session.scalars(locking).first()
    if conversation is not None:
        return conversation
    exists = session.scalar(select(Conversation.id).where(Conversation.channel == channel,
                                                          Conversation.address == address))
    if exists is not None:
        return None  # it exists and SKIP LOCKED skipped it: another worker holds it
    # A relative's first message. (Creating it waits if another transaction is creating the same
    # row right now; it does not skip: nothing can be skipped that is not there yet.)
    _ensure_conversation(session, channel, address)
    return session.scalars(locking).first()


@lru_cache(maxsize=4)
def accept_statement(dialect: str) -> ReturningInsert[int]:
    """The one statement that records an inbound message, pending its turn (parameters:
    ``accept_parameters``). It returns the new row's id, or no row when this provider id was already
    recorded (a redelivery). Built once per dialect: building it costs more than running it."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # RETURNING, not rowcount: through the ORM an INSERT's rowcount is -1 on PostgreSQL (psycopg),
    # which would make every redelivery look new.
    returning: list[Any] = [InboundRecord.id]
    if dialect == "postgresql":
        # Wake the turn workers of every process (db/notify.py) in the same round trip: evaluated
        # once per row actually inserted (a redelivery wakes nobody), delivered at commit.
        returning.append(func.pg_notify(notify.INBOUND, ""))
    return (
        insert(InboundRecord)
        .values(channel=bindparam("channel"), address=bindparam("address"), provider_id=bindparam("provider_id"),
                text=bindparam("text"), media_kind=bindparam("media_kind"), received_at=bindparam("received_at"),
                state="pending", attempts=0)
        .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
        .returning(*returning)
    )


def accept_parameters(*, channel: str, address: str, provider_id: str, text: str | None,
                      media_kind: str | None, received_at: datetime | None = None) -> dict[str, Any]:
    """``received_at``: when the webhook got it (a message replayed from the spool, bot/spool.py);
    now by default."""
    return {"channel": channel, "address": address, "provider_id": provider_id, "text": text,
            "media_kind": media_kind, "received_at": received_at or utcnow()}


@lru_cache(maxsize=4)
def _answered_statement(dialect: str) -> ReturningInsert[int]:
    """As ``accept_statement``, for a message answered in the same transaction (the voice line):
    recorded ``done`` in its conversation, waking no turn worker."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(InboundRecord)
        .values(channel=bindparam("channel"), address=bindparam("address"), provider_id=bindparam("provider_id"),
                text=bindparam("text"), media_kind=bindparam("media_kind"), received_at=bindparam("received_at"),
                state="done", attempts=0, conversation_id=bindparam("conversation_id"),
                processed_at=bindparam("received_at"))
        .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
        .returning(InboundRecord.id)
    )


def record_inbound(session: Session, channel: str, address: str, provider_id: str, text: str | None,
                   media_kind: str | None, *, received_at: datetime | None = None,
                   answered_in: int | None = None) -> int | None:
    """Record an inbound message once per provider id: its id, or None when already recorded (a
    redelivery: nothing is written). The way every message enters, whatever the channel: pending its
    turn, or, with ``answered_in`` (a conversation id), already answered there at ``received_at``
    (the voice line answers each step in the request)."""
    dialect = session.get_bind().dialect.name
    parameters = accept_parameters(channel=channel, address=address, provider_id=provider_id, text=text,
                                   media_kind=media_kind, received_at=received_at)
    if answered_in is None:
        row = session.execute(accept_statement(dialect), parameters).first()
    else:
        row = session.execute(_answered_statement(dialect), {**parameters, "conversation_id": answered_in}).first()
    return None if row is None else int(row[0])


def conversation_of_inbound(session: Session, channel: str, provider_id: str) -> Conversation | None:
    """The conversation a recorded message was answered in (None: no such message, or not yet)."""
    return session.scalars(
        select(Conversation).join(InboundRecord, InboundRecord.conversation_id == Conversation.id)
        .where(InboundRecord.channel == channel, InboundRecord.provider_id == provider_id)
    ).first()


def lock_sender_of(session: Session, message_id: int) -> tuple[Conversation, InboundRecord] | None:
    """A recorded message and its sender's conversation, locked (created if need be): the lock first,
    then the message read again, as it is now that no other worker can run it."""
    message = session.get(InboundRecord, message_id)
    if message is None:
        return None
    conversation = lock_conversation(session, message.channel, message.address)
    session.refresh(message)
    return conversation, message


def record_said(session: Session, conversation: Conversation, text: str, now: datetime) -> None:
    """What the voice line said, for the transcript: an outbound row of kind ``voice``, already
    ``sent`` (the outbox has no sender for ``voice`` and never sees it as due)."""
    session.add(OutboundMessage(conversation_id=conversation.id, channel=conversation.channel,
                                recipient=conversation.address, text=text, kind="voice", priority=0,
                                status="sent", next_attempt_at=now, created_at=now, sent_at=now))


def add_inquiry(session: Session, conversation_id: int, person_id: int | None, details: dict[str, Any],
                outcome: str, now: datetime) -> int:
    """What a relative asked about a person and how it ended, in the caller's transaction: one INSERT
    at once, outside the unit of work (every turn that looks someone up writes one); its id."""
    return int(session.connection().execute(_ADD_INQUIRY, {
        "conversation_id": conversation_id, "person_id": person_id, "details": details, "outcome": outcome,
        "created_at": now}).scalar_one())


_ADD_INQUIRY = insert(Inquiry).returning(Inquiry.id)


# A literal, not a bound value: only then can the planner use the partial index of pending rows
# (``ix_inbound_messages_pending``) in a prepared statement's generic plan.
PENDING: ColumnElement[str] = literal_column("'pending'")


# How many of the oldest pending messages a claim looks at: their senders are the candidates. A
# bound, so that a claim costs the same whatever the backlog (and whatever the planner believes
# of it). First a few (the next turns are nearly always among them: half the database time of the
# wide look), then, when none of those can be taken, the wide look: a relative flooding the line
# fills at most that many, and others behind are still found.
CLAIM_WINDOWS = (32, 500)


@lru_cache(maxsize=4)
def _claim_statement(dialect: str) -> Select[*tuple[Any, ...]]:
    window = (
        select(InboundRecord.id, InboundRecord.channel, InboundRecord.address)
        .where(InboundRecord.state == PENDING)
        .order_by(InboundRecord.id)
        .limit(bindparam("window", type_=Integer))
        .subquery()
    )
    # Each sender's oldest pending message in the window is its oldest of all (the window holds the
    # oldest): a later message waits behind it, also while it backs off after a failure.
    oldest = select(func.min(window.c.id)).group_by(window.c.channel, window.c.address)
    due = and_(InboundRecord.id.in_(oldest), InboundRecord.state == PENDING,
               or_(InboundRecord.next_attempt_at.is_(None), InboundRecord.next_attempt_at <= bindparam("now")))
    to_conversation = and_(InboundRecord.channel == Conversation.channel,
                           InboundRecord.address == Conversation.address)
    if dialect != "postgresql":
        # SQLite: the transaction holds the write lock.
        return (select(Conversation, InboundRecord).join(InboundRecord, to_conversation).where(due)
                .order_by(InboundRecord.id).limit(1))
    # The conversation (the relative's lock, as lock_conversation takes it) and the message, skipping
    # whatever another worker holds. Locking the message too makes PostgreSQL check it again as it
    # is now: one that another worker answered since this statement began is not taken twice.
    claimed = (
        select(Conversation.id.label("conversation_id"), InboundRecord.id.label("message_id"))
        .join(InboundRecord, to_conversation).where(due).order_by(InboundRecord.id).limit(1)
        .with_for_update(of=(Conversation, InboundRecord), key_share=True, skip_locked=True)
        .cte("claimed")
    )
    # Marked done in the same statement, as run_turn would (the same values, so the turn writes the
    # message no more); a turn that fails is rolled back with it, and the message is pending again.
    done = (
        update(InboundRecord)
        .where(InboundRecord.id == claimed.c.message_id)
        .values(state="done", conversation_id=claimed.c.conversation_id, processed_at=bindparam("now"),
                next_attempt_at=None)
        .returning(*InboundRecord.__table__.c)
        .cte("done")
    )
    message = aliased(InboundRecord, done)
    # A turn queues replies: wake the outbox workers of every process at its commit, in this same
    # round trip (evaluated only for the row returned; a turn rolled back wakes nobody).
    return (
        select(Conversation, message, func.pg_notify(notify.OUTBOX, ""))
        .join(message, message.conversation_id == Conversation.id)
    )


def claim_oldest(session: Session, now: datetime) -> tuple[Conversation, InboundRecord] | None:
    """In the caller's transaction, one statement: lock the conversation whose next message is the
    oldest one due, with that message; None when there is none (or every one is held by other
    workers). Only relatives who have a conversation row are found: see ``adopt_new_senders``. On
    PostgreSQL the same statement marks the message done as of ``now`` (what run_turn writes) and
    notifies the outbox workers (``notify.OUTBOX``) for the turn."""
    dialect = session.get_bind().dialect.name
    stmt = _claim_statement(dialect)
    if session.identity_map:
        # Objects this session already holds are refreshed from the rows as locked (a turn's fresh
        # session holds none, and is spared the cost).
        stmt = stmt.execution_options(populate_existing=True)
    for window in CLAIM_WINDOWS:
        row = session.execute(stmt, {"now": now, "window": window}).first()
        if row is not None:
            break
    else:
        return None
    if dialect == "postgresql":
        notify.notified(session, notify.OUTBOX)
    return row[0], row[1]


@lru_cache(maxsize=4)
def _adopt_statement(dialect: str) -> ReturningInsert[int]:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    senders = (
        select(InboundRecord.channel, InboundRecord.address)
        .where(InboundRecord.state == PENDING,
               ~exists().where(Conversation.channel == InboundRecord.channel,
                               Conversation.address == InboundRecord.address))
        .distinct()
        .subquery()
    )
    now = bindparam("now", type_=UTCDateTime())
    rows = select(senders.c.channel, senders.c.address, bindparam("state", type_=JSON()), false(), now, now) \
        .where(true())  # SQLite reads ON CONFLICT after a bare FROM as a join's ON
    return (
        insert(Conversation)
        .from_select(["channel", "address", "state", "opted_out", "created_at", "updated_at"], rows)
        .on_conflict_do_nothing(index_elements=["channel", "address"])
        .returning(Conversation.id)
    )


def adopt_new_senders(session: Session, now: datetime | None = None) -> int:
    """Create the conversation of every relative whose pending messages have none yet (a first
    message: the webhook records it and nothing else), so that ``claim_oldest`` can lock it. Returns
    how many were created. A row another transaction is creating right now is waited for (then
    left to it)."""
    stmt = _adopt_statement(session.get_bind().dialect.name)
    return len(session.connection().execute(stmt, {"now": now or utcnow(), "state": {}}).all())


def pending_messages(session: Session, channel: str, address: str) -> list[InboundRecord]:
    """This sender's messages still waiting for their turn, in the order they arrived."""
    return list(session.scalars(
        select(InboundRecord)
        .where(InboundRecord.channel == channel, InboundRecord.address == address,
               InboundRecord.state == "pending")
        .order_by(InboundRecord.id)
        .execution_options(populate_existing=True)
    ))


def pending_backlog(session: Session) -> tuple[int, datetime | None]:
    """How many recorded messages still wait for their turn, and when the oldest arrived."""
    count, oldest = session.execute(
        select(func.count(), func.min(InboundRecord.received_at)).where(InboundRecord.state == "pending")
    ).one()
    return int(count or 0), oldest


def persons_looked_up_since(session: Session, conversation_id: int, since: datetime,
                            outcomes: Collection[str]) -> set[int]:
    """The persons this conversation's inquiries since ``since`` ended about with one of ``outcomes``
    (the lookup limit passes the rule's own list, bot.policy.PROVEN_OUTCOMES)."""
    rows = session.scalars(_looked_up_statement(session.get_bind().dialect.name), {
        "conversation_id": conversation_id, "since": since, "outcomes": sorted(outcomes)})
    return {int(r) for r in rows if r is not None}


@lru_cache(maxsize=4)
def _looked_up_statement(dialect: str) -> Select[int | None]:
    # Built once (parameters: conversation_id, since, outcomes): every search turn runs it.
    return (
        select(Inquiry.person_id)
        .where(Inquiry.conversation_id == bindparam("conversation_id", type_=Integer),
               Inquiry.created_at >= bindparam("since", type_=UTCDateTime()),
               Inquiry.person_id.is_not(None), one_of(dialect, Inquiry.outcome, "outcomes"))
        .distinct()
    )
