"""Nicknames (hipocorísticos) for the matcher: the table lives with the language layer
(``bot.language.names.NICKNAMES``, folded nickname -> folded given names it stands for); this
module only gives the matcher the single words it compares.
"""

from __future__ import annotations

from functools import lru_cache

from bot.language.names import NICKNAMES

__all__ = ["NICKNAMES", "expand_nickname"]


@lru_cache(maxsize=4096)
def expand_nickname(folded_token: str) -> tuple[str, ...]:
    """The given names a folded nickname may stand for, one word each ("chema" stands for "josé
    maría": its first word, "jose", is what the record's first given name must be). Empty when
    the word is not a nickname."""
    words = (name.split()[0] for name in NICKNAMES.get(folded_token, ()) if name.split())
    return tuple(dict.fromkeys(words))
