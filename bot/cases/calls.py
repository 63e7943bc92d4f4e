"""Calling a relative through the hotline's own number (SPEC 6, "Calls from the console").

Twilio rings the operator's phone first (the parent leg, created with ``client.calls.create``);
when the operator's phone answers, Twilio asks us what to do (``answer_twiml``): the operator must
press 1 (``confirm_twiml``), so that a voicemail or an answering machine that picks up is never put
through to a family that may be about to hear of a death. Then one short line and
``<Dial callerId=HOTLINE>`` the relative (the child leg). Each side sees only the hotline's
number: the relative's number goes from the database to Twilio and nowhere else (never to the
console, never to the operator's phone, never to a log), the operator's number never reaches the
relative. Both legs report their progress to signed status callbacks (api/routers/webhooks_calls.py),
recorded on the ``case_calls`` row and in the audit log.

Placing a call is two short transactions around the provider request, so no database lock is held
while Twilio answers: ``prepare_call`` writes the row (``placing``), the caller commits, asks Twilio
(``TwilioDialer``), then ``call_placed`` or ``call_not_placed`` records the answer. Twilio may ask
for the TwiML before the second transaction commits: the answer route finds the row by its id.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from bot.auth import AccountError, normalise_phone
from bot.language.phones import masked
from common.logging import get_logger
from common.settings import Settings
from db.base import utcnow
from db.models import Case, CaseCall
from db.repositories import audit, cases
from db.repositories import calls as repo

log = get_logger("calls")

PHONE_CHANNELS = ("sms", "whatsapp", "voice")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
FINAL = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
LEG_STATUSES = frozenset({"queued", "initiated", "ringing", "in-progress", "answered", *FINAL})
RING_SECONDS = 30  # how long each phone rings before Twilio gives up
CONFIRM_SECONDS = 8  # how long the operator has to press 1 once their phone answered
LANGUAGE, VOICE = "es-MX", "Polly.Mia"

# What the operator reads about a call (console and API ``outcome_text``).
OUTCOMES = {
    "connected": "Conversación con la familia",
    "relative_no-answer": "La familia no contestó",
    "relative_busy": "El número de la familia estaba ocupado",
    "relative_failed": "No se pudo llamar al número de la familia",
    "relative_canceled": "Usted colgó antes de que la familia contestara",
    "operator_no-answer": "Su teléfono no contestó",
    "operator_busy": "Su teléfono estaba ocupado",
    "operator_failed": "No se pudo llamar a su teléfono",
    "operator_canceled": "La llamada se canceló",
    "operator_hung_up": "Nadie pulsó 1 en su teléfono (buzón de voz, o colgó): no se llamó a la familia",
    "not_placed": "Twilio no aceptó la llamada",
}
LEG_LABELS = {"placing": "preparando", "queued": "en cola", "initiated": "iniciada", "ringing": "sonando",
              "in-progress": "en curso", "answered": "contestó", "completed": "terminada", "busy": "ocupado",
              "failed": "falló", "no-answer": "no contestó", "canceled": "cancelada"}


class CallRefusal(StrEnum):
    """Why a call cannot be placed (the JSON API answers with these codes, in English)."""

    TELEPHONY_OFF = "telephony_off"  # Twilio is not configured
    CASE_CLOSED = "case_closed"
    NO_FAMILY_NUMBER = "no_family_number"  # the relative wrote from a channel without a phone
    OPERATOR_PHONE_INVALID = "operator_phone_invalid"
    NO_OPERATOR_PHONE = "no_operator_phone"  # none given, none on the account
    SAME_NUMBER = "same_number"  # the operator's phone is the family's
    PROVIDER_REFUSED = "provider_refused"  # params: error (Twilio's code), message (Twilio's words)
    PROVIDER_UNREACHABLE = "provider_unreachable"


# What the operator reads (the console), and the reason a call not placed keeps (``CaseCall.error``,
# shown with the call on the case page, and the ``call_failed`` audit event).
REFUSALS_ES: dict[CallRefusal, str] = {
    CallRefusal.TELEPHONY_OFF: "La telefonía no está configurada (Twilio apagado): no se pueden hacer llamadas "
                               "desde la consola. Llame desde el teléfono de la línea.",
    CallRefusal.CASE_CLOSED: "El caso está cerrado: reábralo antes de llamar.",
    CallRefusal.NO_FAMILY_NUMBER: "No hay número de la familia: el familiar escribió por un canal sin teléfono y "
                                  "no dio un número para llamarle. Pídaselo con una respuesta.",
    CallRefusal.OPERATOR_PHONE_INVALID: "El teléfono del operador no es un número válido: escríbalo en formato "
                                        "internacional, con + y el código de país (por ejemplo +502 5555 0100).",
    CallRefusal.NO_OPERATOR_PHONE: "No hay teléfono del operador: escriba el número donde quiere recibir la "
                                   "llamada (su cuenta no tiene teléfono; un administrador puede añadirlo con "
                                   "«hotline users create --phone»).",
    CallRefusal.SAME_NUMBER: "El teléfono del operador es el mismo que el de la familia.",
    CallRefusal.PROVIDER_REFUSED: "Twilio no aceptó la llamada (error {error}): {message}",
    CallRefusal.PROVIDER_UNREACHABLE: "No se pudo contactar con Twilio: inténtelo de nuevo en un momento.",
}


class CallRefused(Exception):
    """The call cannot be placed; ``code`` says why, ``params`` carry the values the words use.
    ``str()`` is the Spanish sentence (``REFUSALS_ES``): what a call not placed records."""

    def __init__(self, code: CallRefusal, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(self.words(REFUSALS_ES))

    def words(self, catalogue: dict[CallRefusal, str]) -> str:
        return catalogue[self.code].format(**self.params)


@dataclass(frozen=True)
class CallUrls:
    """Where Twilio reaches us about one call (absolute, under HOTLINE_PUBLIC_URL: what it signs)."""

    answer: str  # the operator's phone answered: press 1 to go on
    confirm: str  # the operator pressed a key: whom to dial
    status: str  # the operator's leg progressed
    leg: str  # the relative's leg progressed (<Number statusCallback>)
    dial: str  # the <Dial> ended (its action)


def call_urls(settings: Settings, call_id: int) -> CallUrls:
    base = f"{settings.hotline_public_url.rstrip('/')}/webhooks/twilio/calls/{call_id}"
    return CallUrls(answer=f"{base}?event=answer", confirm=f"{base}?event=confirm", status=f"{base}?event=status",
                    leg=f"{base}?event=leg", dial=f"{base}?event=dial")


# --- numbers -------------------------------------------------------------------------------------


def relative_number(session: Session, case: Case) -> str | None:
    """The number to dial: the conversation's own (SMS, WhatsApp, the voice line) or the one the
    relative gave for a call back (web chat, Telegram). None when none is known."""
    conversation = cases.conversation_of(session, case)
    if conversation is not None and conversation.channel in PHONE_CHANNELS:
        address = conversation.address.removeprefix("whatsapp:")
        if E164.fullmatch(address):
            return address
    if case.callback_phone and E164.fullmatch(case.callback_phone):
        return case.callback_phone
    return None


def mask(number: str | None) -> str:
    """"+50255510123" -> "+502 ****0123": what the console, the API and the audit log show."""
    return masked(number) if number else "—"


def _operator_phone(session: Session, given: str | None, user_id: int | None) -> str:
    if given and given.strip():
        try:
            return normalise_phone(given)
        except AccountError:
            raise CallRefused(CallRefusal.OPERATOR_PHONE_INVALID) from None
    phone = repo.user_phone(session, user_id) if user_id is not None else None
    if phone:
        return phone
    raise CallRefused(CallRefusal.NO_OPERATOR_PHONE)


# --- placing -------------------------------------------------------------------------------------


def prepare_call(session: Session, case: Case, settings: Settings, *, actor: str, user_id: int | None,
                 operator_phone: str | None) -> CaseCall:
    """Check that a call can be placed and write its row (``placing``). Raises ``CallRefused``."""
    if not settings.twilio_enabled:
        raise CallRefused(CallRefusal.TELEPHONY_OFF)
    if case.status == "resolved":
        raise CallRefused(CallRefusal.CASE_CLOSED)
    if relative_number(session, case) is None:
        raise CallRefused(CallRefusal.NO_FAMILY_NUMBER)
    phone = _operator_phone(session, operator_phone, user_id)
    if phone == relative_number(session, case):
        raise CallRefused(CallRefusal.SAME_NUMBER)
    return repo.add_call(session, case_id=case.id, user_id=user_id, placed_by=actor, operator_phone=phone)


Dialer = Callable[[str, CallUrls], str]
"""Asks Twilio to ring ``operator_phone`` and returns the call's sid (raises ``CallRefused``)."""


