"""Running the dialogue turn of one inbound message: one turn, one transaction.

A message is recorded once per provider id (a redelivery does nothing). Its turn locks the
conversation, runs the dialogue, writes the new state, cases, inquiries, audit events and outbox
rows, and marks the message done, all in the caller's transaction; the outbox worker sends after
the commit. Webhooks record and answer at once, and turn workers run the turns (bot/turns.py); the
local channels record and answer in one go (``handle_inbound``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import opt_out, proof_lock, whatsapp_window
from bot.cases import opening as case_service
from bot.engine import effects as fx
from bot.engine.choices import choices_for
from bot.engine.dialogue import Inbound, respond
from bot.language.commands import Command, may_be_opt_out
from bot.language.parse import parse_message
from bot.matching.search import search_persons
from bot.policy import PROVEN_OUTCOMES, Candidate, PolicyConfig
from bot.sms import to_gsm7
from common.logging import get_logger
from common.metrics import INBOUND_MESSAGES, INBOUND_PENDING_SECONDS, TURN_EVENTS, TURN_SECONDS
from common.settings import Settings
from common.text import strip_forbidden
from db.base import utcnow
from db.models import Case, Conversation, InboundRecord
from db.repositories import audit, outbox, persons, subscriptions
from db.repositories import conversations as conv_repo

log = get_logger("conversations")

CANDIDATE_LIMIT = 10
PHONE_CHANNELS = frozenset({"sms", "whatsapp", "voice"})  # channels whose address is a number to call


def render_for_channel(channel: str, text: str) -> str:
    """The exact text that goes out on ``channel`` (SMS is folded to GSM-7; see bot/sms.py)."""
    return to_gsm7(text) if channel == "sms" else text


@dataclass
class InboundResult:
    duplicate: bool
    conversation_id: int
    replies: list[str] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


class DbPorts:
    """The dialogue's ports over the database, for one conversation inside one transaction."""

    def __init__(self, session: Session, conversation: Conversation, settings: Settings,
                 now: datetime | None = None) -> None:
        self.session = session
        self.conversation = conversation
        self.settings = settings
        self.now = now or utcnow()
        self.tz = ZoneInfo(settings.hotline_timezone)
        self.today: date = self.now.astimezone(self.tz).date()
        self._opened_case: Case | None = None

    def find_candidates(self, name: str) -> list[Candidate]:
        found = search_persons(self.session, name, limit=CANDIDATE_LIMIT)
        if not found:
            return []
        latest = persons.current_reports(self.session, (c.person for c in found))
        result = []
        for c in found:
            p, report = c.person, latest.get(c.person.id)
            result.append(Candidate(
                person_id=p.id, name=p.full_name, score=c.score, strong=c.strong,
                nationality=p.nationality, birth_date=p.birth_date, approx_age=p.approx_age,
                restricted=p.restricted, status=report.status if report else p.current_status,
                location=report.location if report else None, source=report.source if report else None,
                verified_at=report.verified_at if report else None,
                listed_on=p.created_at.astimezone(self.tz).date() if p.created_at else None,
                proof_locked=p.proof_locked_at is not None,
            ))
        return result

    def persons_looked_up(self) -> set[int]:
        since = self.now - timedelta(hours=self.settings.lookup_limit_window_hours)
        return conv_repo.persons_looked_up_since(self.session, self.conversation.id, since, PROVEN_OUTCOMES)

    def open_case_reference(self, reason: str, person_id: int | None, details: dict[str, Any]) -> str | None:
        case = case_service.reusable_case(self.session, self.conversation, reason=reason, person_id=person_id,
                                          details=details)
        return case.reference if case is not None else None

    def new_case_reference(self) -> str:
        for _ in range(20):
            reference = case_service.case_store.new_reference(self.settings.hotline_case_prefix)
            if not case_service.case_store.reference_taken(self.session, reference):
                return reference
        raise RuntimeError("could not draw a unique case reference")

    def case_status(self, reference: str) -> str | None:
        return case_service.case_status_for_conversation(self.session, self.conversation, reference)

    def callback_number_known(self) -> bool:
        return self.conversation.channel in PHONE_CHANNELS

    # --- applying a turn's effects (bot/engine/effects.py), in order, in the turn's transaction ---

    def apply(self, effects: list[fx.Effect]) -> None:
        for effect in effects:
            self._apply(effect)

    def _apply(self, effect: fx.Effect) -> None:
        match effect:
            case fx.OpenCase():
                self._open_case(effect)
            case fx.RecordInquiry(details=details, person_id=person_id, outcome=outcome):
                self._record_inquiry(details, person_id, outcome)
            case fx.RecordDisclosure(person_id=person_id, text=text):
                self._record_disclosure(person_id, text)
            case fx.FailedProof(person_id=person_id, details=details):
                proof_lock.record_failed_proof(self.session, self.settings, self.conversation, person_id, details,
                                               self.now)
            case fx.Subscribe(person_id=person_id, case_reference=reference):
                self._subscribe(person_id, reference)
            case fx.OptOut():
                opt_out.opt_out(self.session, self.conversation, by="relative", now=self.now)
            case fx.SetCallbackPhone(reference=reference, phone=phone):
                self._set_callback_phone(reference, phone)
            case _:
                raise TypeError(f"no way to apply {type(effect).__name__} on {self.conversation.channel}")

    def _open_case(self, effect: fx.OpenCase) -> Case:
        case = self._opened_case = case_service.open_case(
            self.session, self.conversation, reason=effect.reason, priority=effect.priority,
            person_id=effect.person_id, details=dict(effect.details), prefix=self.settings.hotline_case_prefix,
            followup_interval_hours=self.settings.followup_interval_hours, reference=effect.reference)
        if case.reference != effect.reference:
            # The relative was told effect.reference: never let the words and the case differ.
            raise RuntimeError("the case opened is not the one the reply names")
        return case

    def _record_inquiry(self, details: dict[str, Any], person_id: int | None, outcome: str) -> None:
        inquiry_id = conv_repo.add_inquiry(self.session, self.conversation.id, person_id, dict(details), outcome,
                                           self.now)
        if self._opened_case is not None and self._opened_case.inquiry_id is None:
            # The case a person will review points at what the relative asked.
            self._opened_case.inquiry_id = inquiry_id

    def _record_disclosure(self, person_id: int, text: str) -> None:
        # One INSERT at once, as the API's reads write theirs (a disclosure is every fourth turn or so).
        audit.append(self.session, actor="bot", action="disclosure", subject_type="person", subject_id=person_id,
                     details={"conversation_id": self.conversation.id, "channel": self.conversation.channel,
                              "text": render_for_channel(self.conversation.channel, text)})

    def _subscribe(self, person_id: int | None, case_reference: str | None) -> None:
        case_id = None
        if case_reference:
            case = case_service.case_store.by_reference(self.session, case_reference)
            case_id = case.id if case else None
        subscriptions.subscribe(self.session, self.conversation.id, person_id, case_id)

    def _set_callback_phone(self, reference: str, phone: str) -> None:
        case = case_service.case_store.by_reference(self.session, reference)
        if case is None or case.conversation_id != self.conversation.id:
            return
        case.callback_phone = phone
        audit.record(self.session, actor="bot", action="callback_phone_given", subject_type="case",
                     subject_id=case.id, details={"channel": self.conversation.channel})


