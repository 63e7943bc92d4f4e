"""One turn of the conversation: (state, message, ports) -> replies and the new state.

State is a plain JSON dict stored on the conversation row, so any process can serve any turn:
  welcomed           the two-line welcome was sent
  details            what the relative told us: name, birth_date (ISO), age, nationality,
                     relationship, relative_name
  asking             the question we asked last: name | birth | nationality | birth_full | None
  birth_full_asked   the full birth date was asked once for this search (after an age, or namesakes)
  failures           consecutive failed answers to ``asking``
  queue              further persons named in one message, each a ``details`` dict, taken in order
  awaiting           "subscription" after an answer or a case, with ``offer`` = {person_id, case}
  cases              references of this conversation's cases (for CASO without a code)
  phone_case         the case whose call-back number is asked (``asking`` = phone); phone_optional
                     when it is only offered (after HUMANO), phone_asked the cases asked once
  choices            the buttons the last question showed (bot/engine/choices.py), until answered

Order of questions: the name, then the birth date (or an age and the nationality), always, whatever
the roster holds: asking only when a name is on the list would reveal who is on it. An age with the
nationality proves only for a record without a birth date; short of a proof, the bot asks once for
the full birth date, with the same words whatever the roster holds. "No sé" is an honest answer:
the bot decides with what it has (a case), never asks the same question a third time.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from types import ModuleType
from typing import Any

from bot import texts, texts_es
from bot.engine import effects as fx
from bot.engine.choices import Expects
from bot.engine.judgement import judge
from bot.engine.ports import Ports
from bot.language.commands import Command
from bot.language.lexicon import COMMON_GIVEN_NAMES
from bot.language.names import NICKNAMES, PARTICLES
from bot.language.parse import Mention, Understanding, parse_message
from bot.language.phones import find_phone
from bot.matching.keys import fold
from bot.messages import CONTACT, CONTACT_OTHER
from bot.policy import AskBirthDate, AskNationality, Disclose, Escalate, PolicyConfig, disclosure_text

MAX_FAILURES = 2  # after two failed attempts, offer a human
_SHARE_LABELS = frozenset(fold(t.BUTTONS["share_phone"]) for t in (texts_es, texts.catalogue("en")))


@dataclass
class Inbound:
    text: str | None
    media_kind: str | None = None  # voice, photo, sticker, video, document...


@dataclass
class Turn:
    replies: list[str]
    state: dict[str, Any]
    events: list[str] = field(default_factory=list)  # what happened, for metrics and tests
    courtesy: str = ""  # a greeting answered / distress acknowledged, said before the next question
    t: ModuleType = texts_es  # the conversation's catalogue of texts (bot/texts.py)
    # What a reply asks that can be tapped, by its index in ``replies`` (bot/engine/choices.py).
    choices: dict[int, Expects] = field(default_factory=dict)
    # What the turn changes (cases, inquiries, disclosures, opt-out...), in order: the service
    # applies them in the turn's transaction (bot/engine/effects.py).
    effects: list[fx.Effect] = field(default_factory=list)


def respond(state: dict[str, Any], message: Inbound, ports: Ports, config: PolicyConfig | None = None) -> Turn:
    turn = _respond(state, message, ports, config)
    _settle_choices(turn, (state or {}).get("choices"))
    return turn


def _offer(turn: Turn, text: str, expects: Expects) -> None:
    """A question whose answers can be tapped: the reply carries them (a channel with buttons shows them)."""
    turn.replies.append(text)
    turn.choices[len(turn.replies) - 1] = expects


def _pending_choice(st: dict[str, Any]) -> Expects | None:
    """The question still waiting for its answer after a turn, when it has buttons."""
    if st.get("asking") == "phone":
        return Expects.PHONE
    if st.get("awaiting") == "subscription":
        return Expects.YES_NO
    return None


def _settle_choices(turn: Turn, shown: str | None) -> None:
    """Buttons never outlive their question: once it is answered (or dropped), the turn's first
    reply takes them away, unless it shows new ones itself. While the question still waits (AYUDA,
    CASO in between), they stay."""
    if not turn.replies:
        return
    if shown and 0 not in turn.choices and shown != _pending_choice(turn.state):
        turn.choices[0] = Expects.ANSWERED
    if turn.choices:
        last = turn.choices[max(turn.choices)]
        if last is Expects.ANSWERED:
            turn.state.pop("choices", None)
        else:
            turn.state["choices"] = last.value


def _respond(state: dict[str, Any], message: Inbound, ports: Ports, config: PolicyConfig | None) -> Turn:
    st = copy.deepcopy(state) if state else {}
    st.setdefault("details", {})
    st.setdefault("failures", 0)
    st.setdefault("cases", [])
    contact = message.media_kind in (CONTACT, CONTACT_OTHER)
    # Ages and "del 96" are read on the hotline's date. A shared contact's text is its number, not words.
    u = parse_message("" if contact else message.text or "", ports.today)
    _choose_language(st, u)
    turn = Turn(replies=[], state=st, t=texts.for_state(st))
    first_contact = not st.get("welcomed")
    if first_contact:
        turn.replies.append(turn.t.WELCOME)
        st["welcomed"] = True

    if contact:
        return _contact(message, st, turn, ports, config)
    if fold(message.text or "") in _SHARE_LABELS:
        # The "share my number" button's label typed out (the button itself sends a contact): never
        # a name to search for.
        if st.get("asking") == "phone":
            _offer(turn, turn.t.ASK_OWN_PHONE, Expects.PHONE)
        else:
            turn.replies.append(turn.t.CONTACT_NOT_NEEDED)
            _repeat_pending(st, turn)
        return turn

    if message.media_kind and not (message.text or "").strip():
        _offer(turn, turn.t.MEDIA_UNREADABLE, Expects.HUMAN)
        turn.events.append("media")
        return turn

    if st.get("asking") == "phone" and u.command in (None, Command.YES, Command.NO):
        answered = _answer_phone(message.text or "", u, st, turn, ports, config)
        if answered is not None:
            return answered

    if u.command is not None:
        return _command(u, st, turn, ports, config)

    if st.get("awaiting") == "subscription":
        if u.answer is not None and not _has_details(u):
            return _answer_subscription(u.answer == "yes", st, turn, ports, config)
        if not _has_details(u):
            # Not an answer: repeat the offer rather than guess.
            _offer(turn, turn.t.OFFER_SUBSCRIPTION, Expects.YES_NO)
            return turn
        # New details after an answer: a new search, or a correction of the last one.
        st.pop("awaiting", None)
        st.pop("offer", None)
        if u.name is not None and not u.is_correction:
            _reset_search(st)

    if u.language == "other" and not _has_details(u):
        # A Mayan language: the Spanish reply, and a case marked as needing an interpreter.
        ref = fx.open_case(turn.effects, ports, "needs_interpreter", "normal", None, _case_details(st))
        _remember_case(st, ref)
        turn.replies.append(texts_es.render(texts_es.OTHER_LANGUAGE, reference=ref))
        turn.events.append("case:needs_interpreter")
        return turn

    if _concluded(st) and st.get("outcome") == "disclosed" and not _has_details(u) and (u.greeting or u.thanks):
        # "gracias", "hola" after an answer: no new search, no second disclosure. (After a case, the
        # same honest words again: an anxious relative should hear the same thing each time.)
        _offer(turn, turn.t.AFTER_ANSWER, Expects.NEXT)
        return turn

    if u.new_search and u.name is not None:
        # "otra persona: NAME": a new search with that name; nothing said before vouches for it.
        _reset_search(st)
    elif (_concluded(st) and u.name is not None and not u.is_correction
            and _completed_name(st["details"]["name"], u.name.raw) != st["details"]["name"]):
        # The last search ended (an answer or a case) and another name comes: a new search. What was
        # said about the previous person (birth date, age, nationality) must never vouch for this one.
        _reset_search(st)

    progressed = _merge(st["details"], u, ports.today)
    if u.others:
        _queue_others(st, turn, u.others, ports.today)
    if u.is_correction and progressed:
        turn.replies.append(turn.t.CORRECTION_NOTED)
    turn.courtesy = _courtesy(turn.t, u, first_contact=first_contact)
    return _next_step(st, turn, ports, config, progressed=progressed, greeting_only=u.greeting and not progressed,
                      first_contact=first_contact, dont_know=u.dont_know)


def _choose_language(st: dict[str, Any], u: Understanding) -> None:
    """Spanish first; English for a relative who writes in English (SPEC 4). The conversation keeps
    the language it had when its search began: a stray English word later changes nothing."""
    if u.language not in texts.LANGUAGES:
        return  # another language is answered in Spanish (with a case for an interpreter)
    if "lang" not in st or not st["details"].get("name"):
        if "lang" not in st or u.language == "en" or u.has_details:
            st["lang"] = u.language


def _answer_phone(text: str, u: Understanding, st: dict[str, Any], turn: Turn, ports: Ports,
                  config: PolicyConfig | None) -> Turn | None:
    """The number for the call back: valid with its country code, or asked again once; "no sé",
    "no tengo" or two unreadable answers leave the case to be answered on this channel. A new name
    instead is a new search, and anything but a number after a call only offered (HUMANO) is an
    ordinary message (None: the turn goes on as usual)."""
    ref = st["phone_case"]
    phone = find_phone(text)
    if phone is None and (
        (u.name is not None and not u.dont_know)
        or (st.get("phone_optional") and not u.dont_know and u.answer != "no")
    ):
        _drop_phone_question(st)
        return None
    if phone is not None:
        return _phone_given(phone, st, turn, ports, config)
    if u.dont_know or u.answer == "no" or st["failures"] + 1 >= MAX_FAILURES:
        turn.replies.append(turn.t.PHONE_NONE)
        return _phone_done(st, turn, ports, config)
    # Anything else ("¿está bien?"): the same words again, and the question once more.
    st["failures"] += 1
    turn.replies.append(turn.t.render(turn.t.TEAM_WILL_CALL, reference=ref))
    _offer(turn, turn.t.ASK_PHONE_AGAIN, Expects.PHONE)
    return turn


def _phone_given(phone: str, st: dict[str, Any], turn: Turn, ports: Ports, config: PolicyConfig | None) -> Turn:
    turn.effects.append(fx.SetCallbackPhone(st["phone_case"], phone))
    turn.replies.append(turn.t.PHONE_NOTED)
    turn.events.append("callback_phone")
    return _phone_done(st, turn, ports, config)


def _phone_done(st: dict[str, Any], turn: Turn, ports: Ports, config: PolicyConfig | None) -> Turn:
    _drop_phone_question(st)
    if st.get("queue"):
        return _start_next(st, turn, ports, config)
    return turn


def _drop_phone_question(st: dict[str, Any]) -> None:
    st["asking"], st["failures"] = None, 0
    st.pop("phone_case", None)
    st.pop("phone_optional", None)


def _contact(message: Inbound, st: dict[str, Any], turn: Turn, ports: Ports, config: PolicyConfig | None) -> Turn:
    """A contact shared on Telegram. The relative's own answers the question for a call-back number
    (checked like a typed one); someone else's is never kept: that person did not ask to be called
    (a number the relative types is their own choice, and is taken)."""
    turn.events.append("contact")
    asking_phone = st.get("asking") == "phone"
    if message.media_kind == CONTACT and asking_phone:
        phone = find_phone(message.text or "")
        if phone is not None:
            return _phone_given(phone, st, turn, ports, config)
        # A number phonenumbers does not know (a service or test number): ask for one written out.
        _offer(turn, turn.t.ASK_PHONE_AGAIN, Expects.PHONE)
        return turn
    if message.media_kind == CONTACT_OTHER and asking_phone:
        _offer(turn, f"{turn.t.CONTACT_NOT_OWN} {turn.t.ASK_OWN_PHONE}", Expects.PHONE)
        return turn
    turn.replies.append(turn.t.CONTACT_NOT_NEEDED if message.media_kind == CONTACT else turn.t.CONTACT_NOT_OWN)
    _repeat_pending(st, turn)
    return turn


def _repeat_pending(st: dict[str, Any], turn: Turn) -> None:
    """After a message that answered nothing: the question that waits, said again."""
    if st.get("awaiting") == "subscription":
        _offer(turn, turn.t.OFFER_SUBSCRIPTION, Expects.YES_NO)
    elif st.get("asking"):
        turn.replies.append(_question_for(turn.t, st["asking"], again=False))
    elif not st["details"].get("name"):
        st["asking"] = "name"
        turn.replies.append(turn.t.ASK_NAME)


def _courtesy(t: ModuleType, u: Understanding, *, first_contact: bool) -> str:
    """One short phrase before the question: a greeting answered (on first contact the welcome is
    the answer), distress acknowledged."""
    parts = [t.GREETING_REPLY] if u.greeting and not first_contact else []
    if u.distress:
        parts.append(t.ACK_DISTRESS)
    return " ".join(parts)


def _reset_search(st: dict[str, Any]) -> None:
    """A new search: only the relative's own name is kept; nothing said about the previous person."""
    st["details"] = {k: v for k, v in st.get("details", {}).items() if k == "relative_name"}
    for key in ("asking", "awaiting", "offer", "birth_full_asked", "nationality_asked", "outcome"):
        st.pop(key, None)
    st["failures"] = 0


