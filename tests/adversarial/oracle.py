"""The disclosure policy of SPEC section 5, written from the SPEC alone (never from bot/policy.py):
for what a relative has said ABOUT THE SOUGHT PERSON so far, which disclosure the bot must make,
which ones would not be wrong, and which failed proofs the message adds to the per-person lock.

The oracle judges meaning, not text: the inquiry generator tells it what each message states about
each sought person (``Said``), whatever the spelling, and a relative's own age, nationality or name
and the places of a story are never in ``Said`` (rule 3).

Where the SPEC can be read two ways the oracle does not guess: it answers ``MAYBE`` and the harness
neither counts such a disclosure as wrong nor counts it in recall. The readings it keeps open:
- a name that matches one record on the given name and one surname but names another second
  surname ("at least one surname", rule 1) is a candidate only under the lenient reading;
- telling namesakes apart by age or nationality (the SPEC says so only for the birth date);
- a listed age carried forward by whole years or rounded years (±1 either way);
- an age exactly three years off on a record with a birth date ("more than 2 years");
- a failed proof about a name that a close record (surnames swapped) or the lenient reading
  could make non-unique, or whose detail came in an earlier message than the name.
All data the oracle sees is FICTIONAL (tests.adversarial.roster).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from tests.adversarial.roster import LIST_DATE, Record
from tests.adversarial.vocab import fold


class Fit(enum.IntEnum):
    """Three-valued truth, ordered so that ``min`` is "and" and ``max`` is "or"."""

    NO = 0
    MAYBE = 1
    YES = 2


@dataclass(frozen=True)
class Name:
    """A name as the relative MEANS it (canonical given names, surnames in the order written)."""

    given: tuple[str, ...]
    surnames: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join((*self.given, *self.surnames))


@dataclass(frozen=True)
class Said:
    """What one message states about one sought person (rule 3: only about that person)."""

    name: Name | None = None
    birth_date: date | None = None
    birth_year: int | None = None
    age: int | None = None
    nationality: str | None = None
    dont_know: bool = False

    @property
    def details(self) -> bool:
        return any(v is not None for v in (self.birth_date, self.birth_year, self.age, self.nationality))


@dataclass(frozen=True)
class Facts:
    """Everything stated about one sought person so far. A corrected name replaces the name; every
    birth date, year, age and nationality stated is kept (a later one does not erase an earlier one
    that conflicts: "nothing they stated about the person conflicts")."""

    name: Name | None = None
    birth_dates: tuple[date, ...] = ()
    birth_years: tuple[int, ...] = ()
    ages: tuple[int, ...] = ()
    nationalities: tuple[str, ...] = ()

    def merged(self, said: Said) -> Facts:
        def add(values: tuple[Any, ...], value: Any) -> tuple[Any, ...]:
            return values if value is None or value in values else (*values, value)

        return Facts(
            name=said.name or self.name, birth_dates=add(self.birth_dates, said.birth_date),
            birth_years=add(self.birth_years, said.birth_year), ages=add(self.ages, said.age),
            nationalities=add(self.nationalities, said.nationality),
        )

    @property
    def details(self) -> bool:
        return bool(self.birth_dates or self.birth_years or self.ages or self.nationalities)


@dataclass(frozen=True)
class Verdict:
    must: str | None = None  # the record that must be disclosed now (certain)
    may: frozenset[str] = frozenset()  # disclosures that are not wrong now (``must`` included)
    call: str | None = None  # a deceased record whose proof passed: the team-will-call words are due
    call_may: frozenset[str] = frozenset()
    why: str = ""  # why nothing must be disclosed (for the reports)


@dataclass
class Failure:
    external_id: str
    certain: bool
    contact: str


def swap_day_month(day: date) -> date | None:
    try:
        swapped = date(day.year, day.day, day.month)
    except ValueError:
        return None
    return swapped


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _both(a: Fit, b: Fit) -> Fit:
    return a if a == b else Fit.MAYBE


@dataclass
class Oracle:
    records: Sequence[Record]
    today: date
    lookup_limit: int = 5
    lock_attempts: int = 3
    failures: dict[str, list[Failure]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {r.external_id: r for r in self.records}
        self._keys = {r.external_id: (tuple(fold(g) for g in r.given), tuple(fold(s) for s in r.surnames))
                      for r in self.records}
        listed = LIST_DATE.date()
        self._years_lo = age_on(listed, self.today)  # whole years since the list
        self._years_hi = self._years_lo + (1 if (listed.month, listed.day) != (self.today.month, self.today.day) else 0)

    # --- rule 1: who the name can be ------------------------------------------------------------------
    def candidates(self, name: Name) -> tuple[list[Record], list[Record], list[Record]]:
        """(strong, partial, reversed). Strong: every given name stated is one of the record's (a
        nickname is stated as its canonical name) and every surname stated is one of the record's,
        in the record's order. Partial: the given names and at least one surname, but another
        surname stated is not the record's (a candidate only under the lenient reading).
        Reversed: both surnames, in the other order ("Moreno Sánchez" is not "Sánchez Moreno")."""
        given = tuple(fold(g) for g in name.given)
        surnames = tuple(fold(s) for s in name.surnames)
        strong: list[Record] = []
        partial: list[Record] = []
        reversed_: list[Record] = []
        if not given or not surnames:
            return strong, partial, reversed_
        for r in self.records:
            r_given, r_surnames = self._keys[r.external_id]
            if not set(given) <= set(r_given):
                continue
            inside = [s for s in surnames if s in r_surnames]
            if not inside:
                continue
            if len(inside) == len(surnames):
                positions = [r_surnames.index(s) for s in surnames]
                if positions == sorted(positions):
                    strong.append(r)
                else:
                    reversed_.append(r)
            elif any(i < len(r_surnames) and s == r_surnames[i] for i, s in enumerate(surnames)):
                partial.append(r)  # "Hernández García" for "Hernández López": one surname in its place
        return strong, partial, reversed_

    # --- rule 2: what proves and what conflicts ---------------------------------------------------
    def listed_age_fit(self, r: Record, years: int) -> Fit:
        """A stated age against a record that has only an age: within ±1 of the age as listed, or
        carried forward to today (SPEC 5, "Ages"); carried forward by whole or rounded years."""
        assert r.age is not None
        if abs(years - r.age) <= 1:
            return Fit.YES
        lo, hi = abs(years - (r.age + self._years_lo)) <= 1, abs(years - (r.age + self._years_hi)) <= 1
        return Fit.YES if lo and hi else Fit.MAYBE if lo or hi else Fit.NO

    def birth_date_fit(self, r: Record, born: date) -> Fit:
        if r.birth_date is not None:
            return Fit.YES if born in (r.birth_date, swap_day_month(r.birth_date)) else Fit.NO
        # "A birth date or year given for a record that has only an age counts as that age": the age
        # it gives today, or (another reading) the age it gave on the list's date.
        assert r.age is not None
        on_list = Fit.YES if abs(age_on(born, LIST_DATE.date()) - r.age) <= 1 else Fit.NO
        return _both(self.listed_age_fit(r, age_on(born, self.today)), on_list)

    def birth_year_fit(self, r: Record, year: int) -> Fit:
        if r.birth_date is not None:
            return Fit.YES if year == r.birth_date.year else Fit.MAYBE  # a year alone is never generated for these
        ages = (self.today.year - year - 1, self.today.year - year)
        return _both(self.listed_age_fit(r, ages[0]), self.listed_age_fit(r, ages[1]))

    def age_fit(self, r: Record, years: int) -> Fit:
        """Consistency of a stated age: on a record with a birth date it never proves and conflicts
        only when it differs by more than 2 years."""
        if r.birth_date is None:
            return self.listed_age_fit(r, years)
        diff = abs(years - age_on(r.birth_date, self.today))
        return Fit.YES if diff <= 2 else Fit.MAYBE if diff == 3 else Fit.NO

    def nationality_fit(self, r: Record, code: str) -> Fit:
        return Fit.YES if r.nationality == code else Fit.NO

    def consistent(self, r: Record, f: Facts) -> Fit:
        """Nothing stated about the person conflicts with the record."""
        fits = [Fit.YES]
        fits += [self.birth_date_fit(r, d) for d in f.birth_dates]
        fits += [self.birth_year_fit(r, y) for y in f.birth_years]
        fits += [self.age_fit(r, a) for a in f.ages]
        fits += [self.nationality_fit(r, n) for n in f.nationalities]
        return min(fits)

    def proven(self, r: Record, f: Facts) -> Fit:
        """The birth date wherever the record has one; else an age within ±1 (stated, or from a
        birth date or year) together with the nationality."""
        if r.birth_date is not None:
            return max([Fit.NO, *(self.birth_date_fit(r, d) for d in f.birth_dates)])
        evidence = [Fit.NO]
        evidence += [self.birth_date_fit(r, d) for d in f.birth_dates]
        evidence += [self.birth_year_fit(r, y) for y in f.birth_years]
        evidence += [self.listed_age_fit(r, a) for a in f.ages]
        nationality = max([Fit.NO, *(self.nationality_fit(r, n) for n in f.nationalities)])
        return min(max(evidence), nationality)

    # --- rule 6: the proof lock -------------------------------------------------------------------
    def locked(self, external_id: str) -> Fit:
        found = self.failures.get(external_id, [])
        if sum(f.certain for f in found) >= self.lock_attempts:
            return Fit.YES
        return Fit.MAYBE if len(found) >= self.lock_attempts else Fit.NO

    def failed_proof(self, before: Facts, after: Facts, said: Said) -> Failure | None:
        """The failed proof this message adds, if any: it states, about a person whom the name
        identifies uniquely, a birth date that does not match (nor swapped), or, for a record without a
        birth date, an age or nationality that conflicts. A detail about a name on no record, or
        about namesakes, counts against no one. A message that only names the person counts (not
        certainly) when details stated before the name conflict."""
        if after.name is None:
            return None
        strong, partial, reversed_ = self.candidates(after.name)
        pool = strong or partial
        if len(pool) != 1:
            return None
        r = pool[0]
        stated = self._proof_conflict(r, Facts().merged(replace(said, name=None)))
        named_now = said.name is not None and said.name != before.name
        if stated == Fit.NO and not named_now:
            return None
        conflict = self._proof_conflict(r, after)
        if conflict == Fit.NO:
            return None
        certain = stated == Fit.YES and bool(strong) and not partial and not reversed_
        return Failure(r.external_id, certain, contact="")

    def _proof_conflict(self, r: Record, f: Facts) -> Fit:
        """Whether ``f`` holds a proof detail that conflicts with ``r`` (YES: certainly). On a
        record with a birth date only a birth date can fail the proof."""
        if r.birth_date is not None:
            fits = [self.birth_date_fit(r, d) for d in f.birth_dates]
        else:
            fits = [self.birth_date_fit(r, d) for d in f.birth_dates]
            fits += [self.birth_year_fit(r, y) for y in f.birth_years]
            fits += [self.listed_age_fit(r, a) for a in f.ages]
            fits += [self.nationality_fit(r, n) for n in f.nationalities]
        return Fit(2 - min(fits)) if fits else Fit.NO

    def record_failure(self, failure: Failure) -> None:
        self.failures.setdefault(failure.external_id, []).append(failure)

    # --- the verdict ------------------------------------------------------------------------------
    def verdict(self, f: Facts, looked_up: Iterable[str] = (), maybe_looked_up: Iterable[str] = ()) -> Verdict:
        """What the bot may do now about the person these facts describe (rules 1-6). ``looked_up``:
        the persons this contact certainly looked up already (rule 5); ``maybe_looked_up``: persons
        it may have (the oracle allowed them but the bot did not answer: did it look them up?)."""
        if f.name is None:
            return Verdict(why="no name yet")
        strong, partial, _ = self.candidates(f.name)
        pool = strong + partial
        if not pool:
            return Verdict(why="no match")
        looked = set(looked_up)
        maybe_looked = looked | set(maybe_looked_up)
        must: str | None = None
        may: set[str] = set()
        call: str | None = None
        call_may: set[str] = set()
        why = "no proof"
        for r in pool:
            fit = min(self.consistent(r, f), self.proven(r, f))
            if fit == Fit.NO:
                continue
            alone = self._alone(r, pool, f, strong)
            fit = min(fit, alone, Fit(2 - self.locked(r.external_id)))
            if r not in strong:
                fit = min(fit, Fit.MAYBE)
            if fit == Fit.NO:
                why = "several fit" if alone == Fit.NO else "locked"
                continue
            if r.external_id not in looked and len(looked) >= self.lookup_limit:
                why = "lookup limit"
                continue
            if r.external_id not in maybe_looked and len(maybe_looked) >= self.lookup_limit:
                fit = min(fit, Fit.MAYBE)
            if not r.verified or r.restricted:
                why = "restricted" if r.restricted else "unconfirmed"
                continue
            if r.status == "deceased":
                call_may.add(r.external_id)
                if fit == Fit.YES:
                    call = r.external_id
                why = "deceased"
                continue
            may.add(r.external_id)
            if fit == Fit.YES:
                must = r.external_id
        if must is None and may:
            why = "uncertain"
        return Verdict(must=must, may=frozenset(may), call=call, call_may=frozenset(call_may), why=why)

    def _alone(self, r: Record, pool: list[Record], f: Facts, strong: list[Record]) -> Fit:
        """No other candidate is close. A birth date that fits one of several namesakes identifies
        that one (YES); another record with a birth date that fits too leaves several (NO). Where
        the SPEC is silent it is MAYBE: others ruled out by age or nationality only, an age-only
        namesake whose age the birth date might fit, a candidate only under the lenient reading."""
        verdict = Fit.YES
        by_birth = r.birth_date is not None and any(self.birth_date_fit(r, d) == Fit.YES for d in f.birth_dates)
        for o in pool:
            if o is r:
                continue
            fit = self.consistent(o, f)
            if by_birth and o.birth_date is not None:
                mine = Fit.YES if fit == Fit.NO else Fit.NO  # two records with that birth date: several
            elif fit == Fit.NO:
                mine = Fit.YES if by_birth else Fit.MAYBE
            else:
                mine = Fit.NO if (fit == Fit.YES and o in strong and not by_birth) else Fit.MAYBE
            verdict = min(verdict, mine)
        return verdict
