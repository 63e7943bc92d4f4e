"""The disclosure policy (SPEC section 5), in one place, to be read line by line against the SPEC.

The bot may state a person's status only when ALL hold:
  1. exactly one record matches (strong name match) and no other record is a close candidate;
  2. the relative shows they know the person (birth date exact or day/month swapped, or age ±1
     together with the nationality) and nothing they stated conflicts with the record;
  3. the record is not restricted, its status is verified (has a source) and is not deceased;
  4. the contact is under its lookup limit.
A contact that once stated details contradicting a record cannot unlock it by stating other details
later (a correction, or a guess): that record is for the person reviewing the case.
Otherwise: ask for the distinguishing detail (several candidates), or open a case; a deceased
record opens an URGENT case and the bot never states or hints at the death.

Pure: plain values in, a decision out. No database, no channel, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot import texts_es as T

AGE_TOLERANCE_YEARS = 1
CLOSE_CANDIDATE_SCORE = 0.75  # a non-strong record this close also blocks disclosure (rule 1)


@dataclass(frozen=True)
class Stated:
    """What the relative stated about the person they seek."""

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


@dataclass(frozen=True)
class AskDistinguishing:
    """Several records fit: ask for the birth date (never list the candidates)."""


@dataclass(frozen=True)
class Disclose:
    candidate: Candidate


@dataclass(frozen=True)
class Escalate:
    reason: str  # one of db.models.CASE_REASONS
    person_id: int | None = None
    priority: str = "normal"


Decision = AskDistinguishing | Disclose | Escalate


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


def record_age(c: Candidate, today: date) -> int | None:
    if c.birth_date is not None:
        return age_on(c.birth_date, today)
    return c.approx_age


def stated_age(s: Stated, today: date) -> int | None:
    if s.age is not None:
        return s.age
    return age_on(s.birth_date, today) if s.birth_date is not None else None


def conflicts(s: Stated, c: Candidate, today: date) -> bool:
    """Anything the relative stated that contradicts the record blocks disclosure."""
    if s.nationality and c.nationality and s.nationality != c.nationality:
        return True
    if s.birth_date and c.birth_date and not birth_dates_match(s.birth_date, c.birth_date):
        return True
    rec_age = record_age(c, today)
    if s.age is not None and rec_age is not None and abs(s.age - rec_age) > AGE_TOLERANCE_YEARS:
        return True
    if s.birth_date and c.birth_date is None and c.approx_age is not None:
        if abs(age_on(s.birth_date, today) - c.approx_age) > AGE_TOLERANCE_YEARS:
            return True
    return False


def knows_the_person(s: Stated, c: Candidate, today: date) -> bool:
    """Birth date exact (or day/month swapped), or age ±1 together with the nationality."""
    if s.birth_date and c.birth_date and birth_dates_match(s.birth_date, c.birth_date):
        return True
    age, rec_age = stated_age(s, today), record_age(c, today)
    return (
        age is not None
        and rec_age is not None
        and abs(age - rec_age) <= AGE_TOLERANCE_YEARS
        and s.nationality is not None
        and s.nationality == c.nationality
    )


# --- the decision -------------------------------------------------------------------------------


def decide(
    stated: Stated,
    candidates: list[Candidate],
    persons_already_looked_up: set[int],
    today: date,
    config: PolicyConfig | None = None,
    persons_in_conflict: frozenset[int] = frozenset(),
) -> Decision:
    """``persons_in_conflict``: records this contact already stated contradicting details about.
    Trying other birth dates or ages until one fits must not unlock a record: a person reviews."""
    config = config or PolicyConfig()
    strong = [c for c in candidates if c.strong]
    if not strong:
        return Escalate("no_match")

    fitting = [c for c in strong if not conflicts(stated, c, today)]
    if not fitting:
        return Escalate("conflicting_details", person_id=strong[0].person_id if len(strong) == 1 else None)
    if len(fitting) > 1:
        # Rule 1: several records fit what was said. A birth date may single one out.
        if stated.birth_date is None:
            return AskDistinguishing()
        return Escalate("ambiguous")

    chosen = fitting[0]
    close_others = [
        c for c in candidates
        if c.person_id != chosen.person_id and c.score >= config.close_score and not conflicts(stated, c, today)
    ]
    if close_others:
        return Escalate("ambiguous")

    if chosen.person_id in persons_in_conflict or not knows_the_person(stated, chosen, today):
        return Escalate("conflicting_details", person_id=chosen.person_id)

    # Rule 3 and 4, in the order that protects people most.
    if chosen.restricted:
        return Escalate("restricted", person_id=chosen.person_id)
    over_limit = (
        chosen.person_id not in persons_already_looked_up
        and len(persons_already_looked_up) >= config.lookup_limit
    )
    if over_limit:
        return Escalate("abuse_limit", person_id=chosen.person_id)
    if chosen.status == "deceased":
        return Escalate("death_notification", person_id=chosen.person_id, priority="urgent")
    if chosen.status == "unconfirmed" or not (chosen.source and chosen.source.strip()):
        return Escalate("unconfirmed", person_id=chosen.person_id)
    if chosen.status not in T.STATUS_TEXT:  # an unknown status is never guessed at
        return Escalate("unconfirmed", person_id=chosen.person_id)
    return Disclose(chosen)


def disclosure_text(c: Candidate, tz: ZoneInfo) -> str:
    """Name as recorded, status in plain Spanish, location verbatim, when and by whom verified.
    Never medical detail, document numbers, notes, or anything about another person."""
    assert c.status in T.STATUS_TEXT and c.status != "deceased"
    when = c.verified_at
    verified_on = (
        format_datetime(when.astimezone(tz), "d 'de' MMMM 'de' y, HH:mm", locale="es") if when else "fecha no registrada"
    )
    return T.render(
        T.DISCLOSURE,
        name=c.name,
        status_text=T.STATUS_TEXT[c.status],
        location=(c.location or T.NO_LOCATION).strip(),
        verified_on=verified_on,
        source=(c.source or "").strip(),
    )
