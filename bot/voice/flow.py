"""One call on the voice line, one step per Twilio request: (the call's state, what the caller said
or pressed, the ports) -> what the line says and asks next.

The stages, in order (``call["stage"]``):
  name           the sought person's name, by speech (a <Gather input="speech dtmf">)
  confirm_name   "Entendí: NAME. Si es correcto, marque 1; si no, marque 2"
  birth          the birth date on the keypad, DDMMAAAA (8 digits); 9 = "no la sé"
  confirm_birth  read back, 1 confirms
  nationality    a numbered menu, asked once when the answer would otherwise not be a disclosure
  disclosed      the verified answer was read (slowly, twice); 1 hears it again
  sms_offer      "¿Desea recibir avisos por SMS en este número?" (the caller's consent)
  record         the name was not understood twice: the caller's spoken name is recorded
  done           the line said goodbye and hung up

0 at any prompt asks for a person (a case; the team calls this number back). Silence (or an answer
that is not one) twice at a prompt opens a case and says goodbye; at the name prompt, two tries
not understood (low confidence, no name, or the read-back rejected) record the spoken name instead,
for an operator to listen to.

The decision is the chat's own judgement (bot/engine/judgement.py): the same candidates, policy,
lookup limit, proof lock (failed proofs recorded through the ports, and the records this contact
contradicted kept in the conversation state's ``conflicts``) and close-candidate rule.
The nationality: a record without a birth date is proven by the age (a stated birth date
counts as one) together with the nationality, so the menu must exist; asking it only for such a
record would tell the caller that the name is on the list, so it is asked whenever the answer would
otherwise not be a disclosure (no match, namesakes, conflicts, no proof, restricted, not confirmed,
limit, proof lock, death alike) and never after a disclosure is certain. The wording is in
bot/voice/texts_es.py: never a death word; the uniform case words for every case.

No database and no TwiML here: the ports (bot/voice/service.py) read, the outcome carries what the
step changes as values (bot/engine/effects.py) for the service to apply, bot/voice/twiml.py
renders the nodes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from babel.dates import format_date

from bot.engine import effects as fx
from bot.engine.judgement import judge, stated_of
from bot.engine.ports import Ports
from bot.language.parse import parse_message
from bot.policy import Disclose, Escalate, PolicyConfig, decide, disclosure_text
from bot.voice import texts_es as T

SPEECH_CONFIDENCE = 0.5  # Twilio's Confidence (0..1) below this: the name was not understood
MAX_MISSES = 2  # silences (or non-answers) at one prompt, or names not understood, before a person takes over
MAX_NAME_CHARS = 60
NAME_TIMEOUT_SECONDS = 5
DIGITS_TIMEOUT_SECONDS = 8  # the keypad date: time allowed between two keys
RECORD_SECONDS = 10
# Where a disclosure is paused: a full stop before a capital ("No. 6" in a place's name is not one).
SENTENCE_END = re.compile(r"(?<=\.)\s+(?=[A-ZÁÉÍÓÚÑ])")


# --- what the line does (rendered as TwiML by bot/voice/twiml.py) -------------------------------


@dataclass(frozen=True)
class Say:
    text: str
    slow: bool = False  # a disclosure: read slower than the prompts


@dataclass(frozen=True)
class Pause:
    seconds: int = 1


@dataclass(frozen=True)
class Ask:
    """A prompt and what it waits for: speech (and a key), or up to ``num_digits`` keys."""

    prompt: tuple[Say | Pause, ...]
    speech: bool = False
    num_digits: int = 1
    timeout: int = NAME_TIMEOUT_SECONDS


@dataclass(frozen=True)
class RecordName:
    prompt: tuple[Say, ...]
    max_length: int = RECORD_SECONDS


@dataclass(frozen=True)
class Hangup:
    pass


Node = Say | Pause | Ask | RecordName | Hangup


@dataclass(frozen=True)
class Heard:
    """What one request of Twilio brought: keys, speech with its confidence, a recording."""

    digits: str = ""
    speech: str = ""
    confidence: float | None = None
    recording_url: str = ""
    recording_seconds: int | None = None

    @property
    def silent(self) -> bool:
        return not (self.digits or self.speech.strip() or self.recording_url)

    def transcript(self) -> str:
        """The caller's line in the conversation's transcript."""
        if self.recording_url:
            return T.render(T.HEARD_RECORDING, url=self.recording_url)
        parts = []
        if self.speech.strip():
            parts.append(self.speech.strip())
        if self.digits:
            parts.append(T.render(T.HEARD_KEYS, digits=self.digits))
        return " · ".join(parts) or T.HEARD_SILENCE


class VoicePorts(Ports, Protocol):
    """The dialogue's ports (bot/engine/ports.py), plus what only a call needs."""

    can_text: bool  # the caller's number can receive SMS (not withheld)