def clean_text(text: str | None) -> str | None:
    # Control characters and lone surrogates carry nothing a person writes, and would break the
    # insert (NUL on PostgreSQL, a surrogate on any database: a 500 a provider would redeliver
    # forever) or an export. A relative's message is cleaned, not refused (common/text.py).
    return strip_forbidden(text) if text is not None else None


def _written_before_opt_out(conversation: Conversation, message: InboundRecord) -> bool:
    return (conversation.opted_out_at is not None and message.received_at is not None
            and message.received_at < conversation.opted_out_at)


def run_turn(session: Session, settings: Settings, conversation: Conversation, message: InboundRecord,
             now: datetime | None = None) -> InboundResult:
    """Run the dialogue turn of one recorded message of this (locked) conversation: the new state,
    cases, inquiries, audit events and outbox rows, and the message marked done, all in the
    caller's transaction."""
    started = time.perf_counter()
    now = now or utcnow()
    channel, address, text, media_kind = conversation.channel, conversation.address, message.text, message.media_kind
    message.conversation_id = conversation.id
    message.state = "done"
    message.processed_at = now
    message.next_attempt_at = None
    # The relative wrote: on WhatsApp their window opens again and what was held for them is due.
    released = whatsapp_window.note_inbound(session, conversation, message.received_at or now)
    # The cheap first look of the webhooks (never misses an opt-out); the dialogue reads it in full.
    opting_out = may_be_opt_out(text or "") and parse_message(text or "").command is Command.OPT_OUT
    if conversation.opted_out and not opting_out and _written_before_opt_out(conversation, message):
        # Its turn comes after the relative's BAJA/STOP (it waited behind a failing turn): the
        # relative asked for silence since, so it gets no answer, and it does not undo the opt-out.
        log.info("inbound.skipped_after_opt_out", conversation_id=conversation.id, channel=channel)
        return InboundResult(duplicate=False, conversation_id=conversation.id, events=["skipped_after_opt_out"])
    if conversation.opted_out and not opting_out:
        # Writing again after BAJA/STOP is consent to be answered again.
        opt_out.opt_in(session, conversation)

    if released and whatsapp_window.asks_to_read(text, conversation.state or {}):
        # The answer to the WhatsApp template ("ok", "leer"): what was held for them is the reply.
        log.info("inbound.reply_to_read", conversation_id=conversation.id, channel=channel, released=released)
        return InboundResult(duplicate=False, conversation_id=conversation.id, events=["reply_to_read"])
    ports = DbPorts(session, conversation, settings, now=now)
    config = PolicyConfig(lookup_limit=settings.lookup_limit_persons)
    # The dialogue only reads through its ports, and nothing it reads was written earlier in this turn:
    # what is pending (the message done, the conversation's last_inbound_at) waits for the turn's own
    # writes, so that the conversation is updated once, not once per lookup and again at the end.
    with session.no_autoflush:
        turn = respond(conversation.state or {}, Inbound(text=text, media_kind=media_kind), ports, config)
    conversation.state = turn.state
    ports.apply(turn.effects)  # before the replies are queued: an opt-out cancels what was queued, not them

    result = InboundResult(duplicate=False, conversation_id=conversation.id, events=turn.events)
    kind = "optout_confirmation" if conversation.opted_out else "reply"
    rows = []
    for i, reply in enumerate(turn.replies):
        rendered = render_for_channel(channel, reply)
        expects = turn.choices.get(i)
        # The buttons go with the row, in the conversation's language: a channel with buttons shows them.
        choices = choices_for(expects, turn.t).to_json() if expects is not None else None
        rows.append({"channel": channel, "recipient": address, "text": rendered, "kind": kind,
                     "priority": outbox.PRIORITY_REPLY, "conversation_id": conversation.id, "choices": choices})
        result.replies.append(rendered)
    result.outbox_ids.extend(outbox.enqueue_many(session, rows))  # the replies in one statement
    log.info("inbound.handled", conversation_id=conversation.id, channel=channel, events=turn.events)
    INBOUND_MESSAGES.labels(channel, "no").inc()
    if message.received_at is not None:
        INBOUND_PENDING_SECONDS.labels(channel).observe(max(0.0, (now - message.received_at).total_seconds()))
    for event in turn.events:
        TURN_EVENTS.labels(event).inc()  # a bounded set: commands, case reasons, disclosed...
    TURN_SECONDS.labels(channel).observe(time.perf_counter() - started)
    return result


