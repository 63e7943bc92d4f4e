"""The product's vocabularies, in one leaf module anyone may import: a person's status, roles,
case priorities (and their one order), case statuses and reasons, channels, outbox statuses.

Each is a ``StrEnum``: a member is its string, so rows, JSON and templates carry plain strings and
comparing with one works. This module is their one source: db/models.py derives from them the
tuples of plain strings the API's ``Literal`` types need (``values``).
"""

from __future__ import annotations

from enum import StrEnum


def values(vocabulary: type[StrEnum]) -> tuple[str, ...]:
    """The vocabulary's plain strings in declaration order (for CHECK constraints and ``Literal``)."""
    return tuple(member.value for member in vocabulary)


class PersonStatus(StrEnum):
    """What a roster or a verified report says of a person (SPEC 3)."""

    UNCONFIRMED = "unconfirmed"
    SAFE = "safe"
    HOSPITALIZED = "hospitalized"
    TRANSFERRED = "transferred"
    RELEASED = "released"
    RETURNED = "returned"
    DECEASED = "deceased"


class Role(StrEnum):
    """Console users and their API tokens. A ``reporter`` (a hospital, a prosecutor's office) is a
    token only, and may only add status reports."""

    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"
    REPORTER = "reporter"


class CasePriority(StrEnum):
    """Least urgent first: the declaration order is the rank."""

    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """Higher is more urgent (a reason of a higher rank upgrades a case)."""
        return list(CasePriority).index(self)


# The queue's order: urgent first (death notifications), then high, then normal.
URGENT_FIRST: tuple[CasePriority, ...] = tuple(sorted(CasePriority, key=lambda p: p.rank, reverse=True))


class CaseStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # the relative has had an answer (a disclosure, an operator's question)
    RESOLVED = "resolved"


class CaseReason(StrEnum):
    NO_MATCH = "no_match"
    AMBIGUOUS = "ambiguous"
    UNCONFIRMED = "unconfirmed"
    CONFLICTING_DETAILS = "conflicting_details"
    RESTRICTED = "restricted"
    DEATH_NOTIFICATION = "death_notification"
    ASKED_FOR_PERSON = "asked_for_person"
    ABUSE_LIMIT = "abuse_limit"
    UNREADABLE_MEDIA = "unreadable_media"
    NO_PROOF = "no_proof"  # the name matched but the relative did not show they know the person
    PROOF_ATTEMPTS = "proof_attempts"  # the person is under proof lock (SPEC 5, rule 6)
    NEEDS_INTERPRETER = "needs_interpreter"  # a language the bot does not speak (a Mayan language)
    OTHER = "other"


class Channel(StrEnum):
    TELEGRAM = "telegram"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    LOCAL = "local"  # web chat and terminal chat
    VOICE = "voice"  # the voice line (bot/voice)


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    DEAD = "dead"
    CANCELLED = "cancelled"
    HELD = "held"  # WhatsApp text kept until the relative writes again (their window is closed)
