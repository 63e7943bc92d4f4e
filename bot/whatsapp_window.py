"""WhatsApp's customer-service window (SPEC 6): free text only within ``WHATSAPP_WINDOW_HOURS`` of the
relative's last message; outside it only an approved template, and the text waits for them.

Where the rule acts, all in the outbox's own transactions (so exactly-once delivery holds as for
any row, bot/outbox/worker.py):

- When the relative last wrote is ``Conversation.last_inbound_at``, set by every inbound message's
  turn (``note_inbound``), from the moment the webhook received it.
- Right before the outbox sends free text to a ``whatsapp:`` address, ``hold_if_closed`` decides, in
  one transaction under the conversation's lock: the window is open and nothing older to that
  address is held, so the row goes; or the row becomes ``held`` (not failed: nothing was sent).
- Twilio's error 63016 (the window was closed after all), from the API call or a status callback,
  holds the row the same way (``hold_refused``, ``hold_after_callback``).
- The first row held of a batch (a batch: what is held until the relative writes again) queues one
  template row: the approved neutral template (ContentSid, ContentVariables ``{"1": reference}``),
  never ``Body``. Its only variable is the case reference, or ``en curso`` when there is no case:
  a template never carries a status and never hints at a death, whatever the held text says.
  Without ``TWILIO_WHATSAPP_TEMPLATE_SID`` rows are held all the same, unannounced (the console
  says so), never sent as free text only to fail.
- The relative's next message releases every held row (``note_inbound``, in its turn's
  transaction): due again at once, in the order queued, each still sent once; a template not yet
  sent is cancelled (they wrote first).

The conversation's row lock orders a hold against a release (a turn holds it while it runs): a row
is never held after the message that should have released it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.outbox.senders import PermanentError, Sender, SendsTemplates, WindowClosed
from common.logging import get_logger
from common.settings import Settings
from db.base import utcnow
from db.models import Conversation
from db.repositories import cases as cases_repo
from db.repositories import conversations as conv_repo
from db.repositories import outbox as outbox_repo

log = get_logger("whatsapp")

CHANNEL = "whatsapp"
TEMPLATE_KIND = "template"  # the outbox row that carries the template
OUTSIDE_WINDOW_CODE = 63016  # Twilio: "outside the allowed window"
# The template to register and have approved (category Utility, language es; docs/channels.md).
# The transcript shows it with its variable filled in; what WhatsApp shows is what was approved.
TEMPLATE_TEXT = ("Tiene un mensaje de la Línea de información para familiares sobre su consulta {{1}}. "
                 "Responda a este mensaje para leerlo.")
NEUTRAL_SUBJECT = "en curso"  # "...sobre su consulta en curso." when the conversation has no case
# A case reference as bot/cases/opening.py makes them ("JRZ-4F7K"): anything else is never put in a template.
REFERENCE = re.compile(r"[A-Z0-9]{1,12}-[A-Z0-9]{4,8}")


@dataclass(frozen=True)
class WindowRules:
    hours: float = 24.0
    template_sid: str | None = None  # TWILIO_WHATSAPP_TEMPLATE_SID; None: hold without announcing

    @classmethod
    def from_settings(cls, settings: Settings) -> WindowRules:
        return cls(settings.whatsapp_window_hours, settings.twilio_whatsapp_template_sid)


def closes_at(last_inbound_at: datetime | None, rules: WindowRules) -> datetime | None:
    """When the window closes (or closed); None when the relative never wrote on WhatsApp."""
    return last_inbound_at + timedelta(hours=rules.hours) if last_inbound_at is not None else None


def is_open(last_inbound_at: datetime | None, rules: WindowRules, now: datetime) -> bool:
    end = closes_at(last_inbound_at, rules)
    return end is not None and now < end


def template_variables(reference: str | None) -> dict[str, str]:
    return {"1": reference if reference is not None and REFERENCE.fullmatch(reference) else NEUTRAL_SUBJECT}


def template_text(variables: dict[str, str]) -> str:
    return TEMPLATE_TEXT.replace("{{1}}", variables.get("1", NEUTRAL_SUBJECT))


class TemplateSend:
    """The outbox's sender for a template row: the channel's sender, sending the template (its
    ContentVariables) instead of the row's text."""

    def __init__(self, sender: Sender, variables: dict[str, str]) -> None:
        self.sender, self.variables, self.channel = sender, variables, sender.channel

    async def send(self, recipient: str, text: str) -> str | None:
        if not isinstance(self.sender, SendsTemplates):
            raise PermanentError(f"the {self.channel} sender cannot send templates")
        return await self.sender.send_template(recipient, self.variables)


def refused_for_window(exc: Exception) -> bool:
    """The provider's refusal says the window is closed (Twilio 63016): hold, never fail."""
    return isinstance(exc, WindowClosed)


# --- holding (the outbox worker, the status webhook) -----------------------------------------------


def hold_if_closed(session: Session, row_id: int, worker_id: str, recipient: str, rules: WindowRules,
                   now: datetime | None = None) -> bool:
    """Right before free text goes to ``recipient``: hold the row (this worker's claim) when their
    window is closed, or when an older row to them is held (they read in order). True when held."""
    conversation = conv_repo.lock_existing(session, CHANNEL, recipient)
    last = conversation.last_inbound_at if conversation is not None else None
    if is_open(last, rules, now or utcnow()) and not outbox_repo.older_held(session, CHANNEL, recipient, row_id):
        return False
    if not outbox_repo.hold(session, row_id, worker_id, "whatsapp window closed"):
        return False  # no longer ours: the confirmation before sending says so
    _announce(session, conversation, recipient, rules)
    return True


