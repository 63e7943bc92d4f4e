"""The durable outbox: enqueue in the caller's transaction, claim safely, send only while owned.

A row's life: ``queued`` -> claimed (still ``queued``, with ``claimed_by`` and a lease
``claimed_until``) -> ``sending`` -> ``sent``. Claiming is one short transaction: on PostgreSQL the
claims of all workers take turns (a transaction-level advisory lock) and skip rows locked by others;
on SQLite the claim transaction starts with ``BEGIN IMMEDIATE`` (one writer at a time). A worker
renews the leases of the rows it holds, and right before each provider call it confirms, in one
committed UPDATE, that it still owns the row (``confirm_send``: its worker id, a lease that has not
run out, not cancelled) and marks it ``sending``. A claim lost meanwhile (the lease ran out and
another worker took the row, or an opt-out cancelled it) is never sent.

A ``sending`` row whose lease ran out was being sent when its worker died: the provider may have
accepted it. It is taken again only after a further grace period (its worker may merely have lost
the database for a while and still be trying to record the outcome), and ``in doubt``: the new
worker first asks the provider's log where there is one (Twilio), and counts a repeat where there is
none (Telegram; at most one per row).

A recipient's rows go out in the order they were queued, also across workers: a row is not claimed
while an older unsent row to the same recipient is backing off or held by another worker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, String, Update, and_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from db.base import UTCDateTime, utcnow
from db.models import Conversation, OutboundMessage
from db.notify import OUTBOX, notify, notify_once
from db.prepared import one_of

PRIORITY_REPLY = 0  # a relative's replies and operators' answers go first
PRIORITY_FOLLOWUP = 5
PRIORITY_BULK = 10  # status-change notifications to many subscribers


def enqueue(
    session: Session,
    *,
    channel: str,
    recipient: str,
    text: str,
    kind: str = "reply",
    priority: int = PRIORITY_REPLY,
    conversation_id: int | None = None,
    choices: dict[str, Any] | None = None,
) -> OutboundMessage:
    row = OutboundMessage(
        channel=channel,
        recipient=recipient,
        text=text,
        kind=kind,
        priority=priority,
        conversation_id=conversation_id,
        status="queued",
        next_attempt_at=utcnow(),
        choices=choices,
    )
    session.add(row)
    session.flush()
    # PostgreSQL: every worker process's listener wakes its outbox worker at commit (db/notify.py);
    # once per transaction is enough (a status change may queue a thousand notifications).
    notify_once(session, OUTBOX)
    return row


def enqueue_many(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Queue several messages at once, in the caller's transaction: one statement, no ORM objects
    (a turn queues its replies so; the unit of work cost it more than the INSERT). Each row holds
    ``enqueue``'s arguments (channel, recipient, text, kind, priority, conversation_id, choices).
    Returns their ids, in order."""
    if not rows:
        return []
    now = utcnow()
    values = [{"kind": "reply", "priority": PRIORITY_REPLY, "conversation_id": None, "choices": None, **row,
               "status": "queued", "next_attempt_at": now} for row in rows]
    if len(values) == 1:
        # Most turns queue one reply: a plain one-row INSERT. SQLAlchemy's executemany with
        # RETURNING renders and sorts a multi-row statement, which cost such a turn twice as much.
        result = [int(session.connection().execute(_ENQUEUE_MANY, values[0]).scalar_one())]
    else:
        result = [int(i) for i in session.connection().execute(_ENQUEUE_MANY, values).scalars()]
    notify_once(session, OUTBOX)
    return result


_ENQUEUE_MANY = insert(OutboundMessage).returning(OutboundMessage.id, sort_by_parameter_order=True)


# Claims from all workers take turns on PostgreSQL (pg_advisory_xact_lock): with SKIP LOCKED alone,
# two workers could each claim one of a recipient's rows in the same instant.
CLAIM_LOCK_KEY = 0x686F746C696E65  # "hotline"


def _due_clause(now: Any, in_doubt_before: Any):  # type: ignore[no-untyped-def]
    return or_(
        and_(OutboundMessage.status == "queued", OutboundMessage.next_attempt_at <= now,
             or_(OutboundMessage.claimed_until.is_(None), OutboundMessage.claimed_until < now)),
        and_(OutboundMessage.status == "sending", OutboundMessage.claimed_until < in_doubt_before),
    )