MAX_QUEUED_PERSONS = 2  # a message naming more persons: the rest are asked for after these
MAX_NAME_CHARS = 60


def _queue_others(st: dict[str, Any], turn: Turn, others: tuple[Mention, ...], today: date) -> None:
    """Two persons in one message: the first named is taken first (SPEC 4), the others wait in
    order with the details said about each, and the bot says so."""
    queue = st.setdefault("queue", [])
    for m in others:
        if len(queue) >= MAX_QUEUED_PERSONS:
            break
        details: dict[str, Any] = {"name": m.name.raw[:MAX_NAME_CHARS]}
        if m.birth_date is not None:
            details["birth_date"] = m.birth_date.isoformat()
        if m.age is not None:
            details["age"] = m.age
        elif m.birth_year is not None and m.birth_date is None:
            details["age"] = today.year - m.birth_year
        if m.nationality:
            details["nationality"] = m.nationality
        queue.append(details)
    first = st["details"].get("name")
    if first and queue:
        turn.replies.append(turn.t.render(turn.t.SEVERAL_PERSONS, first=first, rest=", ".join(d["name"] for d in queue)))


def _start_next(st: dict[str, Any], turn: Turn, ports: Ports, config: PolicyConfig | None) -> Turn:
    """The next person named in an earlier message, with what was said about them."""
    nxt = st["queue"].pop(0)
    _reset_search(st)
    st["details"].update(nxt)
    turn.replies.append(turn.t.render(turn.t.NEXT_PERSON, name=nxt["name"]))
    return _next_step(st, turn, ports, config, progressed=True, greeting_only=False, first_contact=False)


