"""Opting out and back in: the one home of the rule, whoever learns of it.

A relative's BAJA/STOP (the dialogue's ``OptOut`` effect, applied by bot/conversations.py, also at
webhook time through api/intake.py), the provider saying the contact can no longer be written to
(the outbox worker's ``PermanentError(opted_out=True)``, Twilio's 21610 status callback), all take
the same steps: the conversation is marked opted out, nothing still queued or held for the contact
goes out, its subscriptions end, and one ``opt_out`` audit event says who asked (``by``). Writing
again (or pressing 1 for SMS on the voice line) is consent again: ``opt_in``. Only the flush is
done here: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import Conversation
from db.repositories import audit
from db.repositories import opt_outs as repo

RELATIVE = "relative"  # the relative wrote BAJA, STOP...
PROVIDER = "provider"  # the provider refused the contact (blocked the bot, STOP to Twilio itself)


def opt_out(session: Session, conversation: Conversation, *, by: str, now: datetime | None = None) -> None:
    """Honoured at once: nothing still queued for this contact goes out (the confirmation the
    dialogue queues after this is its own row, kind ``optout_confirmation``)."""
    conversation.opted_out = True
    conversation.opted_out_at = now or utcnow()
    repo.cancel_unsent(session, conversation.channel, conversation.address)
    repo.deactivate_subscriptions(session, conversation.id)
    audit.record(session, actor="bot", action="opt_out", subject_type="conversation", subject_id=conversation.id,
                 details={"channel": conversation.channel, "by": by})


def provider_opted_out(session: Session, channel: str, recipient: str) -> None:
    """The provider says this contact on ``channel`` can no longer be written to."""
    for conversation in repo.conversations_of(session, recipient, channel):
        if not conversation.opted_out:
            opt_out(session, conversation, by=PROVIDER)


def number_opted_out(session: Session, number: str) -> None:
    """The provider says this number unsubscribed (Twilio 21610): on every channel with that address."""
    for conversation in repo.conversations_of(session, number):
        if not conversation.opted_out:
            opt_out(session, conversation, by=PROVIDER)


def opt_in(session: Session, conversation: Conversation, *, by: str | None = None) -> None:
    """Consent again after an opt-out: answered and notified again (old subscriptions stay ended)."""
    conversation.opted_out = False
    details = {"channel": conversation.channel} if by is None else {"channel": conversation.channel, "by": by}
    audit.record(session, actor="bot", action="opt_in", subject_type="conversation", subject_id=conversation.id,
                 details=details)
