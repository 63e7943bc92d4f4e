"""Linking a case to a record (the policy then answers the relative, or says why not), recording
that a death was notified by phone, and resolving a case. Shared by the console and the JSON API
(one code path).

Every function works inside the caller's transaction and never commits; side effects (messages)
are outbox rows, sent after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import texts
from bot.cases.refusals import CaseRefusal, CaseRefused
from bot.conversations import render_for_channel
from bot.matching.keys import fold
from bot.policy import Candidate, Disclose, Escalate, PolicyConfig, Stated, decide, disclosure_text
from common.settings import Settings
from db.base import utcnow
from db.models import Case, Conversation, Person
from db.repositories import audit, cases, outbox, subscriptions
from db.repositories import status as status_repo

__all__ = ["LinkOutcome", "LinkResult", "candidate_of", "judged_details", "link_case", "record_death_notification",
           "resolve_case", "send_disclosure"]


class LinkOutcome(StrEnum):
    """What linking a case to a record did, besides the policy's reasons for not telling (those are
    ``common.vocab.CaseReason`` values: ``no_proof``, ``unconfirmed``...)."""

    DISCLOSED = "disclosed"  # the verified information was sent to the relative
    NO_CONVERSATION = "no_conversation"  # nobody to answer
    OPTED_OUT = "opted_out"  # the relative asked for no messages (BAJA/STOP)
    VOICE_LINE = "voice_line"  # the relative called: the verified answer is given on the phone


@dataclass(frozen=True)
class LinkResult:
    """``code``: a ``LinkOutcome``, or the policy's reason; each interface words it (the console in
    Spanish, api/console/cases.py; the JSON API in English, api/routers/cases.py)."""

    disclosed: bool
    code: str
    text: str | None = None


def candidate_of(session: Session, person: Person) -> Candidate:
    report = status_repo.latest_report(session, person.id)
    return Candidate(
        person_id=person.id, name=person.full_name, score=1.0, strong=True, nationality=person.nationality,
        birth_date=person.birth_date, approx_age=person.approx_age, restricted=person.restricted,
        status=report.status if report else person.current_status,
        location=report.location if report else None, source=report.source if report else None,
        verified_at=report.verified_at if report else None,
        listed_on=person.created_at.date() if person.created_at else None,
    )


def judged_details(session: Session, case: Case, conversation: Conversation) -> tuple[dict, str]:
    """What a link is judged on: what the relative said LAST about the person this case seeks, and
    where it comes from: ``conversation`` (the conversation's current details, when they are about
    the same name), ``inquiry`` (their latest request naming that person) or ``opened`` (the request
    that opened the case). A relative who first gave a wrong date and then the right one is judged
    on the right one; details they gave about someone else never vouch for this record."""
    opened = cases.get_inquiry(session, case.inquiry_id) if case.inquiry_id else None
    opened_details = dict(opened.details or {}) if opened is not None else {}
    name = fold(opened_details.get("name") or "") or (case.sought_name or "")
    state = dict((conversation.state or {}).get("details") or {})
    state_name = fold(state.get("name") or "")
    if state and ((state_name and state_name == name) or (not name and opened is None)):
        return state, "conversation"
    if name:
        for inquiry in cases.recent_inquiries(session, conversation.id, limit=50):
            details = dict(inquiry.details or {})
            if fold(details.get("name") or "") == name:
                return details, "inquiry" if opened is None or inquiry.id != opened.id else "opened"
    return opened_details, "opened"


def _stated_from(details: dict) -> Stated:
    birth = details.get("birth_date")
    return Stated(birth_date=date.fromisoformat(birth) if birth else None, age=details.get("age"),
                  nationality=details.get("nationality"))


def send_disclosure(session: Session, conversation: Conversation, person_id: int, text: str, *,
                     actor: str, kind: str, priority: int) -> None:
    rendered = render_for_channel(conversation.channel, text)
    outbox.enqueue(session, channel=conversation.channel, recipient=conversation.address, text=rendered,
                   kind=kind, priority=priority, conversation_id=conversation.id)
    audit.record(session, actor=actor, action="disclosure", subject_type="person", subject_id=person_id,
                 details={"conversation_id": conversation.id, "channel": conversation.channel,
                          "text": rendered})


def link_case(session: Session, case: Case, person: Person, settings: Settings, *, actor: str) -> LinkResult:
    """Link the relative's inquiry to a record; the bot's policy then answers, or says why not.

    The operator's link stands for rule 1 (this is the record); rule 2 (the relative shows they know
    the person), rule 3 (verified, not restricted, not deceased) still apply. The lookup limit does
    not: a person has reviewed this contact.
    """
    if case.status == "resolved":
        raise CaseRefused(CaseRefusal.CLOSED)
    case.person_id = person.id
    conversation = cases.conversation_of(session, case)
    if case.inquiry_id:
        inquiry = cases.get_inquiry(session, case.inquiry_id)
        if inquiry is not None:
            inquiry.person_id = person.id
    audit.record(session, actor=actor, action="case_linked", subject_type="case", subject_id=case.id,
                 details={"person_id": person.id})
    if conversation is None:
        return LinkResult(False, LinkOutcome.NO_CONVERSATION)
    for sub in subscriptions.of_case(session, case.id):
        if sub.person_id == person.id:
            continue
        # One subscription per (conversation, person): if the relative already follows this record,
        # that one is kept (and woken up) instead of breaking the unique constraint.
        twin = subscriptions.following(session, sub.conversation_id, person.id)
        if twin is not None:
            twin.active = twin.active or sub.active
            subscriptions.delete(session, sub)
        else:
            sub.person_id = person.id
    session.flush()
    # Judged on what the relative said last about this person (the case page shows which details).
    stated = _stated_from(judged_details(session, case, conversation)[0])
    tz = ZoneInfo(settings.hotline_timezone)
    decision = decide(stated, [candidate_of(session, person)], set(), utcnow().astimezone(tz).date(),
                      PolicyConfig(lookup_limit=10**9))
    if isinstance(decision, Disclose):
        if conversation.opted_out:
            return LinkResult(False, LinkOutcome.OPTED_OUT)
        if conversation.channel == "voice":
            # The voice line cannot write to a caller: the verified answer is given on the phone.
            return LinkResult(False, LinkOutcome.VOICE_LINE)
        text = disclosure_text(decision.candidate, tz, texts.lang_of(conversation.state))
        send_disclosure(session, conversation, person.id, text, actor=actor, kind="operator",
                         priority=outbox.PRIORITY_REPLY)
        case.last_contact_at = utcnow()
        case.status = "waiting"
        return LinkResult(True, LinkOutcome.DISCLOSED, text)
    assert isinstance(decision, Escalate)
    if decision.reason == "death_notification" and case.priority != "urgent":
        case.priority, case.reason = "urgent", "death_notification"
    return LinkResult(False, decision.reason)


def record_death_notification(session: Session, case: Case, *, actor: str, note: str) -> None:
    if case.death_notified_at is not None:
        raise CaseRefused(CaseRefusal.DEATH_ALREADY_NOTIFIED)
    if not note.strip():
        raise CaseRefused(CaseRefusal.DEATH_NOTE_REQUIRED)
    case.death_notified_at = utcnow()
    case.death_notified_by = actor
    case.last_contact_at = case.death_notified_at
    audit.record(session, actor=actor, action="death_notification_recorded", subject_type="case",
                 subject_id=case.id, details={"note": note.strip()[:2000]})


def resolve_case(session: Session, case: Case, *, actor: str, note: str) -> None:
    if case.status == "resolved":
        raise CaseRefused(CaseRefusal.ALREADY_CLOSED)
    if not note.strip():
        raise CaseRefused(CaseRefusal.RESOLUTION_NOTE_REQUIRED)
    if case.reason == "death_notification" and case.death_notified_at is None:
        raise CaseRefused(CaseRefusal.DEATH_NOT_NOTIFIED)
    case.status = "resolved"
    case.resolved_at = utcnow()
    case.resolution = note.strip()[:4000]
    case.next_followup_at = None
    audit.record(session, actor=actor, action="case_resolved", subject_type="case", subject_id=case.id,
                 details={"note": case.resolution})