def _older_row_holds_back(now: Any, in_doubt_before: Any, worker_id: Any):  # type: ignore[no-untyped-def]
    """An older unsent row to the same recipient that is backing off or held by another worker."""
    older = aliased(OutboundMessage)
    other = func.coalesce(older.claimed_by, "") != worker_id
    return exists().where(
        older.recipient == OutboundMessage.recipient,
        older.channel == OutboundMessage.channel,
        older.id < OutboundMessage.id,
        or_(
            and_(older.status == "queued", older.next_attempt_at > now),
            and_(older.status == "queued", older.claimed_until >= now, other),
            and_(older.status == "sending", older.claimed_until >= in_doubt_before, other),
        ),
    )


_CLAIM_LOCK = select(func.pg_advisory_xact_lock(CLAIM_LOCK_KEY))


@lru_cache(maxsize=8)
def _claim_statement(dialect: str, by_channel: bool) -> Select[OutboundMessage]:
    """``claim_due``'s query (parameters: now, in_doubt_before, worker_id, limit and, ``by_channel``,
    channels), built once: building it cost a claim more than running it."""
    now = bindparam("now", type_=UTCDateTime())
    in_doubt_before = bindparam("in_doubt_before", type_=UTCDateTime())
    worker_id = bindparam("worker_id", type_=String())
    stmt = select(OutboundMessage).where(_due_clause(now, in_doubt_before),
                                         ~_older_row_holds_back(now, in_doubt_before, worker_id))
    if by_channel:
        stmt = stmt.where(one_of(dialect, OutboundMessage.channel, "channels"))
    stmt = stmt.order_by(OutboundMessage.priority, OutboundMessage.id).limit(bindparam("limit", type_=Integer))
    if dialect == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=OutboundMessage)
    return stmt


def claim_due(
    session: Session,
    worker_id: str,
    *,
    limit: int,
    lease_seconds: float,
    channels: tuple[str, ...] | None = None,
    in_doubt_grace: float | None = None,
) -> list[OutboundMessage]:
    """Claim up to ``limit`` due rows for ``worker_id`` (a lease of ``lease_seconds``). The caller
    commits right after. A returned row whose status is ``sending`` is in doubt (see the module's
    docstring): its earlier send may have reached the provider."""
    if limit <= 0:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(_CLAIM_LOCK)
    now = utcnow()
    in_doubt_before = now - timedelta(seconds=lease_seconds if in_doubt_grace is None else in_doubt_grace)
    parameters: dict[str, Any] = {"now": now, "in_doubt_before": in_doubt_before, "worker_id": worker_id,
                                  "limit": limit}
    if channels is not None:
        parameters["channels"] = list(channels)
    rows = list(session.scalars(_claim_statement(dialect, channels is not None), parameters))
    until = now + timedelta(seconds=lease_seconds)
    for row in rows:
        row.claimed_by = worker_id
        row.claimed_until = until
    session.flush()
    return rows


def last_send_started(session: Session, channel: str, recipients: set[str]) -> dict[str, datetime]:
    """When the latest send to each of ``recipients`` began (for per-recipient limits that hold
    across workers: Telegram's one message per second per chat)."""
    if not recipients:
        return {}
    rows = session.execute(
        select(OutboundMessage.recipient, func.max(OutboundMessage.send_started_at))
        .where(OutboundMessage.channel == channel, OutboundMessage.recipient.in_(recipients),
               OutboundMessage.send_started_at.is_not(None))
        .group_by(OutboundMessage.recipient)
    )
    return {recipient: started for recipient, started in rows if started is not None}


def opted_out_recipients(session: Session, channel: str, recipients: set[str]) -> set[str]:
    if not recipients:
        return set()
    return set(session.scalars(select(Conversation.address).where(
        Conversation.channel == channel, Conversation.address.in_(recipients), Conversation.opted_out.is_(True))))


