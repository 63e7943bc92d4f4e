"""The words a roster CSV may use: header aliases, status words, yes/no words, country names.

Everything is compared after ``squash``: lower case, accents dropped, and spaces, underscores and
hyphens removed, so "Sin_Confirmar", "sin confirmar" and "SIN CONFIRMAR" are one word.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from bot.matching.keys import fold

# Canonical column -> accepted header spellings (CONTRACT.md, "Roster CSV").
COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "id"),
    "given_names": ("given_names", "nombres"),
    "surnames": ("surnames", "apellidos"),
    "nationality": ("nationality", "nacionalidad"),
    "birth_date": ("birth_date", "fecha_nacimiento"),
    "age": ("age", "edad"),
    "status": ("status", "estado"),
    "location": ("location", "ubicacion"),
    "source": ("source", "fuente"),
    "verified_at": ("verified_at", "verificado_en"),
    "restricted": ("restricted", "restringido"),
}
REQUIRED_COLUMNS = ("given_names", "surnames")

STATUS_WORDS: dict[str, str] = {
    "unconfirmed": "unconfirmed",
    "sin confirmar": "unconfirmed",
    "safe": "safe",
    "a salvo": "safe",
    "ileso": "safe",
    "ilesa": "safe",  # the contract's words, and their feminine forms: lists name women too
    "hospitalized": "hospitalized",
    "hospitalizado": "hospitalized",
    "hospitalizada": "hospitalized",
    "transferred": "transferred",
    "trasladado": "transferred",
    "trasladada": "transferred",
    "released": "released",
    "liberado": "released",
    "liberada": "released",
    "returned": "returned",
    "retornado": "returned",
    "retornada": "returned",
    "deportado": "returned",
    "deportada": "returned",
    "deceased": "deceased",
    "fallecido": "deceased",
    "fallecida": "deceased",
}

TRUE_WORDS = ("1", "sí", "si", "true", "yes", "verdadero")
FALSE_WORDS = ("0", "no", "false", "falso")

# Babel's territory table also holds regions and pseudo-codes that are not countries.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}


@lru_cache(maxsize=4096)  # a list repeats a handful of status and yes/no words a million times
def squash(text: str) -> str:
    """Lower case, no accents, no spaces/underscores/hyphens: how header and status words compare."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in bare if c not in " _-\t")


_HEADERS = {squash(alias): column for column, aliases in COLUMNS.items() for alias in aliases}
_STATUSES = {squash(word): code for word, code in STATUS_WORDS.items()}
_BOOLEANS = {**{squash(w): True for w in TRUE_WORDS}, **{squash(w): False for w in FALSE_WORDS}}


def header_column(name: str) -> str | None:
    """The canonical column a header cell names, or None when it is not a roster column."""
    return _HEADERS.get(squash(name))


def status_code(word: str) -> str | None:
    """The status code of a word ("Hospitalizada" -> "hospitalized"), None if unknown."""
    return _STATUSES.get(squash(word))


def boolean(word: str) -> bool | None:
    return _BOOLEANS.get(squash(word))


@lru_cache(maxsize=1)
def _countries() -> tuple[frozenset[str], dict[str, str]]:
    from babel import Locale

    codes: set[str] = set()
    names: dict[str, str] = {}
    # Spanish names first (the contract); English ones too, since lists from consulates may use them.
    for locale in ("en", "es"):
        for code, name in Locale(locale).territories.items():
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
                codes.add(code)
                names[fold(name)] = code
    return frozenset(codes), names


@lru_cache(maxsize=4096)  # a list names a few countries, a million times
def country_code(text: str) -> str | None:
    """ISO 3166-1 alpha-2 code of "GT", "gt", "Guatemala", "MÉXICO", "Mexico"...; None if unknown."""
    codes, names = _countries()
    stripped = text.strip()
    if len(stripped) == 2 and stripped.upper() in codes:
        return stripped.upper()
    return names.get(fold(stripped))
