"""How relatives write a date, an age, a nationality and a name (SPEC section 4), as FICTIONAL text.

Noise never changes what is meant: the harness's oracle judges what the persona meant to say, so
a typo that the bot cannot read costs recall, and one it reads as another person is caught.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date

from tests.adversarial import vocab as V

DATE_STYLES = ("long", "long_del", "slash", "slash_short", "dash_short", "iso")


def write_date(day: date, style: str) -> str:
    """The documented forms (SPEC 4): 3 de mayo de 1996, 3 de mayo del 96, 03/05/1996, 3-5-96, 1996-05-03."""
    month = V.MONTHS[day.month - 1]
    match style:
        case "long":
            return f"{day.day} de {month} de {day.year}"
        case "long_del":
            return f"{day.day} de {month} del {day.year % 100:02d}"
        case "slash":
            return f"{day.day:02d}/{day.month:02d}/{day.year}"
        case "slash_short":
            return f"{day.day}/{day.month}/{day.year}"
        case "dash_short":
            return f"{day.day}-{day.month}-{day.year % 100:02d}"
        case "iso":
            return day.isoformat()
    raise ValueError(style)


def write_age(years: int, words: bool) -> str:
    return V.number_words(years) if words else str(years)


def write_nationality(code: str, female: bool, rng: random.Random) -> str:
    """A phrase stating the person's nationality: "es guatemalteco", "es de Honduras", "chapín"..."""
    country = V.COUNTRIES[code]
    demonym = country.female if female else country.male
    options = [f"es {demonym}", demonym, f"es de {country.name}", f"de nacionalidad {country.female}"]
    if country.colloquial and not female:
        options.append(f"es {country.colloquial}")
    return rng.choice(options)


def write_country_answer(code: str, female: bool, rng: random.Random) -> str:
    """An answer to "¿De qué país es?": "Guatemala", "es hondureño"..."""
    country = V.COUNTRIES[code]
    return rng.choice([country.name, f"de {country.name}", country.female if female else country.male,
                       f"es {country.female if female else country.male}"])


def strip_accents(text: str) -> str:
    """Without accents, case kept (ñ becomes n, as on a phone without a Spanish keyboard)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


_SWAPS = (("b", "v"), ("v", "b"), ("z", "s"), ("s", "z"), ("ll", "y"), ("y", "ll"), ("ce", "se"), ("ci", "si"))


def typo(word: str, rng: random.Random) -> str:
    """One spelling slip of the kinds SPEC 4 lists (b/v, s/z/c, y/ll, silent h, Martines), or a
    doubled or dropped inner letter. Never the first or last letter of a short word."""
    low = word.lower()
    if low.endswith("ez") and rng.random() < 0.4:
        return word[:-1] + ("S" if word.isupper() else "s")  # Martínez -> Martines
    if low.startswith("h") and len(word) > 4 and rng.random() < 0.4:
        return word[1].upper() + word[2:]  # silent h: Hernández -> Ernández
    for a, b in rng.sample(_SWAPS, len(_SWAPS)):
        i = low.find(a, 1, len(low) - 1)
        if i > 0:
            return word[:i] + b + word[i + len(a):]
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i] + word[i:] if rng.random() < 0.5 else word[:i] + word[i + 1:]


def write_name(given: tuple[str, ...], surnames: tuple[str, ...], *, rng: random.Random, style: str = "plain",
               typos: bool = False, typo_given: bool = True) -> str:
    """The sought person's name as the relative types it. ``style``: plain or surnames_first (the
    caller passes the words it means: a nickname, the first given name, one surname...).
    Typos only touch words of six letters or more, and given names only when ``typo_given``."""

    def slip(words: tuple[str, ...], allowed: bool) -> list[str]:
        return [typo(w, rng) if typos and allowed and len(w) >= 6 and rng.random() < 0.5 else w for w in words]

    first, last = slip(given, typo_given), slip(surnames, True)
    match style:
        case "plain":
            return " ".join((*first, *last))
        case "surnames_first":
            return " ".join((*last, *first))
    raise ValueError(style)


def shout(text: str) -> str:
    """ALL CAPS, as many relatives write on a phone."""
    return text.upper()