def cancel(session: Session, row_id: int, worker_id: str, reason: str) -> bool:
    """Cancel a row this worker holds (e.g. its recipient opted out before it went out)."""
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == row_id, OutboundMessage.claimed_by == worker_id,
               OutboundMessage.status.in_(("queued", "sending")))
        .values(status="cancelled", last_error=reason[:500], claimed_until=None)
    )
    return _rowcount(result) == 1


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def confirm_send(session: Session, row_id: int, worker_id: str, *, lease_seconds: float,
                 repeat: bool = False) -> datetime | None:
    """Right before the provider call: this worker still owns the row (its id, a lease that has not
    run out, not cancelled or sent meanwhile). Marks it ``sending``, counts the attempt and renews
    the lease. The caller commits before calling the provider. Returns when the send began, or
    None: the claim was lost and the row must not be sent."""
    now = utcnow()
    result = session.execute(_confirm_statement(repeat), {
        "row_id": row_id, "worker_id": worker_id, "now": now, "until": now + timedelta(seconds=lease_seconds)})
    return now if _rowcount(result) == 1 else None


@lru_cache(maxsize=2)
def _confirm_statement(repeat: bool) -> Update:
    """``confirm_send``'s UPDATE (parameters: row_id, worker_id, now, until), built once: every send
    runs it."""
    values: dict[str, Any] = {
        "status": "sending", "claimed_until": bindparam("until", type_=UTCDateTime()),
        "send_started_at": bindparam("now", type_=UTCDateTime()), "attempts": OutboundMessage.attempts + 1,
    }
    if repeat:
        values["repeats"] = OutboundMessage.repeats + 1
    return (
        update(OutboundMessage)
        .where(OutboundMessage.id == bindparam("row_id", type_=Integer),
               OutboundMessage.claimed_by == bindparam("worker_id", type_=String()),
               OutboundMessage.claimed_until > bindparam("now", type_=UTCDateTime()),
               OutboundMessage.status.in_(("queued", "sending")))
        .values(**values)
        # Not "evaluate": with bound values it would match no loaded object. No caller holds the row.
        .execution_options(synchronize_session=False)
    )


def unsend(session: Session, row_id: int, worker_id: str) -> bool:
    """This worker marked the row ``sending`` but did not send it after all (its confirmation grew
    old): back to ``queued``, no attempt counted, if it is still ours."""
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == row_id, OutboundMessage.claimed_by == worker_id,
               OutboundMessage.status == "sending")
        .values(status="queued", claimed_by=None, claimed_until=None,
                attempts=OutboundMessage.attempts - 1, next_attempt_at=utcnow())
    )
    return _rowcount(result) == 1


def why_not_owned(session: Session, row_id: int) -> str:
    """After a failed confirmation: ``cancelled`` (an opt-out), ``done`` (sent or ended
    elsewhere) or ``lost`` (the lease ran out; another worker may hold the row)."""
    status = session.scalar(select(OutboundMessage.status).where(OutboundMessage.id == row_id))
    if status == "cancelled":
        return "cancelled"
    if status in (None, "queued", "sending"):
        return "lost"
    return "done"


def renew(session: Session, worker_id: str, row_ids: list[int], *, lease_seconds: float) -> set[int]:
    """Extend the lease of the rows this worker still holds; returns the ids still held. A row
    whose lease ran out is renewed too if no other worker took it meanwhile (still ours)."""
    if not row_ids:
        return set()
    until = utcnow() + timedelta(seconds=lease_seconds)
    held: set[int] = set()
    for start in range(0, len(row_ids), 500):
        chunk = row_ids[start:start + 500]
        result = session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id.in_(chunk), OutboundMessage.claimed_by == worker_id,
                   OutboundMessage.status.in_(("queued", "sending")))
            .values(claimed_until=until)
            .returning(OutboundMessage.id)
        )
        held.update(result.scalars())
    return held


def unclaim(session: Session, worker_id: str, row_ids: list[int]) -> int:
    """Give back claimed rows that were never sent (a worker stopping, or a recipient's later rows
    behind one that must wait): due again at once for any worker. Rows in ``sending`` are left."""
    if not row_ids:
        return 0
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id.in_(row_ids), OutboundMessage.claimed_by == worker_id,
               OutboundMessage.status == "queued")
        .values(claimed_by=None, claimed_until=None)
    )
    return _rowcount(result)


