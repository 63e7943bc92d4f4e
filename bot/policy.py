"""The disclosure policy (SPEC section 5), in one place, to be read line by line against the SPEC.

Official lists are published with names, nationalities and often ages, so the proof that a relative
knows the person rests on what a list does not publish. The bot may state a person's status only
when ALL hold:
  1. exactly one record matches (strong name match) and no other record is a close candidate;
  2. the relative shows they know the person: the birth date matches (exactly, or day and month
     swapped). Only where the record has no birth date does an age within ±1 year together with the
     nationality count. Nothing stated about the person conflicts with the record;
  3. only what is said about the sought person counts (the parser keeps the relative's own age,
     nationality and name, other people and the places of a story out of ``Stated``);
  4. the record is not restricted, its status is verified (has a source) and is not deceased;
  5. the contact is under its lookup limit;
  6. the person is not under proof lock (3 failed proofs in 7 days, across all contacts and
     channels, until an operator clears it): then every inquiry about the person opens a
     high-priority "proof_attempts" case, with the same words as any case.
A contact that once stated details contradicting a record cannot unlock it by stating other details
later (a correction, or a guess): that record is for the person reviewing the case.
Otherwise: ask for the birth date (the same words whatever the roster holds), or open a case; a
deceased record opens an URGENT case and the bot never states or hints at the death.

Pure: plain values in, a decision out. No database, no channel, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot import texts
from bot import texts_es as T
from common.vocab import CaseReason

AGE_TOLERANCE_YEARS = 1  # a stated age proves (records without a birth date) within this
AGE_CONFLICT_YEARS = 2  # on a record WITH a birth date, a stated age conflicts only beyond this
CLOSE_CANDIDATE_SCORE = 0.75  # a non-strong record this close also blocks disclosure (rule 1)

# Reasons that mean "the relative has not (yet) shown they know the person". While the relative has
# not given a birth date and has not said they do not know it, the bot asks for it instead of
# opening a case: the same question whatever the roster holds, so that nothing reveals the list.
UNPROVEN_REASONS = frozenset({"no_match", "ambiguous", "conflicting_details", "no_proof", "proof_attempts"})
# ... and the cases a proof leads to but that tell nothing (restricted, unconfirmed, limit): asking
# there too keeps the questions the same as for an unlisted name (only a disclosure, or the call a
# death needs, ends the questions early, and both need the proof).
ASKING_REASONS = UNPROVEN_REASONS | {"restricted", "unconfirmed", "abuse_limit"}

# Inquiry outcomes (``disclosed``, or ``case:`` and the reason of the case) reached only after the
# relative showed they know the person. The lookup limit (rule 5) counts these alone: counting a name
# that merely matched a record (no proof yet) would let a stranger tell a listed name from an
# unlisted one by when the limit starts to bite. The one home of the rule: the engine counts a turn's
# own inquiries with it, and the service passes it to the stored inquiries' query
# (db.repositories.conversations.persons_looked_up_since; db may not import bot).
PROVEN_OUTCOMES: frozenset[str] = frozenset({"disclosed", *(f"case:{reason}" for reason in (
    CaseReason.UNCONFIRMED, CaseReason.RESTRICTED, CaseReason.DEATH_NOTIFICATION, CaseReason.ABUSE_LIMIT))})


@dataclass(frozen=True)
class Stated:
    """What the relative stated about the person they seek (never about themselves)."""

    birth_date: date | None = None
    age: int | None = None
    nationality: str | None = None  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class Candidate:
    """A record the name search returned, with what the policy needs to know of it."""

    person_id: int
    name: str  # as recorded
    score: float
    strong: bool
    nationality: str | None
    birth_date: date | None
    approx_age: int | None
    restricted: bool
    status: str
    location: str | None
    source: str | None
    verified_at: datetime | None
    listed_on: date | None = None  # when the list gave ``approx_age`` (the record's import)
    proof_locked: bool = False  # rule 6: failed proofs from any contact locked this person


@dataclass(frozen=True)
class AskBirthDate:
    """Ask for the sought person's full birth date (never say whether or how many records match)."""


@dataclass(frozen=True)
class AskNationality:
    """Ask for the sought person's country: a birth date proves a record without one only together
    with the nationality, and asking only then would reveal the record; so it is asked short of any
    proof, whatever the roster holds."""


@dataclass(frozen=True)
class Disclose:
    candidate: Candidate