class TwilioDialer:
    """The real dialer: the twilio SDK against ``TWILIO_API_BASE_URL`` (a fake in tests)."""

    def __init__(self, settings: Settings) -> None:
        from bot.channels.twilio_client import make_twilio_client

        self.settings = settings
        self.client = make_twilio_client(settings)

    def __call__(self, operator_phone: str, urls: CallUrls) -> str:
        try:
            created = self.client.calls.create(
                to=operator_phone, from_=self.settings.twilio_phone_number, url=urls.answer, method="POST",
                status_callback=urls.status, status_callback_method="POST",
                status_callback_event=["initiated", "ringing", "answered", "completed"], timeout=RING_SECONDS)
        except TwilioRestException as exc:
            log.warning("calls.refused_by_twilio", code=exc.code, status=exc.status)
            raise CallRefused(CallRefusal.PROVIDER_REFUSED, error=exc.code, message=exc.msg) from exc
        except TwilioException as exc:
            log.warning("calls.twilio_unreachable", error=type(exc).__name__)
            raise CallRefused(CallRefusal.PROVIDER_UNREACHABLE) from exc
        except OSError as exc:
            log.warning("calls.twilio_unreachable", error=type(exc).__name__)
            raise CallRefused(CallRefusal.PROVIDER_UNREACHABLE) from exc
        return str(created.sid)