def known_provider_ids(session: Session, provider_ids: list[str]) -> set[str]:
    """Which of these provider message ids are already recorded on an outbox row."""
    if not provider_ids:
        return set()
    return set(session.scalars(select(OutboundMessage.provider_id).where(OutboundMessage.provider_id.in_(provider_ids))))


def _owned(session: Session, row_id: int, worker_id: str) -> OutboundMessage | None:
    """The row, if this worker still holds its claim (a lease that ran out may have been retaken)."""
    row = session.get(OutboundMessage, row_id, with_for_update=session.get_bind().dialect.name == "postgresql")
    if row is None or row.status not in ("queued", "sending") or row.claimed_by != worker_id:
        return None
    return row


def mark_sent(session: Session, row_id: int, worker_id: str, provider_id: str | None) -> bool:
    """The provider accepted the message. Recorded as long as the row was not taken by another
    worker (its lease may have run out while the database was unreachable: still ours if no one
    claimed it). One UPDATE: this is the statement every send ends with."""
    result = session.execute(_MARK_SENT, {"row_id": row_id, "worker_id": worker_id, "provider_id": provider_id,
                                          "now": utcnow()})
    return _rowcount(result) == 1


_MARK_SENT = (  # built once: every send ends with it
    update(OutboundMessage)
    .where(OutboundMessage.id == bindparam("row_id", type_=Integer),
           OutboundMessage.claimed_by == bindparam("worker_id", type_=String()),
           OutboundMessage.status.in_(("queued", "sending")))
    .values(status="sent", provider_id=bindparam("provider_id", type_=String()),
            sent_at=bindparam("now", type_=UTCDateTime()), claimed_until=None, last_error=None)
    .execution_options(synchronize_session=False)  # as _confirm_statement: no caller holds the row
)


def mark_retry(session: Session, row_id: int, worker_id: str, error: str, *, delay_seconds: float,
               max_attempts: int) -> str:
    """Back off and retry, or move to the dead-letter state after ``max_attempts``."""
    row = _owned(session, row_id, worker_id)
    if row is None:
        return "lost-claim"
    row.last_error = error[:500]
    row.claimed_by = None
    row.claimed_until = None
    if row.attempts >= max_attempts:
        row.status = "dead"
    else:
        row.status = "queued"
        row.next_attempt_at = utcnow() + timedelta(seconds=delay_seconds)
    return row.status


def release(session: Session, row_id: int, worker_id: str, *, delay_seconds: float) -> bool:
    """Give a row back without counting an attempt: the provider said to wait (a 429), so nothing
    was sent. Due again after ``delay_seconds``."""
    row = _owned(session, row_id, worker_id)
    if row is None:
        return False
    if row.status == "sending":
        row.attempts = max(0, row.attempts - 1)
    row.status = "queued"
    row.claimed_by = None
    row.claimed_until = None
    row.next_attempt_at = utcnow() + timedelta(seconds=delay_seconds)
    return True


def mark_failed(session: Session, row_id: int, worker_id: str, error: str, *, status: str = "failed") -> bool:
    """A permanent failure (e.g. the recipient opted out): never retried."""
    row = _owned(session, row_id, worker_id)
    if row is None:
        return False
    row.status = status
    row.last_error = error[:500]
    row.claimed_until = None
    return True


def defer_in_doubt(session: Session, row_id: int, worker_id: str, error: str, *, delay_seconds: float,
                   in_doubt_grace: float) -> bool:
    """An in-doubt row whose provider log could not be read now: it stays ``sending`` (its outcome
    is still unknown) and is due again, to be checked again, after ``delay_seconds``."""
    row = _owned(session, row_id, worker_id)
    if row is None:
        return False
    row.status = "sending"
    row.claimed_by = None
    row.claimed_until = utcnow() + timedelta(seconds=delay_seconds - in_doubt_grace)
    row.last_error = error[:500]
    return True


