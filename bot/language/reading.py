"""The named steps of reading one message (parse.parse_message runs them in order).

Each step looks at a ``Reading`` (the cleaned text, its tokens, and which tokens earlier steps have
already used) and returns what it found, marking the tokens it used so that later, more ambiguous
steps do not read them again: a date's numbers are not an age, a country is not a name, "Dios les
pague" is not a name. The order, from the least to the most ambiguous: courtesy and "no sé", dates,
contact details, birth years, ages, nationalities, relationship words, names; then the details are
given to whoever they are about (subjects.py) and corrections are read.

Every step is a pure function, tested on its own in tests/language/test_steps.py.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.language import corrections
from bot.language.courtesy import courtesy_spans, dont_know_spans
from bot.language.dates import find_ages, find_birth_years, find_numeric_dates, find_word_dates
from bot.language.lexicon import COMMON_GIVEN_NAMES, COMMON_SURNAMES
from bot.language.names import NICKNAMES, NameFound, SoughtName, choose_names, classify, is_ordinary_word, relative_name_span
from bot.language.names import _breaks as name_breaks
from bot.language.names import runs as name_runs
from bot.language.nationality import Found, find_nationalities
from bot.language.normalize import Token, fold_inline, tokenize
from bot.language.numbers import Number, find_numbers
from bot.language.relationship import Relationship, find_relationship
from bot.language.relationship import lookup as relationship_lookup
from bot.language.subjects import OTHER, RELATIVE, Attribution, Mentioned, first_person_mentions

_PHONE = re.compile(r"\+?\d[\d \-().]{6,}\d", re.ASCII)
# Anchored at the start of a word: an unanchored \S+@ backtracks quadratically on a long word.
_EMAIL_URL = re.compile(r"(?<!\S)[^\s@]+@[^\s@]+\.\S+|\bhttps?://\S+|\bwww\.\S+")


@dataclass
class Reading:
    """One message as the steps see it. ``consumed[i]``: token i was already read as something."""

    text: str  # cleaned (normalize.clean)
    folded_text: str  # fold_inline(text): same length, punctuation kept
    tokens: list[Token]
    words: list[str]  # folded tokens
    breaks: list[bool]  # breaks[i]: punctuation between token i and i + 1
    consumed: list[bool]
    today: date
    mixed_case: bool = field(default=False)

    @classmethod
    def of(cls, text: str, today: date) -> Reading:
        tokens = tokenize(text)
        return cls(
            text,
            fold_inline(text),
            tokens,
            [t.folded for t in tokens],
            name_breaks(text, tokens),
            [False] * len(tokens),
            today,
            _mixed_case(tokens),
        )

    def token_at(self, char: int) -> int:
        """Index of the first token ending after character ``char``."""
        return bisect.bisect_right(self.tokens, char, key=lambda t: t.end)

    def mark(self, start: int, end: int) -> None:
        """Mark the tokens overlapping characters [start, end) (binary search: long texts stay linear)."""
        i = self.token_at(start)
        while i < len(self.tokens) and self.tokens[i].start < end:
            self.consumed[i] = True
            i += 1

    def mark_tokens(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.consumed[i] = True

    def free(self, start: int, end: int) -> bool:
        return not any(self.consumed[start:end])


@dataclass(frozen=True, slots=True)
class Detail:
    """A detail the message states about someone; whose it is is decided later (subjects.py)."""

    kind: str  # 'birth_date' / 'birth_year' / 'age' / 'nationality'
    value: date | int | str  # a date, a year, an age, an ISO country code
    start: int  # token span
    end: int
    approximate: bool = False  # ages: "como 30 años"


def _mixed_case(tokens: list[Token]) -> bool:
    """Whether capital letters carry information (not all lower case, not all caps)."""
    alpha = [t for t in tokens if not t.is_digit and len(t.text) > 1]
    if not alpha:
        return False
    upper = sum(1 for t in alpha if t.is_upper)
    lower = sum(1 for t in alpha if t.text[0].islower())
    return lower > 0 and upper < len(alpha) // 2 + 1 and any(t.is_capitalised for t in alpha)


# ---------------------------------------------------------------- courtesy and "no sé"


def read_courtesy(r: Reading) -> None:
    """Set aside blessings, pleas and courtesy formulas: "Dios les pague" is never a name."""
    for start, end in courtesy_spans(r.folded_text):
        r.mark(start, end)


def read_dont_know(r: Reading) -> bool:
    """Whether the relative says they do not know (the date, the age); the phrase is set aside."""
    spans = dont_know_spans(r.folded_text)
    for start, end in spans:
        r.mark(start, end)
    return bool(spans)


# A new search announced before the name: "otra persona: NAME", "ahora busco a NAME".
_NEW_SEARCH = re.compile(
    r"\b(?:otra persona|otro familiar|otra busqueda|nueva busqueda|otra consulta|nueva consulta"
    r"|buscar (?:a )?otr[oa]|busco (?:a )?otr[oa]|buscamos (?:a )?otr[oa]|another person|someone else|new search"
    r"|ahora (?:quiero |necesito |deseo |quisiera )?(?:busco|buscamos|buscar|saber|preguntar|consultar)"
    r"|tambien (?:quiero |necesito |deseo |quisiera )?(?:busco|buscamos|buscar|saber de|preguntar por))\b"
)


def read_new_search(r: Reading) -> int | None:
    """The token index where a new-search phrase ends, or None when there is none."""
    spaced = " ".join(r.words)
    m = _NEW_SEARCH.search(spaced)
    if m is None:
        return None
    return spaced.count(" ", 0, m.end()) + 1


# ---------------------------------------------------------------- dates, contacts, numbers


def read_dates(r: Reading) -> list[Detail]:
    """Full birth dates, numeric ("03/05/1996") or with a month name ("3 de mayo del 96").

    Dates that cannot be birth dates (31/02, last year's date of an arrest) are set aside without a
    detail, so their numbers are not read as ages either.
    """
    found = find_numeric_dates(r.folded_text, r.today)
    for d in found:
        r.mark(d.start, d.end)
    numbers = [x for x in find_numbers(r.tokens) if r.free(x.start, x.end)]
    worded = find_word_dates(r.tokens, numbers, r.today)
    for d in worded:
        r.mark(d.start, d.end)
    dates = sorted(found + worded, key=lambda d: d.start)
    if _hedged(r.folded_text, dates):
        # "el 6 o 7 de marzo", "7/3/1995 o 8/3/1995": a date the relative is not sure of proves
        # nothing, and the bot asks for it again rather than pick one of the guesses.
        return []
    out = []
    for d in dates:
        start = r.token_at(d.start)
        end = max(start + 1, r.token_at(d.end - 1) + 1)
        if d.value is not None:
            out.append(Detail("birth_date", d.value, start, end))
        elif d.year is not None:
            out.append(Detail("birth_year", d.year, start, end))
    return out


_HEDGED_DAY = re.compile(r"\b\d{1,2}\s+(?:o|u|y|or|and)\s+(?:el\s+)?\d{1,2}\s+(?:de\s+)?[a-z]")
_HEDGED_YEAR = re.compile(r"\b(?:19|20)\d{2}\s+(?:o|u|or)\s+(?:en\s+|el\s+)?(?:19|20)?\d{2}\b")
_OR_BETWEEN = re.compile(r"^[\s,]*(?:o|u|or)\s+(?:el\s+|la\s+)?$")


def _hedged(folded_text: str, dates: list[Any]) -> bool:
    """Two days, two years or two dates offered as alternatives."""
    if not dates:
        return False
    if _HEDGED_DAY.search(folded_text) or _HEDGED_YEAR.search(folded_text):
        return True
    return any(_OR_BETWEEN.match(folded_text[a.end:b.start]) for a, b in zip(dates, dates[1:], strict=False))


def read_contacts(r: Reading) -> None:
    """Set aside e-mail addresses, links and phone numbers: their digits are no age, no year."""
    for m in _EMAIL_URL.finditer(r.text):
        r.mark(*m.span())
    n = len(r.tokens)
    for m in _PHONE.finditer(r.folded_text):
        if sum(c.isdigit() for c in m.group()) < 7:
            continue
        first = r.token_at(m.start())
        last = first
        while last < n and r.tokens[last].start < m.end():
            last += 1
        if r.free(first, last):  # not a date already read
            r.mark(*m.span())


def _alone(r: Reading) -> bool:
    """The message is one number and filler ("27", "es 1992"): a bare answer to our question."""
    digit_tokens = sum(1 for t in r.tokens if t.is_digit)
    non_filler = [w for w in r.words if not is_ordinary_word(w) or w.isdigit()]
    return digit_tokens == 1 and len(non_filler) == 1 and non_filler[0].isdigit()


def read_birth_years(r: Reading) -> list[Detail]:
    """Lone birth years: "nació en 1995", "es del 96", or "1992" alone."""
    out = []
    for d in find_birth_years(r.tokens, r.consumed, r.today, _alone(r)):
        r.mark(d.start, d.end)
        if d.year is not None:
            start = r.token_at(d.start)
            out.append(Detail("birth_year", d.year, start, start + 1))
    return out


def read_ages(r: Reading) -> list[Detail]:
    """Ages in an age context ("27 años", "tiene 27", "tengo 45 años") or a number alone."""
    numbers: list[Number] = [x for x in find_numbers(r.tokens) if r.free(x.start, x.end)]
    words_alone = len(numbers) == 1 and all(
        is_ordinary_word(w) or numbers[0].start <= i < numbers[0].end for i, w in enumerate(r.words)
    )
    out = []
    for a in find_ages(r.tokens, numbers, r.consumed, _alone(r) or words_alone):
        r.mark_tokens(a.start, a.end)
        out.append(Detail("age", a.value, a.start, a.end, a.approximate))
    return out


def read_nationalities(r: Reading) -> list[Detail]:
    """Country names and demonyms ("hondureño", "de Guatemala", "catracha")."""

    def fuzzy_ok(word: str) -> bool:
        return not is_ordinary_word(word) and word not in COMMON_GIVEN_NAMES and word not in COMMON_SURNAMES

    def starts_a_name(f: Found) -> bool:
        # "Mauricio Ortiz", "Israel Pérez", "Salvador Coc": a country that is also a given name,
        # followed by a surname or a given name, is the start of a name.
        if f.end - f.start != 1 or r.words[f.start] not in COMMON_GIVEN_NAMES or f.end >= len(r.tokens):
            return False
        following = r.words[f.end]
        return following in COMMON_SURNAMES or following in COMMON_GIVEN_NAMES or r.tokens[f.end].is_capitalised

    out = []
    for f in find_nationalities(r.tokens, fuzzy_ok=fuzzy_ok):
        if r.free(f.start, f.end) and not starts_a_name(f):
            r.mark_tokens(f.start, f.end)
            out.append(Detail("nationality", f.code, f.start, f.end))
    return out


# ---------------------------------------------------------------- relationships and names


def read_relationships(r: Reading) -> list[Relationship]:
    """"mi hermano", "soy su madre", "hermana" (a short reply): their words are not names."""
    relations = find_relationship(r.tokens, content_count=1 if len(r.tokens) <= 4 else None)
    for rel in relations:
        r.mark_tokens(rel.start, rel.end)
    return relations


@dataclass(frozen=True, slots=True)
class Names:
    persons: tuple[NameFound, ...]  # the sought persons, in text order (the first is the top level)
    same_as: tuple[tuple[NameFound, int], ...]  # every name that means a person, with its index
    not_sought: tuple[tuple[int, int], ...]  # token spans of names of someone not sought
    relative: tuple[int, int] | None  # token span of the relative's own name
    relative_name: str | None
    co_searchers: frozenset[int]  # indices (into relations) of "mi hermana y yo"
    rejected: tuple[SoughtName, ...]  # names said to be wrong: "no José"

    @property
    def first(self) -> NameFound | None:
        return self.persons[0] if self.persons else None


# A name after these (right before it, or before its "mi hermano") is another person sought.
_ANOTHER_BEFORE = frozenset(
    {"a", "al", "y", "e", "and", "tambien", "busco", "buscamos", "buscando", "buscar", "localizar", "encontrar"}
)
# Words that may stand between "mi hermano" and the name it introduces: "mi hermano, se llama José".
_NAMING_GAP = frozenset(
    {"se", "llama", "llamaba", "llamado", "llamada", "que", "de", "nombre", "es", "era", "su", "el", "la", "completo"}
)


def introduces(rel: Relationship, name: NameFound, words: list[str], breaks: list[bool]) -> bool:
    """Whether the relationship phrase is the word for the named person: before the name ("mi
    hermano José", "mi hijo se llama Kevin") or in apposition after it, closed by punctuation
    ("Hugo Quintanilla, mi esposo, es venezolano"; not "Kevin Coc, mi esposa es hondureña")."""
    if rel.start == name.end and breaks[rel.end - 1]:
        return True
    gap = words[rel.end : name.start]
    return name.start >= rel.end and len(gap) <= 4 and all(w in _NAMING_GAP for w in gap)


def read_names(r: Reading, relations: list[Relationship], lenient: bool, correcting: bool) -> Names:
    """The relative's own name, then the sought person or persons ("busco a mi hermano José Pérez y
    a mi primo Luis García"), and the names said to be wrong."""
    kinds = classify(r.tokens, r.consumed, r.mixed_case)
    relative = relative_name_span(r.tokens, kinds, r.breaks)
    relative_name = None
    if relative:
        relative_name = r.text[r.tokens[relative[0]].start : r.tokens[relative[1] - 1].end]
        for i in range(*relative):
            kinds[i] = "stop"
    co_searchers = _co_searchers(r, relations, kinds)
    name_after: set[int] = set()
    for k, rel in enumerate(relations):
        if k in co_searchers:
            continue
        name_after.add(rel.end)
        if rel.end < len(r.words) and r.words[rel.end] in ("de", "del"):  # "soy la esposa de José"
            name_after.add(rel.end + 1)
    found = choose_names(r.text, r.tokens, kinds, r.breaks, name_after, r.mixed_case, lenient)
    if found.best is None:
        return Names((), (), found.spans, relative, relative_name, co_searchers, found.rejected)
    persons = [found.best]
    aliases: list[tuple[NameFound, NameFound]] = []  # (a name, the person it names)
    not_sought: list[NameFound] = []
    for c in found.announced:
        if c.start == found.best.start:
            continue
        same = next((p for p in persons if _same_person(p.name, c.name)), None)
        if same is not None:
            aliases.append((c, same))
        elif found.best.strong and not correcting and _another_person(r.words, r.breaks, c, relations):
            persons.append(c)
        else:
            not_sought.append(c)
    ordered = sorted(persons, key=lambda p: p.start)
    position = {p.start: i for i, p in enumerate(ordered)}
    same_as = [(p, position[p.start]) for p in ordered] + [(c, position[p.start]) for c, p in aliases]
    # Any other run of name-like words names someone else ("… y a Luis García, 25 años" when Luis
    # was not announced clearly enough to be sought): a detail after it is not the person's.
    taken = [(n.start, n.end) for n, _ in same_as]
    not_sought_spans = [(n.start, n.end) for n in not_sought] + [
        span
        for span in found.spans
        if not any(s < span[1] and span[0] < e for s, e in taken) and _looks_like_a_name(r, *span)
    ]
    return Names(
        tuple(ordered), tuple(same_as), tuple(not_sought_spans), relative, relative_name, co_searchers, found.rejected
    )


def _looks_like_a_name(r: Reading, start: int, end: int) -> bool:
    """A run of unknown words that is probably someone's name (capitalised where case means
    something, or a known name), rather than a word we do not know ("desesperadísima")."""
    if any(w in COMMON_GIVEN_NAMES or w in COMMON_SURNAMES or w in NICKNAMES for w in r.words[start:end]):
        return True
    return r.mixed_case and any(t.is_capitalised for t in r.tokens[start:end])


def _same_person(a: SoughtName, b: SoughtName) -> bool:
    """"Kevin" and "Kevin Coc" in one message are one person; "José Pérez" and "Luis Pérez" two."""
    wa, wb = set(a.words), set(b.words)
    return wa <= wb or wb <= wa


def _another_person(words: list[str], breaks: list[bool], name: NameFound, relations: list[Relationship]) -> bool:
    start = name.start
    for rel in relations:
        if rel.possessive and introduces(rel, name, words, breaks):
            start = min(start, rel.start)
    return start > 0 and words[start - 1] in _ANOTHER_BEFORE


def _co_searchers(r: Reading, relations: list[Relationship], kinds: list[str]) -> frozenset[int]:
    """"Mi hermana y yo buscamos…", "mi esposo Pedro y yo": the relative's company, not the person
    sought. Their names (if any) are taken out of the name candidates."""
    words = r.words
    spans = {s: e for s, e in name_runs(r.tokens, kinds, r.breaks)}
    out = set()
    for k, rel in enumerate(relations):
        if not rel.possessive:
            continue
        end = spans.get(rel.end, rel.end)
        after = words[end : end + 2]
        before = words[max(0, rel.start - 2) : rel.start]
        if after in (["y", "yo"], ["y", "nosotros"], ["and", "i"]) or before == ["yo", "y"]:
            out.add(k)
            for i in range(rel.end, end):
                kinds[i] = "stop"
    return frozenset(out)


# ---------------------------------------------------------------- whose detail it is

# Words before a relationship word that make it someone else's: "su papá", "la mamá de".
_ARTICLES = frozenset({"su", "sus", "el", "la", "los", "las", "un", "una", "del", "al", "his", "her", "their", "the"})
# Relationship words that are also forms of address ("buenas noches, señora").
_ADDRESS = frozenset({"senora", "senor", "mujer", "senorita"})
# Before a relationship word not introducing a name: it is the person sought ("busco a mi hermano").
_SEEKING_BEFORE = frozenset({"a", "al", "por", "sobre", "de"})


def mentions(r: Reading, names: Names, relations: list[Relationship]) -> list[Mentioned]:
    """Who each part of the message names: sought persons, the relative, other people."""
    words = r.words
    out = [Mentioned(n.start, n.end, k) for n, k in names.same_as]
    out += [Mentioned(start, end, OTHER) for start, end in names.not_sought]
    if names.relative:
        out.append(Mentioned(*names.relative, RELATIVE))
    out += first_person_mentions(words)
    by_word: dict[str, int] = {}
    unnamed_taken = False
    for k, rel in enumerate(relations):
        if not rel.possessive or k in names.co_searchers:
            out.append(Mentioned(rel.start, rel.end, RELATIVE))
            continue
        word = words[rel.word_index]
        who = next((i for n, i in names.same_as if introduces(rel, n, words, r.breaks)), None)
        if who is None:
            who = _apposed(words, rel, names)
        if who is None:
            who = by_word.get(word)
        if who is None and not names.persons and not unnamed_taken:
            who, unnamed_taken = 0, True  # "busco a mi hermano, tiene 30 años": no name given
        if who is None:
            who = _named_later(words, rel, names, relations, r.breaks)
        if who is None and rel.start > 0 and words[rel.start - 1] in _SEEKING_BEFORE:
            named = {
                i for n, i in names.same_as for rl in relations if rl.possessive and introduces(rl, n, words, r.breaks)
            }
            free = [i for n, i in names.same_as if n.start >= rel.end and i not in named]
            who = free[0] if free else None
        if who is None:
            who = OTHER
        by_word.setdefault(word, who)
        out.append(Mentioned(rel.start, rel.end, who))
    covered = {i for rel in relations for i in range(rel.start, rel.end)}
    for i, w in enumerate(words):
        if i in covered or i == 0 or words[i - 1] not in _ARTICLES or relationship_lookup(w) is None:
            continue
        if w in _ADDRESS and words[i - 1] not in ("su", "sus", "his", "her", "their"):
            continue
        out.append(Mentioned(i, i + 1, OTHER))  # "su papá es hondureño": the father's, not the person's
    return out


_NAMING_WORDS = frozenset({"llama", "llamaba", "llamado", "llamada", "nombre", "nombres"})
_COPULA = frozenset({"es", "era", "sera", "seria", "is", "was"})


def _apposed(words: list[str], rel: Relationship, names: Names) -> int | None:
    """"Quiero saber de Luis Moreno, es mi sobrino, su fecha...": "es mi sobrino" right after a
    sought person's name says who that person is to the relative; it is not someone else."""
    if rel.start == 0 or words[rel.start - 1] not in _COPULA:
        return None
    before = [(n, i) for n, i in names.same_as if n.end <= rel.start - 1]
    if not before:
        return None
    n, i = max(before, key=lambda item: item[0].end)
    gap = words[n.end : rel.start - 1]
    return i if len(gap) <= 2 and all(w in ("que", "quien", "y") or not w.isalpha() for w in gap) else None


def _named_later(
    words: list[str], rel: Relationship, names: Names, relations: list[Relationship], breaks: list[bool]
) -> int | None:
    """"mi hermano tiene 30 años, es hondureño, se llama Selvin Castillo": the next person, when
    their name is given with "se llama" (it names the one being talked about) and no word of their
    own introduces them. "Mi mamá tiene 60 años y busco a Kevin" is not this: "busco a" names a new one."""
    for n, i in names.same_as:
        if n.start < rel.end:
            continue
        if _NAMING_WORDS.isdisjoint(words[max(0, n.start - 3) : n.start]):
            return None
        if any(rl.possessive and introduces(rl, n, words, breaks) for rl in relations):
            return None
        return i
    return None


def attribute(r: Reading, details: list[Detail], said: list[Mentioned]) -> list[tuple[Detail, int]]:
    """Each detail with whose it is: a person index (0 = the first sought), RELATIVE, OTHER, PLACE."""
    who = Attribution(r.words, r.breaks, said)
    return [(d, who.whose(d.start, nationality=d.kind == "nationality")) for d in details]


# ---------------------------------------------------------------- corrections


def negated(r: Reading, d: Detail) -> bool:
    """A denied value: "no es guatemalteco", "no tiene 30" (a rejection, not a value)."""
    return corrections.is_negated(r.words, r.breaks, d.start)


def correction_marker(r: Reading) -> bool:
    """"perdón", "me equivoqué", "quise decir", or a leading "No, …"."""
    return corrections.has_marker(r.tokens) or corrections.starts_with_no(r.tokens, r.text)
