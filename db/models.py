"""The data model of SPEC section 3 (SQLAlchemy 2, typed ``Mapped``).

Status reports are append-only: the current status of a person is the latest report. ``Person``
keeps ``current_status`` and ``status_version`` as a cache of that latest report, written only in
the same transaction that appends a report (``db.repositories.status.append_report``); the unique
``(person_id, version)`` constraint on reports is what makes optimistic concurrency hold even if
two processes race.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.vocab import CasePriority, CaseReason, CaseStatus, Channel, OutboxStatus, PersonStatus, Role, values
from db.base import Base, UTCDateTime, utcnow

# --- vocabularies -------------------------------------------------------------------------------

# The plain strings of common/vocab.py's enums (their one source), for the API's Literal types and
# the console's choices.
STATUSES = values(PersonStatus)
ROLES = (Role.ADMIN.value, Role.OPERATOR.value, Role.VIEWER.value)  # console users (and their tokens)
# A ``reporter`` token (a hospital, a prosecutor's office) may only add status reports.
TOKEN_ROLES = values(Role)
CASE_PRIORITIES = values(CasePriority)
CASE_STATUSES = values(CaseStatus)
CASE_REASONS = values(CaseReason)
CHANNELS = values(Channel)
OUTBOX_STATUSES = values(OutboxStatus)


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    place: Mapped[str | None] = mapped_column(String(200))
    occurred_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Person(Base):
    """A person on a list (or reported). Nothing deletes a person; whoever starts to must first
    call ``db.repositories.name_index.forget_persons`` (the name index has no foreign key).

    Indexed only for the queries that exist: each index costs every new person of an import a
    B-tree insertion (docs/benchmarks.md, "Import"). ``name_key``: a roster line matched by name;
    ``surname_key``: the person list's order (surnames, given names, id). ``given_key`` and
    ``phonetic_key`` are not indexed: no query filters or sorts on them (the name search reads
    ``person_name_keys``)."""

    __tablename__ = "persons"
    __table_args__ = (
        UniqueConstraint("incident_id", "external_id"),
        Index("ix_persons_surname_key", "surname_key"),
        Index("ix_persons_name_key", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="RESTRICT"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100))
    given_names: Mapped[str] = mapped_column(String(200))
    surnames: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    nationality: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    birth_date: Mapped[date | None] = mapped_column(Date)
    approx_age: Mapped[int | None] = mapped_column(Integer)
    document_number: Mapped[str | None] = mapped_column(String(100))  # never disclosed
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)  # internal, never disclosed
    # Rule 6 of SPEC 5: set when failed proofs from any contacts reached the limit; until an
    # operator clears it, the bot states this person's status to nobody.
    proof_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Accent-folded search keys (bot.matching.keys computes them); indexed for retrieval.
    name_key: Mapped[str] = mapped_column(String(400), default="")
    given_key: Mapped[str] = mapped_column(String(200), default="")
    surname_key: Mapped[str] = mapped_column(String(200), default="")
    phonetic_key: Mapped[str] = mapped_column(String(400), default="")

    # Cache of the latest status report (see module docstring).
    current_status: Mapped[str] = mapped_column(String(20), default="unconfirmed", index=True)
    status_version: Mapped[int] = mapped_column(Integer, default=0)
    # The hash of the last roster line applied to this person (bot.roster.parse.RosterRow.row_hash):
    # a re-import compares it in the database and skips the line when it is the same. Any other
    # change of status clears it (db.repositories.status.append_report), so that the next import
    # compares that line in full; a new writer of the fields a roster line holds must clear it too.
    import_hash: Mapped[int | None] = mapped_column(BigInteger)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    incident: Mapped[Incident] = relationship()
    reports: Mapped[list[StatusReport]] = relationship(
        back_populates="person", order_by="StatusReport.version"
    )

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.surnames}".strip()


class PersonNameKey(Base):
    """The name index: one row per (key, person), where a key is one phonetic name token or an
    unordered pair of them ("ernandes jose"). Written by ``bot.matching.name_index``. The primary
    key's index serves the lookup by key and, holding ``name_size`` (how many words the person's
    name has), lets the database rank persons without reading the persons table. See
    docs/matching.md.

    ``person_id`` has no foreign key to ``persons``: a roster import writes about seven rows per
    person, and PostgreSQL's check of each (a lookup and a lock on the person just inserted) was
    ~40 % of the server's CPU for the whole import. Nothing deletes persons; whoever does must call
    ``db.repositories.name_index.forget_persons`` first (there is no cascade). A key left without
    its person would be found by no search: the ranking joins ``persons``. The index on
    ``person_id`` serves re-indexing a person (its keys are replaced by ``person_id``)."""

    __tablename__ = "person_name_keys"

    index_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    name_size: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True, autoincrement=False)


class NameVariant(Base):
    """Every phonetic name token known to the index, under itself and each of its one-letter
    deletions: a mistyped token finds its known neighbours in one indexed lookup."""

    __tablename__ = "name_variants"

    variant: Mapped[str] = mapped_column(String(120), primary_key=True)
    token: Mapped[str] = mapped_column(String(120), primary_key=True)


class StatusReport(Base):
    """Append-only: rows are never updated or deleted."""

    __tablename__ = "status_reports"
    __table_args__ = (UniqueConstraint("person_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    location: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str | None] = mapped_column(String(300))
    verified_by: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))  # "token:3", "user:ana", "import"

    person: Mapped[Person] = relationship(back_populates="reports")

    @property
    def is_verified(self) -> bool:
        return bool(self.source and self.source.strip())


class PendingStatusReport(Base):
    """A proposed status that needs a second person before it takes effect ("four eyes").

    Only ``deceased`` goes through here (bot.status_review): a wrong death is the worst error the
    hotline can make, so the person who confirms must not be the person who proposed. The row stays
    after the decision (confirmed or rejected) as the record of who proposed and who decided.
    """

    __tablename__ = "pending_status_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    location: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str | None] = mapped_column(String(300))
    verified_by: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The version the proposer read: the confirmation applies only if nobody changed it since.
    expected_version: Mapped[int | None] = mapped_column(Integer)
    proposed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_by: Mapped[str] = mapped_column(String(200))  # "user:ana", "token:3"
    # WHO proposed, whatever the path: "user:<id>" (the console, or a token of that user),
    # "integration:<name>" (a token of a named integration), "import" (the command line). Four eyes
    # compare this, so two tokens of one person are one person (bot.auth.principal_of).
    proposer: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(20), index=True)  # None, confirmed, rejected
    note: Mapped[str | None] = mapped_column(Text)
    status_report_id: Mapped[int | None] = mapped_column(ForeignKey("status_reports.id", ondelete="SET NULL"))

    person: Mapped[Person] = relationship()


class User(Base):
    """An operator account for the console."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # unused: login is throttled instead
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164; where console calls ring
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # TOTP second factor (bot.second_factor): the shared secret once enrolment is confirmed, and the
    # last time step accepted (a code is never accepted twice).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(Base):
    """One-time codes for a user who lost their authenticator; only a SHA-256 is stored (each code
    has 80 random bits, so a fast hash is enough)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OperatorSession(Base):
    """A console session kept on the server: the cookie carries only a random id, whose SHA-256 is
    the key here. Ending a row (logout, deactivation, password reset, idle timeout) ends the session
    at once, whatever copies of the cookie exist.

    ``stage``: ``second_factor`` (the password was right, the code is awaited), ``enrol`` (the
    password was right, a second factor must be enrolled first), ``full`` (logged in)."""

    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(30))
    failed_codes: Mapped[int] = mapped_column(Integer, default=0)
    # A TOTP secret shown at enrolment, kept here until a first code proves the user has it.
    pending_totp_secret: Mapped[str | None] = mapped_column(String(64))


class LoginThrottle(Base):
    """Failed console logins per account name and per client address (bot.login): each failure
    beyond a few grows the wait before the next attempt is even looked at. Keyed by the typed name,
    so an unknown name is throttled exactly like a real one."""

    __tablename__ = "login_throttle"

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)  # "account" or "address"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """Bearer tokens for people and integrations; only a SHA-256 of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whose token: a console user's, or a named integration's (exactly one of the two).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    integration: Mapped[str | None] = mapped_column(String(100))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # null: no expiry


