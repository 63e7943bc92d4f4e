"""Cases (escalations): opening, reusing, and telling a relative where their case stands."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot import texts
from bot.cases.refusals import CaseRefusal, ReplyRefused
from bot.matching.keys import fold
from common.vocab import CasePriority
from db.base import utcnow
from db.models import Case, Conversation, OutboundMessage
from db.repositories import audit, case_store, cases, outbox

__all__ = ["ReplyRefused", "case_status_for_conversation", "open_case", "queue_operator_reply", "reusable_case"]

def open_case(
    session: Session,
    conversation: Conversation | None,
    *,
    reason: str,
    priority: str,
    person_id: int | None,
    details: dict[str, Any],
    prefix: str,
    actor: str = "bot",
    followup_interval_hours: float = 12.0,
    reference: str | None = None,
) -> Case:
    """Open a case, or reuse this conversation's open case about the same person (a relative who
    writes again must not create a second case). A more urgent reason upgrades the case.
    ``reference``: the one a new case gets (the dialogue drew it and already told the relative)."""
    existing = reusable_case(session, conversation, reason=reason, person_id=person_id, details=details)
    if existing is not None and conversation and reason == "asked_for_person":
        return existing
    if existing is not None:
        if CasePriority(priority).rank > CasePriority(existing.priority).rank:
            audit.record(session, actor=actor, action="case_escalated", subject_type="case",
                         subject_id=existing.id,
                         details={"from": existing.priority, "to": priority, "reason": reason})
            existing.priority = priority
            existing.reason = reason
        existing.sought_name = existing.sought_name or _sought_name(details)
        return existing
    case = Case(
        conversation_id=conversation.id if conversation else None,
        person_id=person_id,
        reason=reason,
        priority=priority,
        status="open",
        channel=conversation.channel if conversation else None,
        # Operators find a case by the sought person's name before it is linked to a record.
        sought_name=_sought_name(details),
        created_at=utcnow(),
        last_contact_at=utcnow(),
        # Work against silence: the relative hears from us again if nobody has by then.
        next_followup_at=utcnow() + timedelta(hours=followup_interval_hours),
    )
    if reference is None:
        case_store.insert_case(session, case, prefix)
    else:
        case_store.insert_case_as(session, case, reference)
    audit.record(session, actor=actor, action="case_opened", subject_type="case", subject_id=case.id,
                 details={"reference": case.reference, "reason": reason, "priority": priority,
                          "person_id": person_id, "details": details})
    return case


def reusable_case(session: Session, conversation: Conversation | None, *, reason: str, person_id: int | None,
                  details: dict[str, Any]) -> Case | None:
    """The conversation's open case that a case for (reason, person, details) joins, if any."""
    if conversation is None:
        return None
    if reason == "asked_for_person":
        # "HUMANO" after a case joins that case, whoever it is about: a new reference only when the
        # search had matched a record would tell a listed name from an unlisted one.
        candidates = case_store.open_cases_for_conversation(session, conversation.id, None, any_person=True)
        if candidates:
            return candidates[0]
    candidates = case_store.open_cases_for_conversation(session, conversation.id, person_id)
    # About no record yet: reuse only the case of the same search (another unknown person gets a
    # case of its own, with its own details).
    return next((c for c in candidates if person_id is not None or _same_search(session, c, details)), None)


def _sought_name(details: dict[str, Any]) -> str | None:
    name = details.get("name")
    return fold(name)[:200] or None if isinstance(name, str) else None


def _same_search(session: Session, case: Case, details: dict[str, Any]) -> bool:
    """Whether ``details`` seek the person ``case`` is about (for cases not linked to a record)."""
    name = details.get("name")
    if not name or case.inquiry_id is None:
        return True  # a request for a person, or nothing to tell them apart: one case
    inquiry = cases.get_inquiry(session, case.inquiry_id)
    previous = (inquiry.details or {}).get("name") if inquiry else None
    return not previous or fold(previous) == fold(name)


def queue_operator_reply(session: Session, case: Case, text: str, *, actor: str) -> OutboundMessage:
    """An operator's words to the relative, on the relative's own channel, marked as the team's
    ("Mensaje del equipo: …", in the conversation's language) so that they are never mistaken for
    the bot's. The text queued is audited (an SMS sender folds it to GSM-7 on the way out). Raises
    ``ReplyRefused`` when it may not be sent."""
    conversation = cases.conversation_of(session, case)
    _check_reply(case, conversation)
    assert conversation is not None
    t = texts.for_state(conversation.state)
    framed = text if text.startswith(t.OPERATOR_REPLY_PREFIX) else t.OPERATOR_REPLY_PREFIX + text
    message = outbox.enqueue(session, channel=conversation.channel, recipient=conversation.address, text=framed,
                             kind="operator", priority=outbox.PRIORITY_REPLY, conversation_id=conversation.id)
    case.last_contact_at = utcnow()
    audit.record(session, actor=actor, action="operator_reply", subject_type="case", subject_id=case.id,
                 details={"text": framed, "outbound_id": message.id, "channel": conversation.channel})
    session.flush()
    return message


def _check_reply(case: Case, conversation: Conversation | None) -> None:
    """Whether the relative of ``case`` may be written to now; ``ReplyRefused`` says why not."""
    if case.status == "resolved":
        raise ReplyRefused(CaseRefusal.CLOSED)
    if conversation is None:
        raise ReplyRefused(CaseRefusal.NO_CONVERSATION)
    if conversation.opted_out:
        raise ReplyRefused(CaseRefusal.OPTED_OUT)
    if conversation.channel == "voice":
        # A call cannot carry a written reply (the outbox has no sender for it): the team calls back.
        raise ReplyRefused(CaseRefusal.VOICE_LINE)
    if case.reason == "death_notification" and case.death_notified_at is None:
        # A death is told by a trained person on the phone, never first in a text message.
        raise ReplyRefused(CaseRefusal.DEATH_NOT_NOTIFIED)


def case_status_for_conversation(session: Session, conversation: Conversation, reference: str) -> str | None:
    case = case_store.by_reference(session, reference)
    if case is None or case.conversation_id != conversation.id:
        return None
    return case.status
