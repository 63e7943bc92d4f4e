"""parse_message: everything one message says, as plain values. No state, no I/O.

The reading runs as named steps (reading.py), from the least to the most ambiguous: commands and
case codes, courtesy formulas and "no sé", dates (so "3 de mayo de 1996" is not an age), phone
numbers, birth years, ages, nationalities, relationship phrases, the relative's own name, the sought
person's name or names from whatever words are left; then each detail goes to whoever it is about
(subjects.py: the sought person, the relative, someone else, a place) and corrections are read.
Merging into the conversation's details is the engine's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.language.commands import Command, read_commands
from bot.language.courtesy import distress
from bot.language.lexicon import (
    COMMON_GIVEN_NAMES,
    COMMON_SURNAMES,
    DOMAIN_WORDS,
    ENGLISH_WORDS,
    FUNCTION_WORDS,
)
from bot.language.names import NICKNAMES, NameFound, SoughtName, is_ordinary_word
from bot.language.nationality import NAMES as COUNTRY_WORDS
from bot.language.normalize import MAX_CHARS, Token, clean
from bot.language.reading import (
    Detail,
    Names,
    Reading,
    attribute,
    correction_marker,
    mentions,
    negated,
    read_ages,
    read_birth_years,
    read_contacts,
    read_courtesy,
    read_dates,
    read_dont_know,
    read_names,
    read_nationalities,
    read_new_search,
    read_relationships,
)
from bot.language.relationship import WORDS as RELATIONSHIP_WORDS
from bot.language.relationship import Relationship
from bot.language.subjects import RELATIVE

__all__ = ["MAX_CHARS", "Command", "Mention", "SoughtName", "Understanding", "parse_message"]

_SPANISH = (FUNCTION_WORDS | DOMAIN_WORDS | frozenset(RELATIONSHIP_WORDS)) - ENGLISH_WORDS - {"a", "no", "me"}
_ENGLISH = ENGLISH_WORDS - FUNCTION_WORDS - DOMAIN_WORDS - {"a", "no", "me", "he", "son", "been"}
# Glottal stops (k', tz', a vowel, an apostrophe, a vowel), long vowels, q not before u.
_MAYAN_MARK = re.compile(r"[bcktq]'|[aeiouáéíóú]'[aeiouáéíóú]|tz|xj|aa|ee|ii|oo|uu|q[^u]")


@dataclass(frozen=True, slots=True)
class Mention:
    """Another sought person named in the same message, with the details said about them."""

    name: SoughtName
    birth_date: date | None = None
    birth_year: int | None = None
    age: int | None = None
    nationality: str | None = None


@dataclass(frozen=True, slots=True)
class Understanding:
    """What one message said. Every field is None/False/empty when the message did not say it."""

    command: Command | None = None
    case_code: str | None = None  # normalised, e.g. "JRZ-4F7K"
    answer: str | None = None  # 'yes' / 'no'
    name: SoughtName | None = None
    name_rejected: tuple[str, ...] = ()  # folded words said to be wrong: "no José" -> ("jose",)
    nationality: str | None = None  # ISO 3166 alpha-2
    nationality_rejected: str | None = None
    birth_date: date | None = None
    birth_year: int | None = None  # the year alone ("nació en 1995"); None when birth_date is set
    age: int | None = None
    age_approximate: bool = False
    relationship: str | None = None  # the relative's role towards the sought person (relationship.py)
    sought_gender: str | None = None  # 'm' / 'f' from "mi hermano" / "mi hermana"
    relative_name: str | None = None  # as written
    is_correction: bool = False
    corrected: frozenset[str] = frozenset()  # names of the fields above that replace earlier values
    greeting: bool = False
    thanks: bool = False
    language: str = "es"  # 'es' / 'en' / 'other'
    truncated: bool = False  # only the first MAX_CHARS characters were read
    # "no sé", "no sé cuándo nació", "no me acuerdo", "ni idea": an honest "I do not know".
    dont_know: bool = False
    # "otra persona: NAME", "ahora busco a NAME": a new search, with ``name`` set to NAME.
    new_search: bool = False
    # Further sought persons in this message, in the order named; the top-level fields are the
    # first named person's.
    others: tuple[Mention, ...] = ()
    # Anguish said in words: "estoy desesperada", "se lo suplico", "no sabemos nada de él".
    distress: bool = False
    # The relative's OWN details ("tengo 45 años", "soy guatemalteca"): never the sought person's.
    relative_age: int | None = None
    relative_nationality: str | None = None  # ISO 3166 alpha-2

    @property
    def has_details(self) -> bool:
        return any(
            v is not None
            for v in (
                self.name,
                self.nationality,
                self.birth_date,
                self.birth_year,
                self.age,
                self.relationship,
            )
        )

    @property
    def understood_nothing(self) -> bool:
        return (
            self.command is None
            and self.answer is None
            and not self.has_details
            and not self.greeting
            and not self.thanks
            and self.relative_name is None
            and self.case_code is None
            and not self.dont_know
            and not self.new_search
            and not self.distress
            and self.relative_age is None
            and self.relative_nationality is None
        )


def parse_message(text: str, today: date | None = None) -> Understanding:
    """Read one message. Never raises: unreadable input gives an empty Understanding."""
    try:
        return _parse(text, today or date.today())
    except Exception:  # noqa: BLE001 - a relative's message must never crash the dialogue
        return Understanding()


def _language(tokens: list[Token]) -> str:
    words = [t.folded for t in tokens if not t.is_digit]
    if not words:
        return "es"
    es = sum(1 for w in words if w in _SPANISH)
    en = sum(1 for w in words if w in _ENGLISH)
    # One English-looking word said again and again is not English: Yucatec's "in" (my) is.
    en_distinct = len({w for w in words if w in _ENGLISH})
    if en > es and en >= max(1, len(words) // 4) and (en_distinct >= 2 or en == en_distinct):
        return "en"
    if es >= 1 and es >= len(words) // 5:
        return "es"
    # No Spanish words to speak of: a name alone ("Jose Luis Hernandez") stays Spanish; a sentence
    # of unknown words with Mayan spelling (q', k', tz, doubled vowels) is another language.
    # Distinct words: a little word said again and again ("in", my, in Yucatec) is not a sentence
    # of known words.
    distinct = set(words)
    known = sum(
        1
        for w in distinct
        if w in COMMON_GIVEN_NAMES
        or w in COMMON_SURNAMES
        or w in NICKNAMES
        or w in COUNTRY_WORDS
        or is_ordinary_word(w)
    )
    if len(words) >= 4 and known <= len(distinct) // 4:
        marked = sum(1 for t in tokens if _MAYAN_MARK.search(t.text.lower()))
        if marked >= 2 or len(words) >= 8:
            return "other"
    return "es"


def _parse(raw: str, today: date) -> Understanding:
    text, truncated = clean(raw)
    r = Reading.of(text, today)
    cmd = read_commands(r.tokens, r.folded_text)
    feelings: dict[str, Any] = {"distress": distress(r.folded_text), "dont_know": read_dont_know(r)}
    base: dict[str, Any] = {
        "command": cmd.command,
        "case_code": cmd.case_code,
        "answer": cmd.answer,
        "greeting": cmd.greeting,
        "thanks": cmd.thanks,
        "truncated": truncated,
        "language": _language(r.tokens),
    }
    if cmd.whole or not r.tokens:
        return Understanding(**base, **feelings)
    if cmd.case_span:
        r.mark(*cmd.case_span)
    read_courtesy(r)
    details = read_dates(r)
    read_contacts(r)
    details += read_birth_years(r)
    details += read_ages(r)
    details += read_nationalities(r)
    details.sort(key=lambda d: d.start)
    relations = read_relationships(r)
    correcting = correction_marker(r)
    names = read_names(r, relations, lenient=base["language"] != "other", correcting=correcting)
    owned = attribute(r, details, mentions(r, names, relations))
    new_search_end = read_new_search(r)
    first = names.first
    new_search = first is not None and new_search_end is not None and new_search_end <= first.start
    if new_search and base["command"] is Command.NEW_SEARCH:
        base["command"] = None  # "otra persona: NAME" is the search itself, not a request for one
    return Understanding(
        **base,
        **feelings,
        **_person_fields(r, owned, names, relations, correcting),
        relative_name=names.relative_name,
        relative_age=_first(d for d, who in owned if who == RELATIVE and d.kind == "age" and not negated(r, d)),
        relative_nationality=_first(
            d for d, who in owned if who == RELATIVE and d.kind == "nationality" and not negated(r, d)
        ),
        new_search=new_search,
        others=tuple(_mention(r, owned, p, k) for k, p in enumerate(names.persons) if k > 0),
    )


def _first(details: Iterable[Detail]) -> Any:
    return next((d.value for d in details), None)


def _mention(r: Reading, owned: list[tuple[Detail, int]], person: NameFound, index: int) -> Mention:
    """Another sought person of the message, with the details said about them."""
    mine = [d for d, who in owned if who == index and not negated(r, d)]
    full = _first(d for d in mine if d.kind == "birth_date")
    return Mention(
        name=person.name,
        birth_date=full,
        birth_year=None if full else _first(d for d in mine if d.kind == "birth_year"),
        age=_first(d for d in mine if d.kind == "age"),
        nationality=_first(d for d in mine if d.kind == "nationality"),
    )


def _person_fields(
    r: Reading, owned: list[tuple[Detail, int]], names: Names, relations: list[Relationship], correcting: bool
) -> dict[str, Any]:
    """The first sought person's fields, and which of them correct earlier values."""
    mine = [d for d, who in owned if who == 0]
    ok = [d for d in mine if not negated(r, d)]
    bad = [d for d in mine if negated(r, d)]
    full = _first(d for d in ok if d.kind == "birth_date")
    year = None if full else _first(d for d in ok if d.kind == "birth_year")
    age = next((d for d in ok if d.kind == "age"), None)
    nationality = _first(d for d in ok if d.kind == "nationality")
    relation = _relationship_of_person(r, names, relations)
    fields = {
        "name": names.first is not None,
        "nationality": nationality is not None,
        "birth_date": full is not None,
        "birth_year": year is not None,
        "age": age is not None,
        "relationship": relation is not None,
    }
    denied = {
        "name": bool(names.rejected),
        "nationality": any(d.kind == "nationality" for d in bad),
        "birth_date": any(d.kind == "birth_date" for d in bad),
        "birth_year": any(d.kind in ("birth_date", "birth_year") for d in bad),
        "age": any(d.kind == "age" for d in bad),
    }
    corrected = frozenset(k for k, present in fields.items() if present and (correcting or denied.get(k)))
    name = names.first.name if names.first else None
    rejected_words = tuple(w for nm in names.rejected for w in nm.words)
    if name is not None and rejected_words and not (set(rejected_words) - set(name.words)):
        rejected_words = ()  # "no José Luis, José Luis Pérez": nothing was actually denied
    return {
        "name": name,
        "name_rejected": rejected_words,
        "nationality": nationality,
        "nationality_rejected": _first(d for d in bad if d.kind == "nationality"),
        "birth_date": full,
        "birth_year": year,
        "age": age.value if age else None,
        "age_approximate": age.approximate if age else False,
        "relationship": relation.code if relation else None,
        "sought_gender": relation.sought_gender if relation and relation.possessive else None,
        "is_correction": bool(corrected),
        "corrected": corrected,
    }


def _relationship_of_person(r: Reading, names: Names, relations: list[Relationship]) -> Relationship | None:
    """The relative's role towards the first sought person: said of themselves ("soy su madre") or
    the word for the person ("mi hermano José"); never the word for someone else ("mi mamá")."""
    own = [rel for rel in relations if not rel.possessive]
    if own:
        return own[0]
    said = {m.start: m.who for m in mentions(r, names, relations)}
    return next((rel for rel in relations if rel.possessive and said.get(rel.start) == 0), None)