class Conversation(Base):
    """One relative on one channel. Dialogue state lives here, never in process memory."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(100))  # chat id, phone number, local id
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboundRecord(Base):
    """What a relative wrote: the stored form of the neutral ``bot.messages.InboundMessage``. Unique
    per provider id so that a redelivered webhook does nothing.

    A webhook only records the message (``pending``) and answers; a worker then runs the dialogue
    turn, links the row to its conversation and marks it ``done`` in the same transaction as the
    reply it queues (bot/turns.py). ``failed``: the turn kept failing and a person was asked to
    take over.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id"),
        # The turn workers' queue: only the pending rows are in it, so it stays small.
        Index("ix_inbound_messages_pending", "id", postgresql_where=sql_text("state = 'pending'"),
              sqlite_where=sql_text("state = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Set when the turn runs (a webhook does not look up or create the conversation).
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"),
                                                        index=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(100))  # who wrote: as Conversation.address
    provider_id: Mapped[str] = mapped_column(String(100))
    text: Mapped[str | None] = mapped_column(Text)
    media_kind: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))  # an exception's type, never the text
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Inquiry(Base):
    """A relative's request about one person; linked to a record when matched."""

    __tablename__ = "inquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ProofAttempt(Base):
    """One message that failed the knowledge proof about a person (SPEC 5, rule 6), from any
    contact. Counted across contacts and channels; shown to the operator on the lock's case."""

    __tablename__ = "proof_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    stated: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what was said about the person
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # an operator cleared the lock