# --- commands -------------------------------------------------------------------------------------


def _command(u: Understanding, st: dict[str, Any], turn: Turn, ports: Ports,
             config: PolicyConfig | None = None) -> Turn:
    cmd = u.command
    turn.events.append(f"command:{cmd.value if cmd else ''}")
    if cmd is Command.OPT_OUT:
        turn.effects.append(fx.OptOut())
        turn.replies[:] = [turn.t.OPTED_OUT]
        turn.choices = {0: Expects.ANSWERED}  # no buttons left to a relative who asked for silence
        st.pop("awaiting", None)
        return turn
    if cmd is Command.HELP or cmd is Command.MENU:
        turn.replies.append(turn.t.HELP)
        return turn
    if cmd is Command.START:
        # Telegram sends /start when a chat is opened or restarted: the welcome and what to write,
        # every time, and a search begun afresh (its words, such as a link's payload, are no name).
        _reset_search(st)
        st.pop("queue", None)
        if st.get("phone_optional"):
            _drop_phone_question(st)
        if not turn.replies:
            turn.replies.append(turn.t.WELCOME)
        turn.replies.append(turn.t.ASK_NAME)
        st["asking"] = "name"
        return turn
    if cmd is Command.HUMAN:
        person_id = (st.get("offer") or {}).get("person_id")
        ref = fx.open_case(turn.effects, ports, "asked_for_person", "normal", person_id, _case_details(st))
        _remember_case(st, ref)
        turn.replies.append(turn.t.render(turn.t.HUMAN_REQUESTED, reference=ref))
        turn.events.append("case:asked_for_person")
        if not ports.callback_number_known() and not st.get("phone_case") \
                and ref not in st.setdefault("phone_asked", []):
            # Web chat, Telegram: the person may call instead of writing, if the relative wishes
            # (offered once per case; any other answer is an ordinary message).
            st["phone_asked"].append(ref)
            st["phone_case"], st["phone_optional"] = ref, True
            st["asking"], st["failures"] = "phone", 0
            _offer(turn, turn.t.ASK_PHONE_OPTIONAL, Expects.PHONE)
        return turn
    if cmd is Command.CASE:
        ref = (u.case_code or "").upper() or (st["cases"][-1] if st["cases"] else "")
        if not ref:
            turn.replies.append(turn.t.CASE_ASK_CODE)
            return turn
        status = ports.case_status(ref)
        turn.replies.append(turn.t.render(turn.t.CASE_STATUS[status], reference=ref) if status
                            else turn.t.render(turn.t.CASE_NOT_FOUND, reference=ref))
        return turn
    if cmd is Command.NEW_SEARCH:
        _reset_search(st)
        st.pop("queue", None)
        st["asking"] = "name"
        turn.replies.append(turn.t.NEW_SEARCH)
        return turn
    if cmd in (Command.YES, Command.NO):
        if st.get("awaiting") == "subscription":
            return _answer_subscription(cmd is Command.YES, st, turn, ports, config)
        if _concluded(st):
            # "¿Está bien?" after an answer or a case is not a new search: the same honest answer again.
            return _decide(st, turn, ports, config, may_ask=False)
        turn.replies.append(_question_for(turn.t, st.get("asking") or "name", again=False))
        return turn
    turn.replies.append(turn.t.HELP)
    return turn


