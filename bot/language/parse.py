"""parse_message: everything one message says, as plain values. No state, no I/O.

The order of reading matters and goes from the least to the most ambiguous: commands and case codes,
then dates (so "3 de mayo de 1996" is not an age), phone numbers, birth years, ages, nationalities,
relationship phrases, the relative's own name, and last the sought person's name from whatever
words are left. Merging into the conversation's details is the engine's job.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

from bot.language import corrections
from bot.language.commands import Command, read_commands
from bot.language.dates import find_ages, find_birth_years, find_numeric_dates, find_word_dates
from bot.language.lexicon import (
    COMMON_GIVEN_NAMES,
    COMMON_SURNAMES,
    DOMAIN_WORDS,
    ENGLISH_WORDS,
    FUNCTION_WORDS,
)
from bot.language.names import (
    NICKNAMES,
    SoughtName,
    choose_name,
    classify,
    is_ordinary_word,
    relative_name_span,
)
from bot.language.names import _breaks as name_breaks
from bot.language.nationality import NAMES as COUNTRY_WORDS
from bot.language.nationality import find_nationalities
from bot.language.normalize import MAX_CHARS, Token, clean, fold_inline, tokenize
from bot.language.numbers import find_numbers
from bot.language.relationship import WORDS as RELATIONSHIP_WORDS
from bot.language.relationship import find_relationship

__all__ = ["MAX_CHARS", "Command", "Mention", "SoughtName", "Understanding", "parse_message"]

_PHONE = re.compile(r"\+?\d[\d \-().]{6,}\d", re.ASCII)
# Anchored at the start of a word: an unanchored \S+@ backtracks quadratically on a long word.
_EMAIL_URL = re.compile(r"(?<!\S)[^\s@]+@[^\s@]+\.\S+|\bhttps?://\S+|\bwww\.\S+")
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
        )


def parse_message(text: str, today: date | None = None) -> Understanding:
    """Read one message. Never raises: unreadable input gives an empty Understanding."""
    try:
        return _parse(text, today or date.today())
    except Exception:  # noqa: BLE001 - a relative's message must never crash the dialogue
        return Understanding()


def _mark(consumed: list[bool], tokens: list[Token], start: int, end: int) -> None:
    """Mark the tokens overlapping characters [start, end) (binary search: long texts stay linear)."""
    i = _token_at(tokens, start)
    while i < len(tokens) and tokens[i].start < end:
        consumed[i] = True
        i += 1


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


class _Base(TypedDict):
    """The Understanding fields every message gets, commands or not (typed so ``**base`` checks)."""

    command: Command | None
    case_code: str | None
    answer: str | None
    greeting: bool
    thanks: bool
    truncated: bool


def _parse(raw: str, today: date) -> Understanding:
    text, truncated = clean(raw)
    folded_text = fold_inline(text)
    tokens = tokenize(text)
    cmd = read_commands(tokens, folded_text)
    base = _Base(
        command=cmd.command,
        case_code=cmd.case_code,
        answer=cmd.answer,
        greeting=cmd.greeting,
        thanks=cmd.thanks,
        truncated=truncated,
    )
    if cmd.whole or not tokens:
        return Understanding(**base, language=_language(tokens))

    n = len(tokens)
    words = [t.folded for t in tokens]
    consumed = [False] * n
    if cmd.case_span:
        _mark(consumed, tokens, *cmd.case_span)

    # Dates first: their numbers are neither ages nor phone numbers.
    dates = find_numeric_dates(folded_text, today)
    for d in dates:
        _mark(consumed, tokens, d.start, d.end)
    numbers = [x for x in find_numbers(tokens) if not any(consumed[x.start : x.end])]
    word_dates = find_word_dates(tokens, numbers, today)
    for d in word_dates:
        _mark(consumed, tokens, d.start, d.end)
    for m in _EMAIL_URL.finditer(text):
        _mark(consumed, tokens, *m.span())
    for m in _PHONE.finditer(folded_text):
        digits = sum(c.isdigit() for c in m.group())
        if digits >= 7:
            first = _token_at(tokens, m.start())
            last = first
            while last < n and tokens[last].start < m.end():
                last += 1
            if not any(consumed[first:last]):  # not a date already read
                _mark(consumed, tokens, *m.span())
    digit_tokens = sum(1 for t in tokens if t.is_digit)
    non_filler = [w for w in words if not is_ordinary_word(w) or w.isdigit()]
    alone = digit_tokens == 1 and len(non_filler) == 1 and non_filler[0].isdigit()
    years = find_birth_years(tokens, consumed, today, alone)
    for d in years:
        _mark(consumed, tokens, d.start, d.end)
    numbers = [x for x in numbers if not any(consumed[x.start : x.end])]
    word_numbers_alone = len(numbers) == 1 and all(
        is_ordinary_word(w) or numbers[0].start <= i < numbers[0].end for i, w in enumerate(words)
    )
    ages = find_ages(tokens, numbers, consumed, alone or word_numbers_alone)
    for a in ages:
        for i in range(a.start, a.end):
            consumed[i] = True

    def fuzzy_ok(word: str) -> bool:
        return not is_ordinary_word(word) and word not in COMMON_GIVEN_NAMES and word not in COMMON_SURNAMES

    nationalities = [
        f for f in find_nationalities(tokens, fuzzy_ok=fuzzy_ok) if not any(consumed[f.start : f.end])
    ]
    for f in nationalities:
        for i in range(f.start, f.end):
            consumed[i] = True

    relations = find_relationship(tokens, content_count=1 if n <= 4 else None)
    name_after: set[int] = set()
    for r in relations:
        for i in range(r.start, r.end):
            consumed[i] = True
        name_after.add(r.end)
        if r.end < n and words[r.end] in ("de", "del"):  # "soy la esposa de José"
            name_after.add(r.end + 1)
    # Single letters of the relationship word positions were consumed above; nothing else to do.

    mixed_case = _mixed_case(tokens)
    kinds = classify(tokens, consumed, mixed_case)
    breaks = name_breaks(text, tokens)
    relative = relative_name_span(tokens, kinds, breaks)
    relative_name = None
    if relative:
        relative_name = text[tokens[relative[0]].start : tokens[relative[1] - 1].end]
        for i in range(relative[0], relative[1]):
            kinds[i] = "stop"

    language = _language(tokens)
    name, name_start, rejected_names = choose_name(
        text, tokens, kinds, breaks, name_after, mixed_case, language != "other"
    )

    # Pick values; a denied value ("no es guatemalteco") is a rejection, not a value.
    def neg(ws: list[str], start: int) -> bool:
        return corrections.is_negated(ws, breaks, start)

    nat_ok = [f for f in nationalities if not neg(words, f.start)]
    nat_bad = [f for f in nationalities if neg(words, f.start)]
    date_items = sorted(dates + word_dates + years, key=lambda d: d.start)
    date_ok = [d for d in date_items if (d.value or d.year) and not neg(words, _token_at(tokens, d.start))]
    full = next((d.value for d in date_ok if d.value), None)
    year = None if full else next((d.year for d in date_ok if d.year), None)
    age_ok = [a for a in ages if not neg(words, a.start)]
    self_rel = [r for r in relations if not r.possessive]
    poss_rel = [r for r in relations if r.possessive]
    # The possessive right before the name is the one about the sought person ("mi hermana y yo
    # buscamos a nuestro primo Kevin": cousin, not sister).
    touching = [r for r in poss_rel if r.end == name_start or r.end + 1 == name_start]
    if touching:
        poss_rel = touching + [r for r in poss_rel if r not in touching]
    rel_candidates = self_rel or poss_rel
    relationship = rel_candidates[0] if rel_candidates else None

    fields = {
        "name": name is not None,
        "nationality": bool(nat_ok),
        "birth_date": full is not None,
        "birth_year": year is not None,
        "age": bool(age_ok),
        "relationship": relationship is not None,
        "relative_name": relative_name is not None,
    }
    denied = {
        "name": bool(rejected_names),
        "nationality": bool(nat_bad),
        "birth_date": any(d.value and neg(words, _token_at(tokens, d.start)) for d in date_items),
        "birth_year": any(d.year and neg(words, _token_at(tokens, d.start)) for d in date_items),
        "age": any(neg(words, a.start) for a in ages),
    }
    marker = corrections.has_marker(tokens) or corrections.starts_with_no(tokens, text)
    corrected = frozenset(
        k for k, present in fields.items() if present and (marker or denied.get(k)) and k != "relative_name"
    )
    rejected_words = tuple(w for nm in rejected_names for w in nm.words)
    if name is not None and rejected_words and not (set(rejected_words) - set(name.words)):
        rejected_words = ()  # "no José Luis, José Luis Pérez": nothing was actually denied

    return Understanding(
        **base,
        name=name,
        name_rejected=rejected_words,
        nationality=nat_ok[0].code if nat_ok else None,
        nationality_rejected=nat_bad[0].code if nat_bad else None,
        birth_date=full,
        birth_year=year,
        age=age_ok[0].value if age_ok else None,
        age_approximate=age_ok[0].approximate if age_ok else False,
        relationship=relationship.code if relationship else None,
        sought_gender=poss_rel[0].sought_gender if poss_rel else None,
        relative_name=relative_name,
        is_correction=bool(corrected),
        corrected=corrected,
        language=language,
    )


def _token_at(tokens: list[Token], char: int) -> int:
    """Index of the first token ending after character ``char``."""
    return bisect.bisect_right(tokens, char, key=lambda t: t.end)


def _mixed_case(tokens: list[Token]) -> bool:
    """Whether capital letters carry information (not all lower case, not all caps)."""
    alpha = [t for t in tokens if not t.is_digit and len(t.text) > 1]
    if not alpha:
        return False
    upper = sum(1 for t in alpha if t.is_upper)
    lower = sum(1 for t in alpha if t.text[0].islower())
    return lower > 0 and upper < len(alpha) // 2 + 1 and any(t.is_capitalised for t in alpha)
