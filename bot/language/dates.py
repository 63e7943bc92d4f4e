"""Birth dates, birth years and ages as relatives write them.

Dates: "3 de mayo de 1996", "3 de mayo del 96", "03/05/1996", "3-5-96", "3.5.1996", "1996-05-03",
"mayo 3, 1996", month names abbreviated or misspelt ("sept", "setiembre", "dic", "novienbre").
Numeric dates are read day first, as in Latin America; only when that is impossible and month first
is possible ("05/23/1996", a relative used to US forms) is month first taken. Two-digit years take
the century that makes the person 14 to 100 years old. Impossible dates (31/02) and dates less than
ten years ago (the date of the fire, of an arrest) are not birth dates.

Ages: "27 años", "tiene 27", "veintisiete años", "veintidos" (no accent), "edad 40", "como 30 años"
(approximate). A number is an age only in an age context, never inside a date or a phone number,
never "hace 3 años" (a time ago) nor "30 días".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.language.normalize import Token
from bot.language.numbers import Number

AGE_MIN, AGE_MAX = 10, 110
MIN_BIRTH_AGE = 10  # a date fewer years ago than this is an event, not a birth

MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    (
        "enero ene january jan",
        "febrero feb febr february",
        "marzo mar march",
        "abril abr april apr",
        "mayo may",
        "junio jun june",
        "julio jul july",
        "agosto ago agos august aug",
        "septiembre setiembre sept sep set septiem september",
        "octubre oct october",
        "noviembre nov novie november",
        "diciembre dic dec december",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _num
_FULL_MONTHS = [m for m in MONTHS if len(m) >= 5]


@lru_cache(maxsize=2048)
def month_of(word: str) -> int | None:
    """The month number of a folded word: exact, or a close misspelling of a full month name."""
    if word in MONTHS:
        return MONTHS[word]
    if not 5 <= len(word) <= 14 or not word.isalpha():
        return None
    hit = process.extractOne(word, _FULL_MONTHS, scorer=fuzz.ratio, score_cutoff=80)
    return MONTHS[hit[0]] if hit else None


_ORDINAL_SUFFIX = {"o", "ro", "er", "do", "to", "vo", "no", "st", "nd", "rd", "th", "de"}
_DAY_WORDS = {"primero": 1, "first": 1}
_LINK = {"de", "del", "of", "el", "ano", "the"}

_SEP = r"\s*([/.\-])\s*"
_NUMERIC = re.compile(
    r"(?<![\d/.\-])(\d{1,2})" + _SEP + r"(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?![\d]|[/.\-]\d)", re.ASCII
)
_ISO = re.compile(r"(?<![\d/.\-])(\d{4})" + _SEP + r"(\d{1,2})\s*\2\s*(\d{1,2})(?![\d]|[/.\-]\d)", re.ASCII)
# Day and month only ("03/05"): not a birth date, but its numbers are neither an age nor a year.
_DAY_MONTH = re.compile(r"(?<![\d/.\-])(\d{1,2})\s*[/\-]\s*(\d{1,2})(?![\d]|[/.\-]\d)", re.ASCII)


@dataclass(frozen=True, slots=True)
class DateFound:
    value: date | None  # a full, valid, plausible birth date
    year: int | None  # the birth year when only that is known (or the date's year)
    start: int  # character offsets in the cleaned text
    end: int


def _age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def full_year(yy: int, today: date) -> int:
    """Four-digit year for a two-digit one: the century that makes the person 14..100 years old."""
    candidates = [1900 + yy, 2000 + yy]
    fitting = [y for y in candidates if 14 <= today.year - y <= 100]
    if fitting:
        return fitting[0]
    past = [y for y in candidates if y <= today.year]
    return max(past) if past else 1900 + yy


def _year(text: str, today: date) -> int | None:
    text = text.lstrip("'’")
    if not text.isdigit():
        return None
    value = int(text)
    if len(text) == 2:
        return full_year(value, today)
    if len(text) == 4 and 1900 <= value <= today.year:
        return value
    return None


def make_birth_date(day: int, month: int, year: int, today: date) -> date | None:
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    if born > today or _age_on(born, today) < MIN_BIRTH_AGE:
        return None
    return born


def plausible_birth_year(year: int, today: date) -> bool:
    return 1900 <= year <= today.year - MIN_BIRTH_AGE


def find_numeric_dates(folded_text: str, today: date) -> list[DateFound]:
    out: list[DateFound] = []
    taken: list[tuple[int, int]] = []
    for m in _ISO.finditer(folded_text):
        iso_year = int(m.group(1))
        born = make_birth_date(int(m.group(4)), int(m.group(3)), iso_year, today) if iso_year >= 1900 else None
        out.append(DateFound(born, born.year if born else None, m.start(), m.end()))
        taken.append(m.span())
    for m in _NUMERIC.finditer(folded_text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        a, b = int(m.group(1)), int(m.group(3))
        year = _year(m.group(4), today)
        born = None
        if year is not None:
            born = make_birth_date(a, b, year, today)
            if born is None and b > 12 and a <= 12:  # month first, e.g. 05/23/1996
                born = make_birth_date(b, a, year, today)
        out.append(DateFound(born, born.year if born else None, m.start(), m.end()))
        taken.append(m.span())
    for m in _DAY_MONTH.finditer(folded_text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        if 1 <= int(m.group(1)) <= 31 and 1 <= int(m.group(2)) <= 12:
            out.append(DateFound(None, None, m.start(), m.end()))
    return out


def _day_at(tokens: list[Token], numbers_by_end: dict[int, Number], end: int) -> tuple[int, int] | None:
    """(day, first token index) for a day written just before token ``end`` (exclusive)."""
    j = end - 1
    if j >= 0 and tokens[j].folded in _ORDINAL_SUFFIX and j - 1 >= 0 and tokens[j - 1].is_digit:
        j -= 1  # "3ro", "1º", "3rd"
    if j < 0:
        return None
    if tokens[j].folded in _DAY_WORDS:
        return _DAY_WORDS[tokens[j].folded], j
    num = numbers_by_end.get(j + 1)
    if num is not None and 1 <= num.value <= 31 and (num.in_words or len(tokens[j].text) <= 2):
        return num.value, num.start
    return None


def find_word_dates(tokens: list[Token], numbers: list[Number], today: date) -> list[DateFound]:
    """Dates written with a month name, day before ("3 de mayo de 1996") or after ("May 3, 1996")."""
    numbers_by_end = {n.end: n for n in numbers}
    numbers_by_start = {n.start: n for n in numbers}
    out: list[DateFound] = []
    n = len(tokens)
    for i, tok in enumerate(tokens):
        if tok.is_digit:
            continue
        month = MONTHS.get(tok.folded)
        fuzzy = month is None
        if fuzzy:
            month = month_of(tok.folded) if len(tok.folded) >= 5 else None
        if month is None:
            continue
        first = i
        # Day before: "3 de mayo", "3 mayo", "tres de mayo", "1ro de mayo".
        k = i - 1 if i >= 1 and tokens[i - 1].folded in ("de", "of") else i
        day_hit = _day_at(tokens, numbers_by_end, k)
        after = i + 1
        if day_hit is None and after < n:
            # Day after: "mayo 3, 1996", "May 3rd".
            num = numbers_by_start.get(after)
            if num is not None and not num.in_words and 1 <= num.value <= 31 and len(tokens[after].text) <= 2:
                day_hit = (num.value, after)
                after = num.end
                if after < n and tokens[after].folded in _ORDINAL_SUFFIX - {"de"}:
                    after += 1
        else:
            if day_hit is not None:
                first = day_hit[1]
        # A short or misspelt month word is a month only next to a day or a year ("mar" is the sea).
        year_idx = after
        while year_idx < n and tokens[year_idx].folded in _LINK and year_idx - after < 2:
            year_idx += 1
        year = None
        last = i + 1 if day_hit is None or day_hit[1] < i else after
        if year_idx < n and tokens[year_idx].is_digit and len(tokens[year_idx].text) in (2, 4):
            year = _year(tokens[year_idx].text, today)
            if year is not None:
                last = year_idx + 1
        if day_hit is None and year is None:
            continue
        if day_hit is None and (fuzzy or len(tok.folded) < 4) and tok.folded not in ("sept", "set", "dic"):
            # "mar 96"? too weak; but "nació en mayo del 96" (full month name) gives the year
            continue
        start, end = tokens[first].start, tokens[last - 1].end
        if day_hit is not None and year is not None:
            born = make_birth_date(day_hit[0], month, year, today)
            out.append(DateFound(born, born.year if born else None, start, end))
        elif year is not None:
            out.append(DateFound(None, year if plausible_birth_year(year, today) else None, start, end))
        else:
            out.append(DateFound(None, None, start, end))  # day and month only: consumed, not used
    return out


# Words after which a lone year is a birth year: "nació en 1995", "es del 96", "born in 1995".
_YEAR_BEFORE = {"en", "del", "ano", "in", "de", "el"}
_BIRTH_WORDS = {"nacio", "nacido", "nacida", "naci", "nacimiento", "born", "birth", "nacieron"}


def find_birth_years(tokens: list[Token], consumed: list[bool], today: date, alone: bool) -> list[DateFound]:
    """Lone birth years: four digits after a birth phrase, or "del 96" / "en el 96" with one."""
    has_birth_word = any(t.folded in _BIRTH_WORDS for t in tokens)
    out = []
    for i, tok in enumerate(tokens):
        if consumed[i] or not tok.is_digit or len(tok.text) not in (2, 4):
            continue
        prev = tokens[i - 1].folded if i else ""
        nxt = tokens[i + 1].folded if i + 1 < len(tokens) else ""
        if nxt in ("anos", "ano", "years", "anios", "year", "yo"):
            continue  # an age
        if len(tok.text) == 4:
            year = int(tok.text)
            ok = alone or (prev in _YEAR_BEFORE and has_birth_word) or prev in ("nacio", "born", "naci")
        else:
            year = full_year(int(tok.text), today)
            ok = prev == "del" or (has_birth_word and prev in ("el", "en", "del", "ano"))
        if ok and plausible_birth_year(year, today):
            out.append(DateFound(None, year, tok.start, tok.end))
    return out


@dataclass(frozen=True, slots=True)
class AgeFound:
    value: int
    approximate: bool
    start: int  # token index
    end: int


_YEARS_WORDS = {"anos", "ano", "anios", "anitos", "years", "year", "yrs", "yo", "aos"}
_AGE_BEFORE = {
    "tengo",  # the relative's own age ("tengo 45"): read, so that it is known not to be the person's
    "yo",
    "tiene",
    "tenia",
    "edad",
    "age",
    "aged",
    "cumple",
    "cumplio",
    "cumplira",
    "tendra",
    "tendria",
    "has",
    "is",
    "de",
}
_APPROX = {
    "como",
    "unos",
    "aprox",
    "aproximadamente",
    "alrededor",
    "cerca",
    "around",
    "about",
    "approximately",
    "approx",
    "casi",
    "mas",
    "menos",
    "entre",
}
_APPROX_OR_LINK = _APPROX | {"o", "de"}
# "hace 3 años" (3 years ago), "lleva 2 años", "desde hace": a duration, not an age.
_DURATION_BEFORE = {
    "hace",
    "lleva",
    "llevaba",
    "llevo",
    "desde",
    "durante",
    "por",
    "tras",
    "after",
    "for",
    "en",
    "dentro",
    "cada",
    "hacia",
    "ago",
    "since",
    "vivio",
    "vivia",
    "vive",
}
_OTHER_UNITS = {
    "dias",
    "dia",
    "meses",
    "mes",
    "semanas",
    "semana",
    "horas",
    "hora",
    "hijos",
    "hijas",
    "pesos",
    "dolares",
    "quetzales",
    "lempiras",
    "minutos",
    "days",
    "months",
    "weeks",
    "hours",
    "kids",
    "children",
    "personas",
    "gente",
    "veces",
    "kilos",
    "metros",
    "am",
    "pm",
    "hrs",
}


def find_ages(
    tokens: list[Token], numbers: list[Number], consumed: list[bool], alone: bool
) -> list[AgeFound]:
    words = [t.folded for t in tokens]
    n = len(words)
    out: list[AgeFound] = []
    for num in numbers:
        if any(consumed[num.start : num.end]):
            continue
        if not AGE_MIN <= num.value <= AGE_MAX:
            continue
        after = words[num.end] if num.end < n else ""
        if after in _OTHER_UNITS:
            continue
        # Look back over "de", ":" (gone in tokens), approximation words.
        j = num.start - 1
        approx = False
        while j >= 0 and words[j] in _APPROX_OR_LINK:
            if words[j] in _APPROX:
                approx = True
            j -= 1
        before = words[j] if j >= 0 else ""
        prev = words[num.start - 1] if num.start else ""
        if prev in _DURATION_BEFORE or before in _DURATION_BEFORE:
            continue
        followed_by_years = after in _YEARS_WORDS
        if followed_by_years or before in _AGE_BEFORE or (before == "de" and prev == "edad"):
            end = num.end + (1 if followed_by_years else 0)
            out.append(AgeFound(num.value, approx, j + 1 if approx else num.start, end))
        elif alone or (approx and j < 0):
            out.append(AgeFound(num.value, approx, num.start, num.end))
    return out