class Case(Base):
    """What a human must handle (an escalation)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    channel: Mapped[str | None] = mapped_column(String(20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    death_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    death_notified_by: Mapped[str | None] = mapped_column(String(200))
    # E.164 number the relative gave for a call back, on channels that carry none (web chat, Telegram).
    callback_phone: Mapped[str | None] = mapped_column(String(32))
    # The name the relative sought, accent-folded (bot.matching.keys.fold), so that operators find
    # a case by the person's name before it is linked to a record.
    sought_name: Mapped[str | None] = mapped_column(String(200))

    conversation: Mapped[Conversation | None] = relationship()
    person: Mapped[Person | None] = relationship()


class CaseCall(Base):
    """A call placed from the console or the API through the hotline's number (bot/cases/calls.py):
    Twilio rings the operator first (the parent leg), then dials the relative (the child leg) with
    the hotline's number as caller id, so neither sees the other's number. The status callbacks of
    both legs are recorded here; the relative's number is never stored on the row (it is read from
    the case when Twilio asks what to dial)."""

    __tablename__ = "case_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    placed_by: Mapped[str] = mapped_column(String(200))  # "user:ana", "token:3"
    operator_phone: Mapped[str] = mapped_column(String(32))  # E.164: where Twilio rang first
    # The operator's leg (the call Twilio created) and the relative's leg (the <Dial>).
    parent_sid: Mapped[str | None] = mapped_column(String(40), unique=True)
    operator_status: Mapped[str] = mapped_column(String(20), default="placing")
    operator_seconds: Mapped[int | None] = mapped_column(Integer)
    child_sid: Mapped[str | None] = mapped_column(String(40))
    relative_status: Mapped[str | None] = mapped_column(String(20))
    relative_seconds: Mapped[int | None] = mapped_column(Integer)
    # connected, relative_no-answer, relative_busy, relative_failed, relative_canceled,
    # operator_no-answer, operator_busy, operator_failed, operator_canceled, operator_hung_up, not_placed
    outcome: Mapped[str | None] = mapped_column(String(30))
    error: Mapped[str | None] = mapped_column(String(300))  # Twilio's refusal (code and message)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the relative answered
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsoleNotice(Base):
    """A message for one console user, shown on every page until they dismiss it (e.g. "otto took
    over case JRZ-4F7K that you held")."""

    __tablename__ = "console_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CaseNote(Base):
    """An operator's internal note on a case: for the team only, never sent to the relative."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(200))  # "user:ana"
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CannedReply(Base):
    """A reply an operator picks instead of typing (Spanish), with the case's variables
    ({referencia}, {nombre}); admins write and edit them."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), unique=True)
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(Base):
    """A relative asked to be told when a person's status changes."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("conversation_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # Null while the relative's person is not yet matched to a record (subscribed via a case).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboundMessage(Base):
    """The durable outbox: every message the system sends is a row here first.

    ``queued`` (claimed or not: ``claimed_by``/``claimed_until`` is a worker's lease) -> ``sending``
    (the worker confirmed it still owns the row and the provider call may have started) -> ``sent``
    (then ``delivered``/``failed`` by callback), or back to ``queued`` to retry, ``dead``, ``cancelled``.
    A WhatsApp row outside the relative's window goes ``held`` instead, and back to ``queued`` when
    they write again (bot/whatsapp_window.py).
    """

    __tablename__ = "outbound_messages"
    __table_args__ = (
        Index("ix_outbound_messages_due", "status", "priority", "next_attempt_at"),
        # A recipient's unsent rows, oldest first (order kept across workers; the last send's time).
        Index("ix_outbound_messages_recipient", "recipient", "channel", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="reply")  # reply, operator, notification, followup
    priority: Mapped[int] = mapped_column(Integer, default=0)  # lower goes first: replies 0, bulk 10
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_id: Mapped[str | None] = mapped_column(String(100), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the last provider call for this row began (the moment it became ``sending``).
    send_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sends made although an earlier one may have reached the provider (its worker died mid-call and
    # the provider keeps no log to check): at most one per row.
    repeats: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The answers the message offers to tap (bot/engine/choices.py, as JSON): Telegram shows them as
    # a reply keyboard, other channels send the text alone.
    choices: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A WhatsApp template row (kind "template"): the ContentVariables it is sent with; ``text`` is
    # then only what the template says, for the transcript.
    template_variables: Mapped[dict[str, str] | None] = mapped_column(JSON)


class OutboxRateLimit(Base):
    """A provider limit shared by every worker process (PostgreSQL): the next free send slot."""

    __tablename__ = "outbox_rate_limits"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Append-only: who did or learned what, when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))  # "user:ana", "token:3", "bot", "import", "system"
    action: Mapped[str] = mapped_column(String(50), index=True)  # disclosure, status_change, person_read...
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[str | None] = mapped_column(String(50))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ImportRun(Base):
    """One roster import (for the console's history and the audit trail)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="RESTRICT"))
    filename: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
