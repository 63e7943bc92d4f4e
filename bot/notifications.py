"""Telling relatives without their asking: the new verified status of a person they follow
(through the disclosure policy; a death opens an urgent case for a person to call them instead),
and an honest "still reviewing" when their open case has been silent for the follow-up interval.

Every function works inside the caller's transaction and never commits; messages are outbox rows,
sent after the commit.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import texts
from bot.cases import opening as case_service
from bot.cases.linking import candidate_of, send_disclosure
from bot.conversations import render_for_channel
from bot.policy import Disclose, PolicyConfig, Stated, decide, disclosure_text
from common.settings import Settings
from db.base import utcnow
from db.models import Conversation, Person
from db.repositories import case_store, cases, outbox, subscriptions

__all__ = ["notify_subscribers", "send_due_followups"]


def _stated_for(session: Session, conversation: Conversation, *, person_id: int | None = None,
                inquiry_id: int | None = None, fall_back_to_conversation: bool = False) -> Stated:
    """What this relative said about the person they seek: the inquiry behind the case, else their
    latest inquiry about ``person_id``. Details said about someone else must never vouch for this
    record, so the conversation's current details are used only where asked for (a case with no
    inquiry, e.g. a request for a person) and the policy still checks them against the record."""
    details: dict = {}
    inquiry = cases.get_inquiry(session, inquiry_id) if inquiry_id is not None else None
    if inquiry is None and person_id is not None:
        inquiry = cases.latest_inquiry_about(session, conversation.id, person_id)
    if inquiry is not None:
        details = dict(inquiry.details or {})
    elif fall_back_to_conversation:
        details = dict((conversation.state or {}).get("details") or {})
    birth = details.get("birth_date")
    return Stated(birth_date=date.fromisoformat(birth) if birth else None, age=details.get("age"),
                  nationality=details.get("nationality"))


def notify_subscribers(session: Session, person: Person, settings: Settings, *, actor: str) -> int:
    """Each relative following ``person`` gets the new verified status if the policy allows it;
    a death opens an urgent case for a person to call them instead. Returns messages queued."""
    tz = ZoneInfo(settings.hotline_timezone)
    today = utcnow().astimezone(tz).date()
    candidate = candidate_of(session, person)
    queued = 0
    for sub in subscriptions.active_followers(session, person.id):
        conversation = subscriptions.conversation_of(session, sub)
        if conversation is None or conversation.opted_out:
            continue
        if candidate.status == "deceased":
            # Nothing is written to them: a trained person calls every follower (and checks, on the
            # phone, who they are), so no follower is left in silence whatever they told the bot.
            case_service.open_case(session, conversation, reason="death_notification", priority="urgent",
                                   person_id=person.id, details={}, prefix=settings.hotline_case_prefix,
                                   actor=actor, followup_interval_hours=settings.followup_interval_hours)
            continue
        decision = decide(_stated_for(session, conversation, person_id=person.id), [candidate], set(), today,
                          PolicyConfig(lookup_limit=10**9))
        if isinstance(decision, Disclose):
            t = texts.for_state(conversation.state)
            text = t.STATUS_UPDATE_INTRO + disclosure_text(decision.candidate, tz, texts.lang_of(conversation.state))
            send_disclosure(session, conversation, person.id, text, actor=actor, kind="notification",
                             priority=outbox.PRIORITY_BULK)
            queued += 1
    return queued


# --- work against silence -------------------------------------------------------------------------


def send_due_followups(session: Session, settings: Settings, now: datetime | None = None, limit: int = 500) -> int:
    """An honest "still reviewing" to every relative whose open case has been silent for the
    follow-up interval. Death-notification cases are left to the person who will call."""
    now = now or utcnow()
    interval = timedelta(hours=settings.followup_interval_hours)
    sent = 0
    # Open and in-progress cases only: "waiting" means the relative has had an answer (a disclosure,
    # an operator's question), and "no verified news yet" would then be untrue. Several workers run
    # this: each case is taken by one of them (the others skip it).
    for case in case_store.due_for_followup(session, now, limit):
        conversation = cases.conversation_of(session, case)
        if conversation is None or conversation.opted_out:
            case.next_followup_at = now + interval
            continue
        # Silence is counted from the last contact: an operator's reply, or the relative writing
        # (the bot answered them), moves the follow-up back.
        contacts = [t for t in (case.last_contact_at, conversation.last_inbound_at) if t is not None]
        last = max(contacts) if contacts else None
        if last is not None and last + interval > now:
            case.next_followup_at = last + interval
            continue
        case.next_followup_at = now + interval
        t = texts.for_state(conversation.state)
        text = render_for_channel(conversation.channel, t.render(t.FOLLOWUP, reference=case.reference))
        outbox.enqueue(session, channel=conversation.channel, recipient=conversation.address, text=text,
                       kind="followup", priority=outbox.PRIORITY_FOLLOWUP, conversation_id=conversation.id)
        case.last_contact_at = now
        sent += 1
    return sent