def call_placed(session: Session, call: CaseCall, sid: str, relative: str | None) -> None:
    if call.parent_sid is None:
        call.parent_sid = sid
    if call.operator_status == "placing":
        call.operator_status = "queued"
    audit.record(session, actor=call.placed_by, action="call_placed", subject_type="case",
                 subject_id=call.case_id,
                 details={"call_id": call.id, "call_sid": sid, "operator_phone": mask(call.operator_phone),
                          "relative_phone": mask(relative)})


def call_not_placed(session: Session, call: CaseCall, reason: str) -> None:
    call.operator_status, call.outcome, call.error, call.ended_at = "failed", "not_placed", reason[:300], utcnow()
    audit.record(session, actor=call.placed_by, action="call_failed", subject_type="case",
                 subject_id=call.case_id, details={"call_id": call.id, "reason": reason[:300]})


def place_call(session: Session, case: Case, settings: Settings, *, actor: str, user_id: int | None,
               operator_phone: str | None, dialer: Dialer | None = None) -> CaseCall:
    """The whole placement: row, commit, Twilio, result committed. Raises ``CallRefused`` (nothing
    is written when the call was refused before Twilio; a Twilio refusal is recorded, then raised)."""
    call = prepare_call(session, case, settings, actor=actor, user_id=user_id, operator_phone=operator_phone)
    relative = relative_number(session, case)
    session.commit()  # the row exists before Twilio can call back about it
    try:
        sid = (dialer or TwilioDialer(settings))(call.operator_phone, call_urls(settings, call.id))
    except CallRefused as exc:
        call_not_placed(session, call, str(exc))
        session.commit()
        raise
    call_placed(session, call, sid, relative)
    session.commit()
    return call