def _answer_subscription(yes: bool, st: dict[str, Any], turn: Turn, ports: Ports,
                         config: PolicyConfig | None) -> Turn:
    offer = st.pop("offer", None) or {}
    st.pop("awaiting", None)
    if yes:
        turn.effects.append(fx.Subscribe(offer.get("person_id"), offer.get("case")))
        turn.replies.append(turn.t.SUBSCRIBED)
        turn.events.append("subscribed")
    else:
        turn.replies.append(turn.t.NOT_SUBSCRIBED)
    if st.get("queue"):
        return _start_next(st, turn, ports, config)
    if not _ask_phone_if_pending(st, turn):
        _offer(turn, turn.t.ANYTHING_ELSE, Expects.NEXT)
    return turn


def _ask_phone_if_pending(st: dict[str, Any], turn: Turn) -> bool:
    """The call-back number a death notification needs, asked once nothing else is pending."""
    if not st.get("phone_case") or st.get("asking") == "phone":
        return False
    st["asking"], st["failures"] = "phone", 0
    _offer(turn, turn.t.ASK_PHONE, Expects.PHONE)
    return True


# --- collecting details ---------------------------------------------------------------------------


def _has_details(u: Understanding) -> bool:
    return any(v is not None for v in (u.name, u.birth_date, u.birth_year, u.age, u.nationality))


