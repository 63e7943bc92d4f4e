"""The product's vocabularies, in one leaf module anyone may import: case priorities (and their one
order), case statuses and reasons, channels, outbox statuses.

Each is a ``StrEnum``: a member is its string, so rows, JSON and templates carry plain strings and
comparing with one works. db/models.py keeps its tuples for the CHECK constraints and the API's
``Literal`` types; tests/test_vocab.py holds the two equal.
"""

from __future__ import annotations

from enum import StrEnum


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