def handle_inbound(
    session: Session,
    settings: Settings,
    *,
    channel: str,
    address: str,
    provider_id: str,
    text: str | None,
    media_kind: str | None = None,
    now: datetime | None = None,
) -> InboundResult:
    """Record a message and answer it at once, in the caller's transaction: the path of the local
    channels (terminal, web chat) and of Telegram long polling. The webhooks only record (see
    bot/turns.py). A message of this sender still waiting for a worker is answered first, so that
    the relative's order holds whichever path a message took."""
    text = clean_text(text)
    conversation = conv_repo.lock_conversation(session, channel, address)
    inbound_id = conv_repo.record_inbound(session, channel, address, provider_id, text, media_kind)
    if inbound_id is None:
        log.info("inbound.duplicate", conversation_id=conversation.id, channel=channel)
        INBOUND_MESSAGES.labels(channel, "yes").inc()
        return InboundResult(duplicate=True, conversation_id=conversation.id)
    result: InboundResult | None = None
    for message in conv_repo.pending_messages(session, channel, address):
        if message.id == inbound_id:
            result = run_turn(session, settings, conversation, message, now)
            continue
        try:
            # An earlier message's turn must not take this one down with it (above all a BAJA):
            # if it fails it is undone alone and stays pending for the turn workers' retries.
            with session.begin_nested():
                run_turn(session, settings, conversation, message, now)
        except Exception as exc:
            log.error("inbound.earlier_turn_failed", inbound_id=message.id, error=type(exc).__name__)
    assert result is not None  # recorded above, in this transaction
    return result