def _corrected_name(previous: str, u: Understanding) -> str:
    """Apply "no, es Luis, no José": replace the rejected word(s) of the name we had; a lone word
    without a rejected one replaces the first given name; a full name replaces the whole name."""
    assert u.name is not None
    words = previous.split()
    if u.name_rejected:
        rejected = set(u.name_rejected)
        replaced = [u.name.raw if fold(w) in rejected else w for w in words]
        if replaced != words:
            # The new word stands where the first rejected word stood; drop any others rejected.
            out, done = [], False
            for w, r in zip(words, replaced, strict=True):
                if r != w:
                    if not done:
                        out.append(u.name.raw)
                        done = True
                else:
                    out.append(w)
            return " ".join(out)
    if len(u.name.tokens) == 1 and len(words) > 1:
        return " ".join([u.name.raw, *words[1:]])
    surnames = _surnames_of(previous)
    if surnames and _name_part(u.name.raw) == "given":
        # "me equivoqué, el nombre es Santiago Rolando": given names only replace the given names.
        return f"{u.name.raw} {surnames}"
    return u.name.raw


def _surnames_of(name: str) -> str:
    """The surnames of a name written given names first: the words after the leading given names
    (at least one given name is assumed). Empty when the name has no surname to keep."""
    words = name.split()
    i = 1
    while i < len(words) and (fold(words[i]) in COMMON_GIVEN_NAMES or fold(words[i]) in NICKNAMES):
        i += 1
    return " ".join(words[i:])


def _concluded(st: dict[str, Any]) -> bool:
    """The last search got its answer or its case (nothing is being asked, nothing is missing)."""
    return st.get("asking") is None and bool(st.get("details", {}).get("name")) and st.get("outcome") is not None


def _name_part(raw: str) -> str:
    """'given' (given names only), 'surnames' (one or two words, not starting with a given name), or
    'full'. Only used to join a name sent in pieces over several messages."""
    words = [w for w in fold(raw).split() if w not in PARTICLES]
    if not words:
        return "full"
    given = [w in COMMON_GIVEN_NAMES or w in NICKNAMES for w in words]
    if all(given):
        return "given"
    if not given[0] and len(words) <= 2:
        return "surnames"
    return "full"