@dataclass(frozen=True)
class Escalate:
    reason: str  # one of db.models.CASE_REASONS
    person_id: int | None = None
    priority: str = "normal"


Decision = AskBirthDate | AskNationality | Disclose | Escalate


@dataclass(frozen=True)
class PolicyConfig:
    lookup_limit: int = 5
    close_score: float = CLOSE_CANDIDATE_SCORE


# --- rule 2: knowing the person, and conflicts ------------------------------------------------------


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _swapped(d: date) -> date | None:
    try:
        return date(d.year, d.day, d.month)
    except ValueError:
        return None


def birth_dates_match(stated: date, recorded: date) -> bool:
    return stated == recorded or _swapped(stated) == recorded


def stated_age(s: Stated, today: date) -> int | None:
    """The age the relative stated; a birth date given for a record with only an age counts as that age."""
    if s.age is not None:
        return s.age
    return age_on(s.birth_date, today) if s.birth_date is not None else None


def listed_ages(c: Candidate, today: date) -> tuple[int, ...]:
    """A listed age, both as listed and carried forward to today (lists are weeks or years old)."""
    if c.approx_age is None:
        return ()
    if c.listed_on is None or c.listed_on >= today:
        return (c.approx_age,)
    return (c.approx_age, c.approx_age + age_on(c.listed_on, today))


def _age_fits_list(age: int, c: Candidate, today: date) -> bool:
    return any(abs(age - listed) <= AGE_TOLERANCE_YEARS for listed in listed_ages(c, today))


def conflicts(s: Stated, c: Candidate, today: date) -> bool:
    """Anything the relative stated about the person that contradicts the record blocks disclosure."""
    if s.nationality and c.nationality and s.nationality != c.nationality:
        return True
    if c.birth_date is not None:
        if s.birth_date is not None and not birth_dates_match(s.birth_date, c.birth_date):
            return True
        return s.age is not None and abs(s.age - age_on(c.birth_date, today)) > AGE_CONFLICT_YEARS
    age = stated_age(s, today)
    return age is not None and c.approx_age is not None and not _age_fits_list(age, c, today)


def knows_the_person(s: Stated, c: Candidate, today: date) -> bool:
    """The birth date wherever the record has one; only for a record without one, the age ±1
    (as listed or carried forward) together with the nationality."""
    if c.birth_date is not None:
        return s.birth_date is not None and birth_dates_match(s.birth_date, c.birth_date)
    age = stated_age(s, today)
    return (
        age is not None
        and _age_fits_list(age, c, today)
        and s.nationality is not None
        and s.nationality == c.nationality
    )


def _fails_proof(s: Stated, c: Candidate, today: date) -> bool:
    """A failed proof (SPEC 5): a birth date that does not match, or, for a record without a birth
    date, an age or nationality that conflicts. A correct age with nationality on a record with a
    birth date proves nothing and fails nothing."""
    if c.birth_date is not None:
        return s.birth_date is not None and not birth_dates_match(s.birth_date, c.birth_date)
    if s.nationality and c.nationality and s.nationality != c.nationality:
        return True
    age = stated_age(s, today)
    return age is not None and c.approx_age is not None and not _age_fits_list(age, c, today)


def failed_proofs(stated: Stated, candidates: list[Candidate], today: date) -> list[int]:
    """The persons this statement failed a proof against (rule 6 counts them across contacts).

    A name that identifies one record: that record, when the details fail. Several namesakes: a
    birth date that fits one of them identifies it and fails nothing against the others; details
    that fit none of them count against each (otherwise stepping dates on a shared name would
    never lock anyone). A name on no record counts against no one."""
    strong = [c for c in candidates if c.strong]
    failing = [c for c in strong if _fails_proof(stated, c, today)]
    if len(failing) == len(strong):
        return [c.person_id for c in failing]
    return []


# --- the decision -------------------------------------------------------------------------------


def decide(
    stated: Stated,
    candidates: list[Candidate],
    persons_already_looked_up: set[int],
    today: date,
    config: PolicyConfig | None = None,
    persons_in_conflict: frozenset[int] = frozenset(),
    *,
    may_ask_birth_date: bool = False,
    may_ask_nationality: bool = False,
) -> Decision:
    """``persons_in_conflict``: records this contact already stated contradicting details about.
    ``may_ask_*``: the detail was not given and not yet asked for (nor said to be unknown): any
    outcome short of a proof asks for it, with the same words whatever the roster holds."""
    decision = _decide(stated, candidates, persons_already_looked_up, today, config or PolicyConfig(),
                       persons_in_conflict)
    wanted = detail_to_ask(decision, stated)
    if wanted == "birth_date" and may_ask_birth_date:
        return AskBirthDate()
    if wanted == "nationality" and may_ask_nationality:
        return AskNationality()
    return decision