def record_delivery_status(session: Session, provider_id: str, status: str, error: str | None = None) -> bool:
    """Provider delivery callbacks (Twilio MessageStatus) update the row by its provider id."""
    row = session.scalars(select(OutboundMessage).where(OutboundMessage.provider_id == provider_id)).first()
    if row is None:
        return False
    if row.status == "held":
        # A late callback of the send that the window refused: the text is still to go.
        return True
    if status == "delivered":
        row.status = "delivered"
        row.delivered_at = utcnow()
    elif status in ("failed", "undelivered"):
        row.status = "failed"
        row.last_error = (error or status)[:500]
    return True


# --- WhatsApp's window (bot/whatsapp_window.py) -------------------------------------------------


def hold(session: Session, row_id: int, worker_id: str, reason: str) -> bool:
    """A row this worker holds that may not go out as it is now (the recipient's WhatsApp window is
    closed): ``held``, unclaimed, no attempt counted (nothing was sent), until ``release_held``."""
    row = _owned(session, row_id, worker_id)
    if row is None:
        return False
    if row.status == "sending":
        row.attempts = max(0, row.attempts - 1)
    row.status = "held"
    row.claimed_by = None
    row.claimed_until = None
    row.last_error = reason[:500]
    return True


def row_by_provider_id(session: Session, provider_id: str) -> OutboundMessage | None:
    return session.scalars(select(OutboundMessage).where(OutboundMessage.provider_id == provider_id)).first()


def hold_sent(session: Session, provider_id: str, reason: str) -> OutboundMessage | None:
    """The provider accepted the message, then refused it (a WhatsApp 63016 status callback): the
    ``sent`` row is held instead. Its provider id stays, so that a later in-doubt check of the same
    row never mistakes the refused message for a delivered one. Returns the row if it is held now
    (or already was); None for any other row (unknown, or released and on its way again)."""
    # Read afresh under the lock: the caller may have looked at the row before taking it.
    stmt = select(OutboundMessage).where(OutboundMessage.provider_id == provider_id) \
        .execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).first()
    if row is None or row.status not in ("sent", "held"):
        return None
    if row.status == "sent":
        row.status = "held"
        row.sent_at = None
        row.last_error = reason[:500]
    return row


def older_held(session: Session, channel: str, recipient: str, row_id: int) -> bool:
    """An older row to this recipient is held: a newer one waits behind it (their order holds)."""
    return bool(session.scalar(select(exists().where(
        OutboundMessage.channel == channel, OutboundMessage.recipient == recipient,
        OutboundMessage.id < row_id, OutboundMessage.status == "held"))))


def release_held(session: Session, channel: str, recipient: str) -> int:
    """The recipient wrote: their held rows are due again at once, for any worker, in the order
    they were queued (claim_due keeps a recipient's order). Returns how many."""
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.channel == channel, OutboundMessage.recipient == recipient,
               OutboundMessage.status == "held")
        .values(status="queued", next_attempt_at=utcnow(), claimed_by=None, claimed_until=None)
    )
    released = _rowcount(result)
    if released:
        notify(session, OUTBOX)
    return released


def cancel_unsent(session: Session, channel: str, recipient: str, kind: str, reason: str) -> int:
    """Cancel this recipient's rows of ``kind`` that have not gone out yet (a worker holding one
    finds its claim lost, and never sends it)."""
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.channel == channel, OutboundMessage.recipient == recipient,
               OutboundMessage.kind == kind, OutboundMessage.status == "queued")
        .values(status="cancelled", last_error=reason[:500], claimed_until=None)
    )
    return _rowcount(result)


def held_summary(session: Session, channel: str, recipient: str) -> tuple[int, datetime | None]:
    """How many rows to this recipient are held, and when the oldest of them was queued."""
    count, oldest = session.execute(
        select(func.count(), func.min(OutboundMessage.created_at))
        .where(OutboundMessage.channel == channel, OutboundMessage.recipient == recipient,
               OutboundMessage.status == "held")
    ).one()
    return int(count or 0), oldest


def latest_of_kind(session: Session, channel: str, recipient: str, kind: str) -> OutboundMessage | None:
    return session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.channel == channel, OutboundMessage.recipient == recipient,
               OutboundMessage.kind == kind)
        .order_by(OutboundMessage.id.desc()).limit(1)
    ).first()