@dataclass
class Outcome:
    nodes: list[Node]
    events: list[str] = field(default_factory=list)
    effects: list[fx.Effect] = field(default_factory=list)  # applied by the service, in order

    def spoken(self) -> str:
        """Everything the line says in this answer, in order (the transcript's line)."""
        texts: list[str] = []
        for node in self.nodes:
            if isinstance(node, Say):
                texts.append(node.text)
            elif isinstance(node, Ask):
                texts.extend(p.text for p in node.prompt if isinstance(p, Say))
            elif isinstance(node, RecordName):
                texts.extend(p.text for p in node.prompt)
        return " ".join(texts)


# --- reading the caller ---------------------------------------------------------------------------


def spoken_name(speech: str, today: date) -> str | None:
    """The name in what the caller said ("busco a mi hermano José Luis..."), as the chat reads it."""
    understanding = parse_message(speech, today)
    if understanding.name is None:
        return None
    return understanding.name.raw[:MAX_NAME_CHARS]


def keypad_date(digits: str, today: date) -> date | None:
    """DDMMAAAA -> a date, or None when it is not a real date of birth."""
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        born = date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        return None
    return born if date(1900, 1, 1) <= born <= today else None


def said_date(d: date) -> str:
    return format_date(d, "d 'de' MMMM 'de' y", locale="es")


# --- the call -------------------------------------------------------------------------------------


