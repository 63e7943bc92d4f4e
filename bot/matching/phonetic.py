"""A Spanish phonetic key for one name token (pure).

Relatives write names the way they sound: "Baldes" for Valdez, "Jimenes" for Giménez, "Castiyo" for
Castillo, "Ernandez" for Hernández. Two spellings that a Spanish speaker pronounces alike get the same
key, so retrieval and scoring treat them as the same word. The key is deliberately not a general
Spanish phonetic algorithm: it only merges letters that are pronounced alike in Latin American
Spanish (seseo, yeísmo, silent h, b/v), nothing that would merge different names. Vowels are kept
as they are: "Mario" and "María" stay different keys.

If these rules change, the stored keys must be recomputed (a data migration, see docs/matching.md).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.matching.keys import fold

# Placeholders (upper case never survives fold(), so they cannot clash with input letters).
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"ph", "f"),
        (r"th", "t"),
        (r"ch", "C"),  # keep "ch" whole before the h and c rules run
        (r"qu(?=[ei])", "k"),
        (r"q", "k"),
        (r"gu(?=[ei])", "G"),  # Guillermo, Miguel: a hard g, the u is silent
        (r"g(?=[ei])", "j"),  # Giménez = Jiménez, Gerardo = Jerardo
        (r"^x(?=[aeiou])", "j"),  # Ximena = Jimena, Xavier = Javier
        (r"x", "ks"),
        (r"c(?=[ei])", "s"),  # seseo: Cecilia = Sesilia
        (r"z", "s"),  # seseo: Martínez = Martines, Cruz = Crus
        (r"c", "k"),
        (r"v", "b"),  # Valdez = Baldes
        (r"w", "u"),  # Walter = Gualter (spoken), Wilson
        (r"ll", "y"),  # yeísmo: Castillo = Castiyo
        (r"h", ""),  # silent h: Hernández = Ernández
        (r"y(?![aeiou])", "i"),  # Eloy = Eloi, Reynaldo = Reinaldo
        (r"n(?=[bp])", "m"),  # Anbrosio = Ambrosio
        (r"(.)\1+", r"\1"),  # Parra = Para, Lizzeth = Liseth
        (r"C", "ch"),
        (r"G", "g"),
    )
)


@lru_cache(maxsize=65536)
def phonetic(token: str) -> str:
    """The phonetic key of one word (accents, case and punctuation folded first)."""
    key = fold(token).replace(" ", "")
    for pattern, repl in _RULES:
        key = pattern.sub(repl, key)
    return key


def phonetic_words(text: str) -> list[str]:
    """The phonetic key of every word of ``text``, in order (empty keys dropped)."""
    return [k for k in (phonetic(w) for w in fold(text).split()) if k]