def hold_refused(session: Session, row_id: int, worker_id: str, recipient: str, rules: WindowRules) -> bool:
    """Twilio answered the send with 63016: nothing went out; the row is held instead of failed."""
    conversation = conv_repo.lock_existing(session, CHANNEL, recipient)
    if not outbox_repo.hold(session, row_id, worker_id, f"twilio {OUTSIDE_WINDOW_CODE}: whatsapp window closed"):
        return False
    _announce(session, conversation, recipient, rules)
    return True


def hold_after_callback(session: Session, provider_id: str, rules: WindowRules) -> bool:
    """A status callback says Twilio refused a sent message with 63016. True when it concerned a
    WhatsApp text row, now held (or already held, or since released: a late callback changes
    nothing); False otherwise (record it as any failure)."""
    row = outbox_repo.row_by_provider_id(session, provider_id)
    if row is None or row.channel != CHANNEL or row.kind == TEMPLATE_KIND:
        return False
    recipient, was = row.recipient, row.status
    conversation = conv_repo.lock_existing(session, CHANNEL, recipient)
    held = outbox_repo.hold_sent(session, provider_id, f"twilio {OUTSIDE_WINDOW_CODE}: whatsapp window closed")
    if held is not None and was == "sent":
        _announce(session, conversation, recipient, rules)
    return True


def _announce(session: Session, conversation: Conversation | None, recipient: str, rules: WindowRules) -> None:
    """The row just held: the first of its batch queues the one template that tells the relative
    a message waits for them."""
    count, _ = outbox_repo.held_summary(session, CHANNEL, recipient)
    if count != 1:
        return  # the batch's first row already asked for it
    if rules.template_sid is None:
        log.warning("whatsapp.held_without_template", conversation_id=conversation.id if conversation else None)
        return
    reference = cases_repo.latest_reference(session, conversation.id) if conversation is not None else None
    variables = template_variables(reference)
    row = outbox_repo.enqueue(session, channel=CHANNEL, recipient=recipient, text=template_text(variables),
                              kind=TEMPLATE_KIND, priority=outbox_repo.PRIORITY_REPLY,
                              conversation_id=conversation.id if conversation is not None else None)
    row.template_variables = variables
    log.info("whatsapp.template_queued", outbox_id=row.id,
             conversation_id=conversation.id if conversation is not None else None)


# --- releasing (every inbound message's turn) --------------------------------------------------


def note_inbound(session: Session, conversation: Conversation, at: datetime) -> int:
    """The relative wrote (``at``: when the webhook received it): the window opens again, and on
    WhatsApp whatever was held for them is due now. Call with the conversation locked, in the
    transaction of that message's turn. Returns how many held rows were released."""
    conversation.last_inbound_at = at
    if conversation.channel != CHANNEL:
        return 0
    released = outbox_repo.release_held(session, CHANNEL, conversation.address)
    cancelled = outbox_repo.cancel_unsent(session, CHANNEL, conversation.address, TEMPLATE_KIND,
                                          "the relative wrote before the template went out")
    if released or cancelled:
        log.info("whatsapp.released", conversation_id=conversation.id, rows=released, templates_cancelled=cancelled)
    return released


# Words of a reply that only asks for the held messages ("ok", "leer", "quiero ver el mensaje",
# "gracias", an emoji alone): accent-folded, lower case. "sí" counts only when no yes/no question
# waits for an answer; "no" never does.
_READ_WORDS = frozenset("""
    ok okay okey oki vale listo dale bien bueno claro perfecto gracias muchas mil hola buenas buenos buen
    dia dias tarde tardes noche noches leer leerlo leo ver verlo veo el la lo los las un una mensaje
    mensajes quiero quisiera puedo a de del acuerdo aqui estoy ya por favor porfa enviar envie envien
    envialo mande manden mandar mandelo digame diga que dice paso pasa recibir recibirlo responder
    respondo adelante mi me cual es
""".split())
_YES = frozenset({"si"})
_WORD = re.compile(r"[a-z0-9]+")


def asks_to_read(text: str | None, state: dict[str, object]) -> bool:
    """The relative's message only answers the template (asks to read what waits): the held
    messages are the reply, and the dialogue has nothing to add (it would take "leer" for a name)."""
    if text is None:
        return False
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    words = _WORD.findall(folded)
    if len(words) > 8:
        return False
    allowed = _READ_WORDS | (_YES if state.get("awaiting") is None else frozenset())
    return all(w in allowed for w in words)


# --- what the console and the API show -----------------------------------------------------------


@dataclass(frozen=True)
class WindowState:
    last_inbound_at: datetime | None
    closes_at: datetime | None
    open: bool
    held: int
    oldest_held_at: datetime | None
    template_configured: bool
    template_status: str | None  # the latest template row's outbox status
    template_at: datetime | None


def window_state(session: Session, conversation: Conversation, rules: WindowRules,
                 now: datetime | None = None) -> WindowState | None:
    """The window of a WhatsApp conversation and what waits in it; None for other channels."""
    if conversation.channel != CHANNEL:
        return None
    held, oldest = outbox_repo.held_summary(session, CHANNEL, conversation.address)
    template = outbox_repo.latest_of_kind(session, CHANNEL, conversation.address, TEMPLATE_KIND)
    last = conversation.last_inbound_at
    return WindowState(
        last_inbound_at=last, closes_at=closes_at(last, rules), open=is_open(last, rules, now or utcnow()),
        held=held, oldest_held_at=oldest, template_configured=rules.template_sid is not None,
        template_status=template.status if template is not None else None,
        template_at=template.created_at if template is not None else None,
    )