class CallFlow:
    """``call``: this call's state (changed in place); ``shared``: the conversation's state, whose
    ``conflicts`` outlive the call (the chat's rule: a contact that contradicted a record cannot
    unlock it by guessing on, in this call or the next)."""

    def __init__(self, call: dict[str, Any], shared: dict[str, Any], ports: VoicePorts,
                 config: PolicyConfig | None = None) -> None:
        self.call = call
        self.shared = shared
        self.ports = ports
        self.config = config or PolicyConfig()
        self.out = Outcome(nodes=[])

    @property
    def details(self) -> dict[str, Any]:
        return self.call.setdefault("details", {})  # type: ignore[no-any-return]

    # -- entry points

    def start(self) -> Outcome:
        self.call.update(stage="name", misses=0, name_tries=0, heard_speech=False, details={})
        self._say(T.WELCOME)
        return self._ask_name(again=False)

    def answer(self, heard: Heard) -> Outcome:
        stage = self.call.get("stage", "done")
        if heard.digits == "0" and stage not in ("done", "record"):
            return self._person()
        handler = {
            "name": self._on_name,
            "confirm_name": self._on_confirm_name,
            "birth": self._on_birth,
            "confirm_birth": self._on_confirm_birth,
            "nationality": self._on_nationality,
            "disclosed": self._on_disclosed,
            "sms_offer": self._on_sms_offer,
            "record": self._on_recording,
        }.get(stage)
        if handler is None:
            return self._goodbye()
        return handler(heard)

    # -- the name

    def _ask_name(self, *, again: bool) -> Outcome:
        self.call["stage"] = "name"
        return self._ask(T.ASK_NAME_AGAIN if again else T.ASK_NAME, speech=True)

    def _on_name(self, heard: Heard) -> Outcome:
        if not heard.speech.strip():
            return self._name_not_understood(spoke=False)
        if heard.confidence is not None and heard.confidence < SPEECH_CONFIDENCE:
            return self._name_not_understood(spoke=True)
        name = spoken_name(heard.speech, self.ports.today)
        if name is None:
            return self._name_not_understood(spoke=True)
        self.details["name"] = name
        return self._to("confirm_name", T.render(T.CONFIRM_NAME, name=name), reset=True)

    def _name_not_understood(self, *, spoke: bool) -> Outcome:
        self.call["name_tries"] = self.call.get("name_tries", 0) + 1
        self.call["heard_speech"] = self.call.get("heard_speech", False) or spoke
        if self.call["name_tries"] < MAX_MISSES:
            return self._ask_name(again=True)
        if not self.call["heard_speech"]:
            return self._no_answer()  # silence twice: nothing to record
        self.call["stage"] = "record"
        self.out.nodes.append(RecordName((Say(T.ASK_RECORDING),)))
        self.out.events.append("voice:record_name")
        return self.out

    def _on_confirm_name(self, heard: Heard) -> Outcome:
        if heard.digits == "1":
            return self._ask_birth(again=False)
        if heard.digits == "2":
            self.details.pop("name", None)
            return self._name_not_understood(spoke=True)
        return self._missed(lambda: self._to("confirm_name", T.render(T.CONFIRM_NAME, name=self.details["name"])))

    # -- the birth date

    def _ask_birth(self, *, again: bool) -> Outcome:
        return self._to("birth", T.ASK_BIRTH_AGAIN if again else T.ASK_BIRTH, num_digits=8,
                        timeout=DIGITS_TIMEOUT_SECONDS, reset=not again)  # a retry keeps counting

    def _on_birth(self, heard: Heard) -> Outcome:
        if heard.digits == "9":
            self.call["birth_unknown"] = True  # an honest answer: decide with what was said
            return self._after_birth()
        born = keypad_date(heard.digits, self.ports.today)
        if born is None:
            return self._missed(lambda: self._ask_birth(again=True))
        self.details["birth_date"] = born.isoformat()
        return self._to("confirm_birth", T.render(T.CONFIRM_BIRTH, date=said_date(born)))

    def _on_confirm_birth(self, heard: Heard) -> Outcome:
        if heard.digits == "1":
            return self._after_birth()
        if heard.digits == "2":
            self.details.pop("birth_date", None)
            return self._missed(lambda: self._ask_birth(again=True))
        born = date.fromisoformat(self.details["birth_date"])
        return self._missed(lambda: self._to("confirm_birth", T.render(T.CONFIRM_BIRTH, date=said_date(born))))

    # -- the nationality, then the policy

    def _would_disclose(self) -> bool:
        """A look at the policy's answer, without recording anything (no failed proof yet)."""
        candidates = self.ports.find_candidates(self.details["name"])
        looked_up = self.ports.persons_looked_up() | fx.looked_up_in(self.out.effects)
        decision = decide(stated_of(self.details), candidates, looked_up, self.ports.today,
                          self.config, frozenset(self.shared.get("conflicts", ())))
        return isinstance(decision, Disclose)

    def _after_birth(self) -> Outcome:
        if not self._would_disclose() and not self.call.get("nationality_asked"):
            self.call["nationality_asked"] = True
            return self._to("nationality", T.ASK_NATIONALITY, reset=True)
        return self._conclude()

    def _on_nationality(self, heard: Heard) -> Outcome:
        if heard.digits in T.NATIONALITY_MENU:
            self.details["nationality"] = T.NATIONALITY_MENU[heard.digits]
            return self._conclude()
        if heard.digits in ("8", "9"):
            return self._conclude()
        # The country is optional: after a second silence, decide without it.
        return self._missed(lambda: self._to("nationality", T.ASK_NATIONALITY), give_up=self._conclude)

    def _conclude(self) -> Outcome:
        # The chat's own judgement (bot/engine/judgement.py): the same policy, failed proofs and
        # conflicts. A call asks no further question: namesakes without a date go to a person.
        judgement = judge(self.details, self.shared, self.ports, self.config, may_ask_birth_date=False,
                          earlier=self.out.effects)
        decision = judgement.decision
        self.out.effects.extend(judgement.effects)
        self.out.events.extend(["failed_proof"] * judgement.failed_proofs)

        if isinstance(decision, Disclose):
            person_id = decision.candidate.person_id
            text = disclosure_text(decision.candidate, self.ports.tz, "es")
            self.out.effects.append(fx.RecordDisclosure(person_id, text))
            self.out.effects.append(fx.RecordInquiry(dict(self.details), person_id, "disclosed"))
            self.call.update(disclosure=text, offer={"person_id": person_id, "case": None})
            self.out.events.append("disclosed")
            return self._read_disclosure()

        assert isinstance(decision, Escalate)
        ref = fx.open_case(self.out.effects, self.ports, decision.reason, decision.priority, decision.person_id,
                           dict(self.details))
        self.out.effects.append(fx.RecordInquiry(dict(self.details), decision.person_id, f"case:{decision.reason}"))
        self.out.events.append(f"case:{decision.reason}")
        if decision.reason == "death_notification":
            # Only that a person needs to speak with them and will call this number. No offer, no hint.
            self._say(T.TEAM_WILL_CALL)
            self._say_reference(ref)
            return self._goodbye()
        self._say(T.ESCALATED)
        self._say_reference(ref)
        # As the chat: only a caller who showed they know the person (the record is just not yet
        # verified) may follow that record; anyone else follows their case.
        follows = decision.person_id if decision.reason == "unconfirmed" else None
        return self._offer_sms(follows, ref)

    # -- after the answer

    def _read_disclosure(self) -> Outcome:
        """Slowly, sentence by sentence with a pause between, twice; then the offer to hear it again."""
        parts = [p.strip() for p in SENTENCE_END.split(self.call["disclosure"]) if p.strip()]
        for round_ in range(2):
            if round_:
                self._say(T.REPEAT)
            for part in parts:
                self.out.nodes.append(Say(part, slow=True))
                self.out.nodes.append(Pause(1))
        return self._to("disclosed", T.HEAR_AGAIN, reset=True)

    def _on_disclosed(self, heard: Heard) -> Outcome:
        if heard.digits == "1":
            return self._read_disclosure()
        offer = self.call.get("offer") or {}
        return self._offer_sms(offer.get("person_id"), offer.get("case"))

    def _offer_sms(self, person_id: int | None, case_ref: str | None) -> Outcome:
        self.call["offer"] = {"person_id": person_id, "case": case_ref}
        if not self.ports.can_text:
            return self._goodbye()  # a withheld number cannot receive SMS
        return self._to("sms_offer", T.OFFER_SMS, reset=True)

    def _on_sms_offer(self, heard: Heard) -> Outcome:
        if heard.digits == "1":
            offer = self.call.get("offer") or {}
            self.out.effects.append(fx.SubscribeSms(offer.get("person_id"), offer.get("case")))
            self.out.events.append("subscribed")
            self._say(T.SMS_YES)
            return self._goodbye()
        if heard.digits == "2":
            self._say(T.SMS_NO)
            return self._goodbye()
        return self._missed(lambda: self._to("sms_offer", T.OFFER_SMS), give_up=self._goodbye)

    # -- a person takes over

    def _person(self) -> Outcome:
        person_id = (self.call.get("offer") or {}).get("person_id")
        ref = self._case("asked_for_person", person_id)
        self._say(T.HUMAN_REQUESTED)
        self._say_reference(ref)
        return self._goodbye()

    def _no_answer(self) -> Outcome:
        ref = self._case("other", None, voice="sin respuesta")
        self._say(T.NO_ANSWER)
        self._say_reference(ref)
        return self._goodbye()

    def _on_recording(self, heard: Heard) -> Outcome:
        if not heard.recording_url or heard.recording_seconds == 0:
            if heard.digits == "0":
                return self._person()
            return self._no_answer()
        return self.recording_arrived(heard.recording_url)

    def recording_arrived(self, url: str) -> Outcome:
        """The caller's spoken name, for an operator: a case with the recording's address."""
        if self.call.get("stage") != "record":
            return self._goodbye()  # already attached (the action and the status callback both bring it)
        self.call["recording_url"] = url
        ref = self._case("unreadable_media", None, recording_url=url, voice="nombre no entendido")
        self._say(T.RECORDED)
        self._say_reference(ref)
        return self._offer_sms(None, ref)

    def _case(self, reason: str, person_id: int | None, **extra: Any) -> str:
        ref = fx.open_case(self.out.effects, self.ports, reason, "normal", person_id, {**self.details, **extra})
        self.call.setdefault("cases", [])
        if ref not in self.call["cases"]:
            self.call["cases"].append(ref)
        self.out.events.append(f"case:{reason}")
        return ref

    # -- small pieces

    def _say(self, text: str) -> None:
        self.out.nodes.append(Say(text))

    def _say_reference(self, ref: str) -> None:
        self._say(T.render(T.CASE_REFERENCE, spelled=T.spell(ref)))

    def _to(self, stage: str, prompt: str, *, num_digits: int = 1, timeout: int = NAME_TIMEOUT_SECONDS,
            reset: bool = False) -> Outcome:
        """Ask at ``stage``; ``reset``: the caller got past the previous prompt (its misses are forgiven)."""
        if reset:
            self.call["misses"] = 0
        self.call["stage"] = stage
        self.out.nodes.append(Ask((Say(prompt),), num_digits=num_digits, timeout=timeout))
        return self.out

    def _ask(self, prompt: str, *, speech: bool) -> Outcome:
        self.out.nodes.append(Ask((Say(prompt),), speech=speech, num_digits=1, timeout=NAME_TIMEOUT_SECONDS))
        return self.out

    def _missed(self, again: Any, give_up: Any = None) -> Outcome:
        """Silence, or keys that answer nothing: ask once more, then a person takes over."""
        self.call["misses"] = self.call.get("misses", 0) + 1
        if self.call["misses"] >= MAX_MISSES:
            return (give_up or self._no_answer)()  # type: ignore[no-any-return]
        return again()  # type: ignore[no-any-return]

    def _goodbye(self) -> Outcome:
        self.call["stage"] = "done"
        self._say(T.GOODBYE)
        self.out.nodes.append(Hangup())
        return self.out