def _completed_name(previous: str, new: str) -> str:
    """A name sent in pieces ("se llama Jesús" ... "Velázquez Yáñez") is one name (SPEC 4: one
    message or several, in any order). A lone word after a full name is not a new name: it is an
    unreadable answer to the question asked and must not silently replace the name. Anything else
    is the relative writing the name again."""
    before, after = _name_part(previous), _name_part(new)
    if not set(fold(previous).split()) & set(fold(new).split()):
        if before == "given" and after == "surnames":
            return f"{previous} {new}"
        if before == "surnames" and after == "given":
            return f"{new} {previous}"
    if before == "full" and len([w for w in fold(new).split() if w not in PARTICLES]) == 1:
        return previous
    surnames = _surnames_of(previous)
    if before == "full" and after == "given" and surnames:
        # "Busco a Fabián Barrios Mendoza" ... "disculpe, se llama Nelson Selvin": given names only
        # replace the given names; the surnames stay.
        return f"{new} {surnames}"
    return new


def _merge(details: dict[str, Any], u: Understanding, today: date) -> bool:
    """Take what this message says; newer statements (and corrections) replace older ones."""
    changed = False

    def put(key: str, value: Any) -> None:
        nonlocal changed
        if value is not None and details.get(key) != value:
            details[key] = value
            changed = True

    if u.name is not None:
        previous = details.get("name")
        if previous and u.is_correction and "name" in u.corrected:
            put("name", _corrected_name(previous, u))
        elif previous:
            put("name", _completed_name(previous, u.name.raw))
        else:
            put("name", u.name.raw)
    if u.birth_date is not None:
        put("birth_date", u.birth_date.isoformat())
        if u.age is None:
            details.pop("age", None)
    if u.age is not None:
        put("age", u.age)
    elif u.birth_year is not None and u.birth_date is None:
        put("age", today.year - u.birth_year)  # a year alone is an age, to within a year
    if u.nationality_rejected and details.get("nationality") == u.nationality_rejected and not u.nationality:
        details.pop("nationality")
        changed = True
    put("nationality", u.nationality)
    put("relationship", u.relationship)
    put("relative_name", u.relative_name)
    return changed


def _question_for(t: ModuleType, field_name: str, *, again: bool) -> str:
    return {
        ("name", False): t.ASK_NAME,
        ("name", True): t.ASK_NAME_AGAIN,
        ("birth", False): t.ASK_BIRTH,
        ("birth", True): t.ASK_BIRTH_AGAIN,
        ("nationality", False): t.ASK_NATIONALITY,
        ("nationality", True): t.ASK_NATIONALITY_AGAIN,
        ("birth_full", False): t.ASK_BIRTH_FULL,
        ("birth_full", True): t.ASK_BIRTH_AGAIN,
        ("phone", False): t.ASK_PHONE,
        ("phone", True): t.ASK_PHONE_AGAIN,
    }[(field_name, again)]


def _missing(details: dict[str, Any]) -> str | None:
    if not details.get("name"):
        return "name"
    if not details.get("birth_date") and details.get("age") is None:
        return "birth"
    if not details.get("birth_date") and not details.get("nationality"):
        return "nationality"
    return None


def _say(turn: Turn, text: str) -> None:
    """A question, after the turn's one short courtesy phrase (said once)."""
    turn.replies.append(f"{turn.courtesy} {text}" if turn.courtesy else text)
    turn.courtesy = ""


def _ask(st: dict[str, Any], turn: Turn, field_name: str, *, progressed: bool) -> Turn:
    again = st.get("asking") == field_name and not progressed
    st["failures"] = st["failures"] + 1 if again else 0
    st["asking"] = field_name
    if st["failures"] >= MAX_FAILURES:
        _offer(turn, turn.t.OFFER_HUMAN_AFTER_FAILURES, Expects.HUMAN)
        turn.events.append("offered_human")
        st["failures"] = 0
        return turn
    _say(turn, _question_for(turn.t, field_name, again=again))
    return turn


