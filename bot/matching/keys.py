"""Search keys stored for each person (indexed in the database for retrieval); pure.

``person_keys`` is called whenever a person's names are written (import, API); the matching module
uses the same folding and phonetic keys on what a relative writes. ``name_index_keys`` and
``token_variants`` give the rows of the two name-index tables (see docs/matching.md). If the folding
or the phonetic rules change, a migration must recompute the stored keys.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import combinations
from typing import NamedTuple

_NON_ALNUM = re.compile(r"[^a-z0-9ñ ]+")
_SPACES = re.compile(r"\s+")

# Longest stored index key; longer (absurd) names are cut, which only costs recall on that name.
MAX_KEY_LENGTH = 120
# Tokens shorter than this get no one-letter-deletion variants: "ana" would otherwise neighbour
# "an", "aa" and "na" and every three-letter name.
MIN_VARIANT_LENGTH = 4


def fold(text: str) -> str:
    """Lower-case, strip accents (keeping ñ as n), drop punctuation, squeeze spaces."""
    if text.isascii():  # nothing to decompose: the common case, five times faster
        stripped = text.lower()
    else:
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
    return name_keys(given_names, surnames).person


class NameKeys(NamedTuple):  # a tuple: built a million times by an import, a dataclass is slower
    """Everything stored for one person's name, computed once (a roster import computes it for a
    million persons): the person's search keys, its name-index keys and name size, and its tokens
    (whose variants go into ``name_variants``)."""

    person: dict[str, str]  # Person.name_key, given_key, surname_key, phonetic_key
    index_keys: frozenset[str]  # person_name_keys.index_key
    size: int  # person_name_keys.name_size: how many words the name has
    tokens: frozenset[str]  # the single-token index keys


def name_keys(given_names: str, surnames: str) -> NameKeys:
    """``person_keys``, ``name_index_keys`` and the name size of one person, in one computation."""
    given, given_tokens = _name_part(given_names)
    surname, surname_tokens = _name_part(surnames)
    index, tokens = _index_keys(given_tokens, surname_tokens)
    return NameKeys(
        person={
            "given_key": given,
            "surname_key": surname,
            "name_key": f"{given} {surname}".strip(),
            "phonetic_key": " ".join(given_tokens + surname_tokens)[:400],
        },
        index_keys=index,
        size=min(len(given_tokens) + len(surname_tokens), 255),
        tokens=tokens,
    )


@lru_cache(maxsize=1 << 16)
def _name_part(text: str) -> tuple[str, tuple[str, ...]]:
    """The folded text and the phonetic tokens of given names or surnames. Cached: names repeat
    (a few thousand given names and surnames cover most of a national list), and the cache holds
    at most 65,536 of them."""
    from bot.matching.name_lists import PARTICLES
    from bot.matching.phonetic import phonetic  # phonetic imports fold from here

    folded = fold(text)
    words = [w for w in folded.split() if w not in PARTICLES and len(w) > 1]
    return folded, tuple(k for k in (phonetic(w) for w in words) if k)


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
    return set(name_keys(given_names, surnames).index_keys)


def _index_keys(given: tuple[str, ...], surnames_: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """The index keys of these tokens, and those of them that are single tokens. (Not cached: a
    full name is nearly as rare as the person.)"""
    keys = {t[:MAX_KEY_LENGTH] for t in given + surnames_}
    keys.update(pair_key(g, s) for g in given for s in surnames_)
    keys.update(pair_key(a, b) for a, b in combinations(surnames_, 2))
    if not surnames_:
        keys.update(pair_key(a, b) for a, b in combinations(given, 2))
    return frozenset(keys), frozenset(k for k in keys if " " not in k)


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
