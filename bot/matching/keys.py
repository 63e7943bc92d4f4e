"""Search keys stored for each person (indexed in the database for retrieval); pure.

``person_keys`` is called whenever a person's names are written (import, API); the matching module
uses the same folding and phonetic keys on what a relative writes. ``name_index_keys`` and
``token_variants`` give the rows of the two name-index tables (see docs/matching.md). If the folding
or the phonetic rules change, a migration must recompute the stored keys.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import combinations

_NON_ALNUM = re.compile(r"[^a-z0-9ñ ]+")
_SPACES = re.compile(r"\s+")

# Longest stored index key; longer (absurd) names are cut, which only costs recall on that name.
MAX_KEY_LENGTH = 120
# Tokens shorter than this get no one-letter-deletion variants: "ana" would otherwise neighbour
# "an", "aa" and "na" and every three-letter name.
MIN_VARIANT_LENGTH = 4


def fold(text: str) -> str:
    """Lower-case, strip accents (keeping ñ as n), drop punctuation, squeeze spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = _NON_ALNUM.sub(" ", stripped.replace("ñ", "n"))
    return _SPACES.sub(" ", stripped).strip()


def name_words(text: str) -> list[str]:
    """The folded words of a name that carry identity: particles (de, del, la, y...) and single
    letters (initials) are dropped."""
    from bot.matching.name_lists import PARTICLES

    return [w for w in fold(text).split() if w not in PARTICLES and len(w) > 1]


def phonetic_tokens(text: str) -> list[str]:
    """The phonetic key of every identity-carrying word of a name, in order."""
    from bot.matching.phonetic import phonetic  # phonetic imports fold from here

    return [k for k in (phonetic(w) for w in name_words(text)) if k]


def person_keys(given_names: str, surnames: str) -> dict[str, str]:
    """The values of Person.name_key, given_key, surname_key and phonetic_key."""
    given = fold(given_names)
    surname = fold(surnames)
    return {
        "given_key": given,
        "surname_key": surname,
        "name_key": f"{given} {surname}".strip(),
        "phonetic_key": " ".join(phonetic_tokens(given_names) + phonetic_tokens(surnames))[:400],
    }


def pair_key(a: str, b: str) -> str:
    """The index key of two name tokens, whatever their order in the name."""
    return " ".join(sorted((a, b)))[:MAX_KEY_LENGTH]


def name_index_keys(given_names: str, surnames: str) -> set[str]:
    """The keys under which a person is found: every single token, and every pair of tokens that
    a relative can use to name them (a given name with a surname, two surnames).

    Pairs are what keeps retrieval fast on a large roster: "jose" alone matches a few per cent of
    the people, "jose ernandes" a fraction of a per cent. Pairs of two given names ("jose luis")
    are not stored: they are as common as single names and never identify anyone. Pairs are
    unordered, so surnames-first input finds the same rows; order is judged by the scorer.
    """
    given = phonetic_tokens(given_names)
    surnames_ = phonetic_tokens(surnames)
    keys = {t[:MAX_KEY_LENGTH] for t in given + surnames_}
    keys.update(pair_key(g, s) for g in given for s in surnames_)
    keys.update(pair_key(a, b) for a, b in combinations(surnames_, 2))
    if not surnames_:
        keys.update(pair_key(a, b) for a, b in combinations(given, 2))
    return keys


def token_variants(token: str) -> set[str]:
    """The token and, when long enough, every one-letter deletion of it.

    Two tokens within one edit (insertion, deletion, substitution, transposition) share a variant,
    so storing the variants of every known token lets a single indexed lookup find the known
    tokens near a mistyped one (the symmetric-deletion method); the caller confirms the distance.
    """
    token = token[:MAX_KEY_LENGTH]
    variants = {token}
    if len(token) >= MIN_VARIANT_LENGTH:
        variants.update(token[:i] + token[i + 1 :] for i in range(len(token)))
    return variants
