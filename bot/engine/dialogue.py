"""One turn of the conversation: (state, message, ports) -> replies and the new state.

State is a plain JSON dict stored on the conversation row, so any process can serve any turn:
  welcomed           the two-line welcome was sent
  details            what the relative told us: name, birth_date (ISO), age, nationality,
                     relationship, relative_name
  asking             the question we asked last: name | birth | nationality | distinguishing | None
  failures           consecutive failed answers to ``asking``
  awaiting           "subscription" after an answer or a case, with ``offer`` = {person_id, case}
  cases              references of this conversation's cases (for CASO without a code)

Order of questions: the name, then the birth date (or an age and the nationality), always, whatever
the roster holds: asking only when a name is on the list would reveal who is on it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot import texts_es as T
from bot.engine.ports import Ports
from bot.language.commands import Command
from bot.language.lexicon import COMMON_GIVEN_NAMES
from bot.language.names import NICKNAMES, PARTICLES
from bot.language.parse import Understanding, parse_message
from bot.matching.keys import fold
from bot.policy import AskDistinguishing, Disclose, Escalate, PolicyConfig, Stated, decide, disclosure_text

MAX_FAILURES = 2  # after two failed attempts, offer a human


@dataclass
class Inbound:
    text: str | None
    media_kind: str | None = None  # voice, photo, sticker, video, document...


@dataclass
class Turn:
    replies: list[str]
    state: dict[str, Any]
    events: list[str] = field(default_factory=list)  # what happened, for metrics and tests


def respond(state: dict[str, Any], message: Inbound, ports: Ports, config: PolicyConfig | None = None) -> Turn:
    st = copy.deepcopy(state) if state else {}
    st.setdefault("details", {})
    st.setdefault("failures", 0)
    st.setdefault("cases", [])
    turn = Turn(replies=[], state=st)
    first_contact = not st.get("welcomed")
    if first_contact:
        turn.replies.append(T.WELCOME)
        st["welcomed"] = True

    if message.media_kind and not (message.text or "").strip():
        turn.replies.append(T.MEDIA_UNREADABLE)
        turn.events.append("media")
        return turn

    u = parse_message(message.text or "", ports.today)  # ages and "del 96" read on the hotline's date
    if u.command is not None:
        return _command(u, st, turn, ports, config)

    if st.get("awaiting") == "subscription":
        if u.answer is not None and not _has_details(u):
            return _answer_subscription(u.answer == "yes", st, turn, ports)
        if not _has_details(u):
            # Not an answer: repeat the offer rather than guess.
            turn.replies.append(T.OFFER_SUBSCRIPTION)
            return turn
        # New details after an answer: a new search, or a correction of the last one.
        st.pop("awaiting", None)
        st.pop("offer", None)
        if u.name is not None and not u.is_correction:
            st["details"] = {}

    if u.language not in ("es", None) and not _has_details(u):
        turn.replies.append(T.OTHER_LANGUAGE)
        return turn

    if _concluded(st) and st.get("outcome") == "disclosed" and not _has_details(u) and (u.greeting or u.thanks):
        # "gracias", "hola" after an answer: no new search, no second disclosure. (After a case, the
        # same honest words again: an anxious relative should hear the same thing each time.)
        turn.replies.append(T.AFTER_ANSWER)
        return turn

    if (_concluded(st) and u.name is not None and not u.is_correction
            and _completed_name(st["details"]["name"], u.name.raw) != st["details"]["name"]):
        # The last search ended (an answer or a case) and another name comes: a new search. What was
        # said about the previous person (birth date, age, nationality) must never vouch for this one.
        st["details"] = {k: v for k, v in st["details"].items() if k == "relative_name"}

    progressed = _merge(st["details"], u, ports.today)
    if u.is_correction and progressed:
        turn.replies.append(T.CORRECTION_NOTED)
    return _next_step(st, turn, ports, config, progressed=progressed, greeting_only=u.greeting and not progressed,
                      first_contact=first_contact)


# --- commands -------------------------------------------------------------------------------------


def _command(u: Understanding, st: dict[str, Any], turn: Turn, ports: Ports,
             config: PolicyConfig | None = None) -> Turn:
    cmd = u.command
    turn.events.append(f"command:{cmd.value if cmd else ''}")
    if cmd is Command.OPT_OUT:
        ports.opt_out()
        turn.replies[:] = [T.OPTED_OUT]
        st.pop("awaiting", None)
        return turn
    if cmd is Command.HELP or cmd is Command.MENU:
        turn.replies.append(T.HELP)
        return turn
    if cmd is Command.START:
        if not turn.replies:
            turn.replies.append(T.WELCOME)
        turn.replies.append(T.ASK_NAME)
        st["asking"] = "name"
        return turn
    if cmd is Command.HUMAN:
        person_id = (st.get("offer") or {}).get("person_id")
        ref = ports.open_case("asked_for_person", "normal", person_id, _case_details(st))
        _remember_case(st, ref)
        turn.replies.append(T.render(T.HUMAN_REQUESTED, reference=ref))
        turn.events.append("case:asked_for_person")
        return turn
    if cmd is Command.CASE:
        ref = (u.case_code or "").upper() or (st["cases"][-1] if st["cases"] else "")
        if not ref:
            turn.replies.append(T.CASE_ASK_CODE)
            return turn
        status = ports.case_status(ref)
        turn.replies.append(T.render(T.CASE_STATUS[status], reference=ref) if status
                            else T.render(T.CASE_NOT_FOUND, reference=ref))
        return turn
    if cmd is Command.NEW_SEARCH:
        st["details"] = {}
        st.pop("awaiting", None)
        st.pop("offer", None)
        st["asking"] = "name"
        st["failures"] = 0
        turn.replies.append(T.NEW_SEARCH)
        return turn
    if cmd in (Command.YES, Command.NO):
        if st.get("awaiting") == "subscription":
            return _answer_subscription(cmd is Command.YES, st, turn, ports)
        if _concluded(st):
            # "¿Está bien?" after an answer or a case is not a new search: the same honest answer again.
            return _decide(st, turn, ports, config)
        turn.replies.append(_question_for(st.get("asking") or "name", again=False))
        return turn
    turn.replies.append(T.HELP)
    return turn


def _answer_subscription(yes: bool, st: dict[str, Any], turn: Turn, ports: Ports) -> Turn:
    offer = st.pop("offer", None) or {}
    st.pop("awaiting", None)
    if yes:
        ports.subscribe(offer.get("person_id"), offer.get("case"))
        turn.replies.append(T.SUBSCRIBED)
        turn.events.append("subscribed")
    else:
        turn.replies.append(T.NOT_SUBSCRIBED)
    turn.replies.append(T.ANYTHING_ELSE)
    return turn


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
    return u.name.raw


def _concluded(st: dict[str, Any]) -> bool:
    """The last search got its answer or its case (nothing is being asked, nothing is missing)."""
    return st.get("asking") is None and bool(st.get("details")) and _missing(st["details"]) is None


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


def _question_for(field_name: str, *, again: bool) -> str:
    return {
        ("name", False): T.ASK_NAME,
        ("name", True): T.ASK_NAME_AGAIN,
        ("birth", False): T.ASK_BIRTH,
        ("birth", True): T.ASK_BIRTH_AGAIN,
        ("nationality", False): T.ASK_NATIONALITY,
        ("nationality", True): T.ASK_NATIONALITY_AGAIN,
        ("distinguishing", False): T.ASK_DISTINGUISHING,
        ("distinguishing", True): T.ASK_BIRTH_AGAIN,
    }[(field_name, again)]


def _missing(details: dict[str, Any]) -> str | None:
    if not details.get("name"):
        return "name"
    if not details.get("birth_date") and details.get("age") is None:
        return "birth"
    if not details.get("birth_date") and not details.get("nationality"):
        return "nationality"
    return None


def _ask(st: dict[str, Any], turn: Turn, field_name: str, *, progressed: bool) -> Turn:
    again = st.get("asking") == field_name and not progressed
    st["failures"] = st["failures"] + 1 if again else 0
    st["asking"] = field_name
    if st["failures"] >= MAX_FAILURES:
        turn.replies.append(T.OFFER_HUMAN_AFTER_FAILURES)
        turn.events.append("offered_human")
        st["failures"] = 0
        return turn
    turn.replies.append(_question_for(field_name, again=again))
    return turn


def _next_step(st: dict[str, Any], turn: Turn, ports: Ports, config: PolicyConfig | None, *,
               progressed: bool, greeting_only: bool, first_contact: bool) -> Turn:
    details = st["details"]
    missing = _missing(details)
    if greeting_only and not first_contact:
        progressed = True  # a greeting is not a failed answer; ask the current question again
    if st.get("asking") == "distinguishing" and missing is None:
        if not details.get("birth_date"):
            return _ask(st, turn, "distinguishing", progressed=progressed)
    if missing is not None:
        return _ask(st, turn, missing, progressed=progressed or first_contact)
    return _decide(st, turn, ports, config)


def _stated(details: dict[str, Any]) -> Stated:
    birth = details.get("birth_date")
    return Stated(
        birth_date=date.fromisoformat(birth) if birth else None,
        age=details.get("age"),
        nationality=details.get("nationality"),
    )


def _case_details(st: dict[str, Any]) -> dict[str, Any]:
    return dict(st.get("details") or {})


def _remember_case(st: dict[str, Any], ref: str) -> None:
    if ref not in st["cases"]:
        st["cases"].append(ref)


def _decide(st: dict[str, Any], turn: Turn, ports: Ports, config: PolicyConfig | None) -> Turn:
    details = st["details"]
    candidates = ports.find_candidates(details["name"])
    conflicts = frozenset(st.get("conflicts", ()))
    decision = decide(_stated(details), candidates, ports.persons_looked_up(), ports.today, config, conflicts)
    st["failures"] = 0
    if isinstance(decision, Escalate) and decision.reason == "conflicting_details" and decision.person_id:
        # Remembered for this contact (also across OTRA): guessing again is for a person to review.
        st["conflicts"] = sorted(conflicts | {decision.person_id})

    if isinstance(decision, AskDistinguishing):
        if st.get("asking") == "distinguishing":
            decision = Escalate("ambiguous")  # asked once already and still not told apart
        else:
            st["asking"] = "distinguishing"
            turn.replies.append(T.ASK_DISTINGUISHING)
            turn.events.append("ask:distinguishing")
            return turn

    st["asking"] = None
    st["outcome"] = "disclosed" if isinstance(decision, Disclose) else getattr(decision, "reason", None)
    if isinstance(decision, Disclose):
        text = disclosure_text(decision.candidate, ports.tz)
        ports.record_disclosure(decision.candidate.person_id, text)
        ports.record_inquiry(details, decision.candidate.person_id, "disclosed")
        turn.replies.append(text)
        turn.replies.append(T.OFFER_SUBSCRIPTION)
        st["awaiting"] = "subscription"
        st["offer"] = {"person_id": decision.candidate.person_id, "case": None}
        turn.events.append("disclosed")
        return turn

    assert isinstance(decision, Escalate)
    ref = ports.open_case(decision.reason, decision.priority, decision.person_id, details)
    _remember_case(st, ref)
    ports.record_inquiry(details, decision.person_id, f"case:{decision.reason}")
    turn.events.append(f"case:{decision.reason}")
    if decision.reason == "death_notification":
        # Only that a person needs to speak with them; no offer, no hint.
        turn.replies.append(T.render(T.TEAM_WILL_CALL, reference=ref))
        return turn
    turn.replies.append(T.render(T.ESCALATED, reference=ref))
    turn.replies.append(T.OFFER_SUBSCRIPTION)
    st["awaiting"] = "subscription"
    # Only a relative who showed they know the person (the record is just not yet verified) may
    # follow that record; anyone else follows their case, which a person reviews.
    follows = decision.person_id if decision.reason == "unconfirmed" else None
    st["offer"] = {"person_id": follows, "case": ref}
    return turn