# --- Twilio asks: the operator answered --------------------------------------------------------------


def _spelled(reference: str) -> str:
    """"JRZ-4F7K" read as "J R Z, 4 F 7 K" by text to speech."""
    return ", ".join(" ".join(part) for part in reference.split("-"))


def _callable(session: Session, call: CaseCall) -> tuple[Case, str] | None:
    case = cases.get_case(session, call.case_id)
    number = relative_number(session, case) if case is not None else None
    if case is None or number is None or case.status == "resolved":
        return None
    return case, number


def _not_possible() -> str:
    response = VoiceResponse()
    response.say("La llamada ya no es posible: el caso no tiene número o está cerrado.", language=LANGUAGE,
                 voice=VOICE)
    response.hangup()
    return str(response)


def answer_twiml(session: Session, call: CaseCall, urls: CallUrls) -> str:
    """What the operator's phone hears on answering: press 1. Nothing about the case or the family
    is said before a person pressed it (a voicemail would keep it); silence ends the call."""
    if _callable(session, call) is None:
        return _not_possible()
    response = VoiceResponse()
    gather = Gather(input="dtmf", num_digits=1, action=urls.confirm, method="POST", timeout=CONFIRM_SECONDS,
                    action_on_empty_result=False)
    gather.say("Línea de información para familiares. Para comunicarse con una familia, pulse 1.",
               language=LANGUAGE, voice=VOICE)
    response.append(gather)
    response.say("No se pulsó 1: no se llamó a la familia.", language=LANGUAGE, voice=VOICE)
    response.hangup()
    return str(response)


def confirm_twiml(session: Session, call: CaseCall, urls: CallUrls, hotline_number: str, digits: str) -> str:
    """The operator pressed ``digits``: on 1, one short line and the relative dialled with the
    hotline's number; anything else ends the call without dialling."""
    found = _callable(session, call)
    if found is None:
        return _not_possible()
    if digits != "1":
        response = VoiceResponse()
        response.say("No se llamó a la familia. Puede volver a llamar desde el caso.", language=LANGUAGE, voice=VOICE)
        response.hangup()
        return str(response)
    case, number = found
    response = VoiceResponse()
    response.say(f"Línea de información para familiares. Le comunicamos con la familia del caso "
                 f"{_spelled(case.reference)}. Espere en la línea.", language=LANGUAGE, voice=VOICE)
    dial = Dial(caller_id=hotline_number, action=urls.dial, method="POST", timeout=RING_SECONDS,
                answer_on_bridge=True)
    dial.number(number, status_callback=urls.leg, status_callback_method="POST",
                status_callback_event="initiated ringing answered completed")
    response.append(dial)
    return str(response)


def hang_up_twiml() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def after_dial_twiml(dial_status: str) -> str:
    response = VoiceResponse()
    if dial_status not in ("completed", "answered"):
        response.say("La familia no contestó. Puede volver a llamar desde el caso.", language=LANGUAGE, voice=VOICE)
    response.hangup()
    return str(response)


# --- Twilio reports: progress of each leg ------------------------------------------------------------