def detail_to_ask(decision: Decision, stated: Stated) -> str | None:
    """Short of a proof, the detail the bot asks for rather than open a case at once: a case here
    would tell a listed name from an unlisted one. The birth date first; then the nationality (with
    which a birth date or age proves a record that has no birth date)."""
    if not (isinstance(decision, Escalate) and decision.reason in ASKING_REASONS):
        return None
    if stated.birth_date is None:
        return "birth_date"
    if stated.nationality is None:
        return "nationality"
    return None


def _decide(stated: Stated, candidates: list[Candidate], looked_up: set[int], today: date,
            config: PolicyConfig, persons_in_conflict: frozenset[int]) -> Decision:
    strong = [c for c in candidates if c.strong]
    if not strong:
        return Escalate("no_match")
    if len(strong) == 1 and strong[0].proof_locked:
        return _locked(strong[0])

    fitting = [c for c in strong if not conflicts(stated, c, today)]
    if not fitting:
        return Escalate("conflicting_details", person_id=strong[0].person_id if len(strong) == 1 else None)
    if len(strong) > 1:
        # Rule 1: several records carry the name. Only a birth date may single one out (an age or a
        # country that rules the others out is what a published list shows).
        if stated.birth_date is None:
            return AskBirthDate()
        fitting = [c for c in fitting if c.birth_date is not None and birth_dates_match(stated.birth_date, c.birth_date)]
        if len(fitting) != 1:
            return Escalate("ambiguous")

    chosen = fitting[0]
    if chosen.proof_locked:
        return _locked(chosen)
    close_others = [
        c for c in candidates
        if c.person_id != chosen.person_id and c.score >= config.close_score and not conflicts(stated, c, today)
    ]
    if close_others:
        return Escalate("ambiguous")
    if chosen.person_id in persons_in_conflict:
        return Escalate("conflicting_details", person_id=chosen.person_id)
    if not knows_the_person(stated, chosen, today):
        return Escalate("no_proof", person_id=chosen.person_id)

    # Rules 4 and 5, in the order that protects people most.
    if chosen.restricted:
        return Escalate("restricted", person_id=chosen.person_id)
    over_limit = chosen.person_id not in looked_up and len(looked_up) >= config.lookup_limit
    if over_limit:
        return Escalate("abuse_limit", person_id=chosen.person_id)
    if chosen.status == "deceased":
        return Escalate("death_notification", person_id=chosen.person_id, priority="urgent")
    if chosen.status == "unconfirmed" or not (chosen.source and chosen.source.strip()):
        return Escalate("unconfirmed", person_id=chosen.person_id)
    if chosen.status not in T.STATUS_TEXT:  # an unknown status is never guessed at
        return Escalate("unconfirmed", person_id=chosen.person_id)
    return Disclose(chosen)


def _locked(c: Candidate) -> Escalate:
    """Rule 6: under proof lock nobody hears the person's status (not even a deceased-only sentence)."""
    return Escalate("proof_attempts", person_id=c.person_id, priority="high")


def disclosure_text(c: Candidate, tz: ZoneInfo, lang: str = "es") -> str:
    """Name as recorded, status in plain words, location verbatim, when and by whom verified.
    Never medical detail, document numbers, notes, or anything about another person."""
    code = lang if lang in texts.LANGUAGES else "es"
    t = texts.catalogue(code)
    assert c.status in t.STATUS_TEXT and c.status != "deceased"
    when = c.verified_at
    verified_on = (
        format_datetime(when.astimezone(tz), texts.DATE_PATTERNS[code], locale=texts.BABEL_LOCALES[code])
        if when else t.NO_VERIFIED_DATE
    )
    return t.render(
        t.DISCLOSURE,
        name=c.name,
        status_text=t.STATUS_TEXT[c.status],
        location=(c.location or t.NO_LOCATION).strip(),
        verified_on=verified_on,
        source=(c.source or "").strip(),
    )
