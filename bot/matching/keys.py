"""Accent-folded search keys stored on each person (indexed in the database for retrieval).

``person_keys`` is called whenever a person's names are written (import, API); the matching module
uses the same folding on what a relative writes. If the folding changes, a migration must recompute
the stored keys.
"""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9ñ ]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip accents (keeping ñ as n), drop punctuation, squeeze spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = _NON_ALNUM.sub(" ", stripped.replace("ñ", "n"))
    return _SPACES.sub(" ", stripped).strip()


def person_keys(given_names: str, surnames: str) -> dict[str, str]:
    """The values of Person.name_key, given_key, surname_key and phonetic_key."""
    given = fold(given_names)
    surname = fold(surnames)
    return {
        "given_key": given,
        "surname_key": surname,
        "name_key": f"{given} {surname}".strip(),
        "phonetic_key": "",
    }