def _seconds(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 7 else None


def _outcome(call: CaseCall) -> str | None:
    if call.relative_status == "completed" and (call.relative_seconds or 0) > 0:
        return "connected"
    if call.relative_status in FINAL and call.relative_status != "completed":
        return f"relative_{call.relative_status}"
    if call.operator_status in FINAL:
        if call.operator_status != "completed":
            return f"operator_{call.operator_status}"
        return "connected" if call.relative_status == "completed" else "operator_hung_up"
    return None


def _leg_ended(session: Session, call: CaseCall, leg: str, status: str, seconds: int | None) -> None:
    audit.record(session, actor="twilio", action="call_leg_ended", subject_type="case", subject_id=call.case_id,
                 details={"call_id": call.id, "leg": leg, "status": status, "seconds": seconds})


def _settle(session: Session, call: CaseCall) -> None:
    """Once the operator's leg is over, the call is: its outcome goes on the case and the log."""
    if call.operator_status not in FINAL or call.ended_at is not None:
        return
    call.outcome = _outcome(call)
    call.ended_at = utcnow()
    audit.record(session, actor="twilio", action="call_ended", subject_type="case", subject_id=call.case_id,
                 details={"call_id": call.id, "placed_by": call.placed_by, "outcome": call.outcome,
                          "relative_seconds": call.relative_seconds,
                          "operator_seconds": call.operator_seconds})


def operator_leg(session: Session, call: CaseCall, sid: str, status: str, duration: str | None) -> None:
    """The parent call's status callback (idempotent: a redelivered final status changes nothing)."""
    if status not in LEG_STATUSES or (call.parent_sid is not None and sid != call.parent_sid):
        return
    call.parent_sid = call.parent_sid or sid
    if call.operator_status in FINAL:
        return
    call.operator_status = status
    if status in FINAL:
        call.operator_seconds = _seconds(duration)
        _leg_ended(session, call, "operator", status, call.operator_seconds)
        _settle(session, call)


def relative_leg(session: Session, call: CaseCall, sid: str, parent_sid: str, status: str,
                 duration: str | None) -> None:
    """The <Number>'s status callback: the relative's leg."""
    if status not in LEG_STATUSES or parent_sid != call.parent_sid:
        return
    if call.child_sid is not None and sid != call.child_sid:
        return
    call.child_sid = sid
    if call.relative_status in FINAL:
        return
    call.relative_status = status
    if status in ("in-progress", "answered") and call.connected_at is None:
        call.connected_at = utcnow()
    if status in FINAL:
        call.relative_seconds = _seconds(duration)
        _leg_ended(session, call, "relative", status, call.relative_seconds)
        case = cases.get_case(session, call.case_id)
        if case is not None and status == "completed" and (call.relative_seconds or 0) > 0:
            case.last_contact_at = utcnow()  # a person spoke with the family
        _settle(session, call)


def dial_ended(session: Session, call: CaseCall, sid: str, dial_status: str, dial_sid: str | None,
               duration: str | None) -> None:
    """The <Dial>'s action: how the relative's leg ended, if its own callback has not said it yet."""
    if sid != call.parent_sid or call.relative_status in FINAL:
        return
    status = "completed" if dial_status == "answered" else dial_status
    if status in FINAL:
        relative_leg(session, call, dial_sid or call.child_sid or "", sid, status, duration)


# --- reading ---------------------------------------------------------------------------------------


def calls_of(session: Session, case_id: int) -> list[CaseCall]:
    return repo.calls_of(session, case_id)


def find(session: Session, call_id: int, *, lock: bool = False) -> CaseCall | None:
    return repo.get_call(session, call_id, lock=lock)


def duration_text(seconds: int | None) -> str:
    if not seconds:
        return "—"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def death_note_draft(session: Session, case: Case, tz: str) -> str | None:
    """The death-notification note started from the latest call in which a person spoke with the
    family: who called, which number (masked), when and how long. The operator adds what was said."""
    connected = next((c for c in calls_of(session, case.id) if c.outcome == "connected"), None)
    if connected is None:
        return None
    who = connected.placed_by.removeprefix("user:")
    when: datetime = connected.connected_at or connected.created_at
    local = when.astimezone(ZoneInfo(tz))
    zone = local.tzname() or tz
    return (f"{who} llamó a la familia ({mask(relative_number(session, case))}) por la línea el "
            f"{local:%d/%m/%Y a las %H:%M} ({zone}, {tz}); conversación de "
            f"{duration_text(connected.relative_seconds)}. Se dijo: ")
