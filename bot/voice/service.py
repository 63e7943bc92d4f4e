"""The voice line over the database: each Twilio request of a call is one step, run in one
transaction under the caller's conversation lock, and answered with TwiML.

- The conversation is the caller's number on channel ``voice`` (a withheld number: one conversation
  per call), so the lookup limit and the records this contact contradicted hold across calls, as
  for a chat. Each call's state is kept in the conversation's state under ``calls[CallSid]``
  (pruned after ``CALL_STATE_HOURS``), never in process memory.
- Idempotent per CallSid and step: the step number travels in each <Gather>'s action
  (``?step=N``), and each step's request is recorded as an inbound message whose provider id is
  ``CallSid/N`` (unique per channel). A redelivered request finds its id recorded and gets the
  same TwiML again, saved with the call: nothing is decided twice, so no second case or disclosure.
- The transcript: what the caller said or pressed is an inbound message, recorded the way every
  channel's message enters (``db.repositories.conversations.record_inbound``), already ``done`` (no turn
  worker runs the chat on it), what the line said an outbound row of kind ``voice`` already
  ``sent`` (the outbox has no sender for ``voice`` and never sees it as due), so the console shows
  the call like any conversation.
- Cases opened by a call get no written follow-ups (a call cannot carry them): the team calls the
  number back. With the caller's consent (1 at "¿Desea recibir avisos por SMS?"), that number's SMS
  conversation follows the case or the person, and gets one SMS saying so.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot import opt_out
from bot.conversations import DbPorts, clean_text, render_for_channel
from bot.engine import effects as fx
from bot.policy import PolicyConfig
from bot.voice import texts_es as T
from bot.voice import twiml
from bot.voice.flow import CallFlow, Heard, Outcome
from common.logging import get_logger
from common.metrics import INBOUND_MESSAGES, TURN_EVENTS
from common.settings import Settings
from db.base import utcnow
from db.models import Case, Conversation
from db.repositories import audit, outbox
from db.repositories import conversations as conv_repo

log = get_logger("voice")

CHANNEL = "voice"
CALL_STATE_HOURS = 12  # a call's state is kept this long after its last step (calls last minutes)
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


@dataclass(frozen=True)
class VoiceRequest:
    call_sid: str
    caller: str  # Twilio's From: +E.164, or a withheld number ("anonymous", "+266696687"...)
    step: int | None  # None: the call's first request
    heard: Heard


@dataclass(frozen=True)
class Urls:
    action: Callable[[int], str]  # the absolute URL Twilio posts step N to
    recording_callback: str


def caller_address(caller: str, call_sid: str) -> str:
    """The conversation's address: the caller's number, or one per call when it is withheld (a
    shared "anonymous" conversation would mix strangers' cases and details)."""
    return caller if E164.fullmatch(caller) and not caller.startswith("+266696687") else f"withheld:{call_sid}"


class VoiceDbPorts(DbPorts):
    """The dialogue's ports for a call (bot/conversations.py), plus the SMS consent."""

    def __init__(self, session: Session, conversation: Conversation, settings: Settings, now: datetime,
                 caller: str) -> None:
        super().__init__(session, conversation, settings, now=now)
        self.caller = caller
        self.can_text = bool(E164.fullmatch(caller)) and conversation.address == caller

    def _apply(self, effect: fx.Effect) -> None:
        if isinstance(effect, fx.SubscribeSms):
            self._subscribe_sms(effect.person_id, effect.case_reference)
        else:
            super()._apply(effect)

    def _open_case(self, effect: fx.OpenCase) -> Case:
        case = super()._open_case(effect)
        if case.channel == CHANNEL:
            # No written follow-ups on a line that cannot carry text: the team calls back.
            case.next_followup_at = None
            if effect.details.get("recording_url"):
                # Also on a case this number already had open (its opening details are older).
                audit.record(self.session, actor="bot", action="voice_recording", subject_type="case",
                             subject_id=case.id, details={"recording_url": effect.details["recording_url"]})
        return case

    def _subscribe_sms(self, person_id: int | None, case_reference: str | None) -> None:
        """The caller agreed to SMS: subscribe that number's SMS conversation and tell it so."""
        sms = conv_repo.lock_conversation(self.session, "sms", self.caller)
        if sms.opted_out:
            # Pressing 1 to "¿Desea recibir avisos por SMS?" is consent again after a BAJA.
            opt_out.opt_in(self.session, sms, by="voice")
        DbPorts(self.session, sms, self.settings, now=self.now).apply([fx.Subscribe(person_id, case_reference)])
        text = (T.render(T.SMS_CONSENT_CASE, reference=case_reference) if case_reference
                else T.SMS_CONSENT_PERSON)
        outbox.enqueue(self.session, channel="sms", recipient=self.caller, text=render_for_channel("sms", text),
                       kind="notification", priority=outbox.PRIORITY_REPLY, conversation_id=sms.id)
        audit.record(self.session, actor="bot", action="sms_consent", subject_type="conversation",
                     subject_id=self.conversation.id,
                     details={"sms_conversation_id": sms.id, "case": case_reference, "person_id": person_id})


def _record_heard(session: Session, conversation: Conversation, provider_id: str, text: str, now: datetime,
                  media_kind: str | None = None) -> bool:
    """What the caller said or pressed, recorded as any channel's message is (answered in this step);
    False when this provider id was recorded before (a redelivery: nothing is written)."""
    return conv_repo.record_inbound(session, CHANNEL, conversation.address, provider_id, clean_text(text),
                                    media_kind, received_at=now, answered_in=conversation.id) is not None


def _prune(calls: dict[str, Any], now: datetime) -> None:
    horizon = now - timedelta(hours=CALL_STATE_HOURS)
    for sid in [sid for sid, call in calls.items() if datetime.fromisoformat(call.get("at") or now.isoformat()) < horizon]:
        del calls[sid]


def handle_step(session: Session, settings: Settings, request: VoiceRequest, urls: Urls,
                now: datetime | None = None) -> str:
    """One request of a call: the TwiML to answer it with (the caller's transaction: commit it)."""
    now = now or utcnow()
    conversation = conv_repo.lock_conversation(session, CHANNEL, caller_address(request.caller, request.call_sid))
    state = copy.deepcopy(conversation.state or {})
    calls: dict[str, Any] = state.setdefault("calls", {})
    _prune(calls, now)
    call = calls.get(request.call_sid)
    step = request.step or 0
    provider_id = f"{request.call_sid}/{step}"

    starting = call is None or request.step is None
    out_of_date = call is not None and request.step is not None and step != call["step"]
    if out_of_date or not _record_heard(session, conversation, provider_id,
                                        T.CALL_STARTED if starting else request.heard.transcript(), now,
                                        media_kind="recording" if request.heard.recording_url else None):
        # A redelivery (or an out-of-date step): the answer already given, and nothing done again.
        INBOUND_MESSAGES.labels(CHANNEL, "yes").inc()
        log.info("voice.duplicate", conversation_id=conversation.id)
        last = (call or {}).get("last")
        return last["twiml"] if last else twiml.say_and_hang_up(T.GOODBYE)

    if starting:
        call = calls[request.call_sid] = {}
    assert call is not None

    ports = VoiceDbPorts(session, conversation, settings, now, request.caller)
    flow = CallFlow(call, state, ports, PolicyConfig(lookup_limit=settings.lookup_limit_persons))
    outcome = flow.start() if starting else flow.answer(request.heard)
    ports.apply(outcome.effects)
    answer = twiml.render(outcome.nodes, urls.action(step + 1), urls.recording_callback)
    call.update(step=step + 1, at=now.isoformat(), last={"step": step, "twiml": answer})
    _finish(session, conversation, state, outcome, now)
    return answer


def _finish(session: Session, conversation: Conversation, state: dict[str, Any], outcome: Outcome,
            now: datetime) -> None:
    spoken = outcome.spoken()
    if spoken:
        conv_repo.record_said(session, conversation, spoken, now)
    conversation.state = state
    conversation.last_inbound_at = now
    INBOUND_MESSAGES.labels(CHANNEL, "no").inc()
    for event in outcome.events:
        TURN_EVENTS.labels(event).inc()
    log.info("voice.step", conversation_id=conversation.id, events=outcome.events)


def _call_conversation(session: Session, call_sid: str) -> Conversation | None:
    """The conversation a call's first step was recorded on (callbacks do not all carry From)."""
    found = conv_repo.conversation_of_inbound(session, CHANNEL, f"{call_sid}/0")
    return conv_repo.lock_conversation(session, CHANNEL, found.address) if found else None


def call_ended(session: Session, call_sid: str, status: str, now: datetime | None = None) -> bool:
    """Twilio's call status callback: the end of the call goes into the transcript (once)."""
    now = now or utcnow()
    conversation = _call_conversation(session, call_sid)
    if conversation is None or not _record_heard(session, conversation, f"{call_sid}/end",
                                                 T.render(T.CALL_ENDED, status=status), now):
        return False  # not a call of ours, or its end is in the transcript already
    state = copy.deepcopy(conversation.state or {})
    call = state.get("calls", {}).get(call_sid)
    if call is not None:
        call["ended"] = status
        conversation.state = state
    return True


def recording_completed(session: Session, settings: Settings, call_sid: str, url: str,
                        now: datetime | None = None) -> bool:
    """Twilio's recording status callback. The <Record> action normally brings the recording first;
    when it did not (the caller hung up while recording), the case is opened here."""
    now = now or utcnow()
    conversation = _call_conversation(session, call_sid)
    if conversation is None:
        return False
    state = copy.deepcopy(conversation.state or {})
    call = state.get("calls", {}).get(call_sid)
    if call is None or call.get("stage") != "record":
        return False  # attached already (or the call is long gone)
    caller = conversation.address
    ports = VoiceDbPorts(session, conversation, settings, now, caller)
    outcome = CallFlow(call, state, ports, PolicyConfig(lookup_limit=settings.lookup_limit_persons)).recording_arrived(url)
    ports.apply(outcome.effects)
    call["stage"] = "done"  # the call is over: nothing more is asked
    _record_heard(session, conversation, f"{call_sid}/recording", Heard(recording_url=url).transcript(), now,
                  media_kind="recording")
    outcome.nodes = []  # nobody hears it: only the case and the transcript line
    _finish(session, conversation, state, outcome, now)
    return True