def _next_step(st: dict[str, Any], turn: Turn, ports: Ports, config: PolicyConfig | None, *,
               progressed: bool, greeting_only: bool, first_contact: bool, dont_know: bool = False) -> Turn:
    details = st["details"]
    missing = _missing(details)
    asking = st.get("asking")
    if dont_know and details.get("name") and asking in ("birth", "nationality", "birth_full") and not progressed:
        # "No sé" is an honest answer, not a failed one: decide with what was said (short of a
        # proof, a person reviews the case), and never ask the same question again.
        return _decide(st, turn, ports, config, may_ask=False)
    if missing is not None:
        return _ask(st, turn, missing, progressed=progressed or first_contact or greeting_only)
    asked_for = {"birth_full": "birth_date", "nationality": "nationality"}.get(asking or "")
    if asked_for and not details.get(asked_for):
        # The question we asked after the first answers is still open.
        if greeting_only or not progressed:
            return _ask(st, turn, asking or "", progressed=greeting_only)
        return _decide(st, turn, ports, config, may_ask=False)  # something else instead: decide with it
    return _decide(st, turn, ports, config, may_ask=not st.get("birth_full_asked"))


def _case_details(st: dict[str, Any]) -> dict[str, Any]:
    return dict(st.get("details") or {})


def _remember_case(st: dict[str, Any], ref: str) -> None:
    if ref not in st["cases"]:
        st["cases"].append(ref)


def _decide(st: dict[str, Any], turn: Turn, ports: Ports, config: PolicyConfig | None, *, may_ask: bool) -> Turn:
    details = st["details"]
    judgement = judge(details, st, ports, config, may_ask_birth_date=may_ask and not st.get("birth_full_asked"),
                      may_ask_nationality=may_ask and not st.get("nationality_asked"), earlier=turn.effects)
    decision = judgement.decision
    turn.effects.extend(judgement.effects)
    st["failures"] = 0
    turn.events.extend(["failed_proof"] * judgement.failed_proofs)
    if isinstance(decision, AskNationality):
        st["asking"] = "nationality"
        st["nationality_asked"] = True
        _say(turn, turn.t.ASK_NATIONALITY)
        turn.events.append("ask:nationality")
        return turn
    if isinstance(decision, AskBirthDate):
        st["asking"] = "birth_full"
        st["birth_full_asked"] = True
        _say(turn, turn.t.ASK_BIRTH_FULL)
        turn.events.append("ask:birth_full")
        return turn

    st["asking"] = None
    st["outcome"] = "disclosed" if isinstance(decision, Disclose) else getattr(decision, "reason", None)
    if isinstance(decision, Disclose):
        text = disclosure_text(decision.candidate, ports.tz, texts.lang_of(st))
        turn.effects.append(fx.RecordDisclosure(decision.candidate.person_id, text))
        turn.effects.append(fx.RecordInquiry(dict(details), decision.candidate.person_id, "disclosed"))
        turn.replies.append(text)
        _offer(turn, turn.t.OFFER_SUBSCRIPTION, Expects.YES_NO)
        st["awaiting"] = "subscription"
        st["offer"] = {"person_id": decision.candidate.person_id, "case": None}
        turn.events.append("disclosed")
        return turn

    assert isinstance(decision, Escalate)
    ref = fx.open_case(turn.effects, ports, decision.reason, decision.priority, decision.person_id, details)
    _remember_case(st, ref)
    turn.effects.append(fx.RecordInquiry(dict(details), decision.person_id, f"case:{decision.reason}"))
    turn.events.append(f"case:{decision.reason}")
    if decision.reason == "death_notification":
        # Only that a person needs to speak with them; no offer, no hint.
        turn.replies.append(turn.t.render(turn.t.TEAM_WILL_CALL, reference=ref))
        if not ports.callback_number_known() and ref not in st.setdefault("phone_asked", []):
            # Web chat, Telegram: the person who will call needs a number (SPEC 5), asked once per
            # case; after the other persons of the message, so that none of them waits on it.
            st["phone_asked"].append(ref)
            st["phone_case"] = ref
        if st.get("queue"):
            return _start_next(st, turn, ports, config)
        _ask_phone_if_pending(st, turn)
        return turn
    turn.replies.append(turn.t.render(turn.t.ESCALATED, reference=ref))
    _offer(turn, turn.t.OFFER_SUBSCRIPTION, Expects.YES_NO)
    st["awaiting"] = "subscription"
    # Only a relative who showed they know the person (the record is just not yet verified) may
    # follow that record; anyone else follows their case, which a person reviews.
    follows = decision.person_id if decision.reason == "unconfirmed" else None
    st["offer"] = {"person_id": follows, "case": ref}
    return turn
