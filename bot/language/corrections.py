"""Corrections: "no, es Luis, no José", "perdón, se llama Luis", "me equivoqué, nació en 1995",
"no es guatemalteco, es hondureño".

A message corrects a detail when it says a value is wrong (a negated value: "no José", "no es
guatemalteco") or carries a correction marker ("perdón", "me equivoqué", "quise decir", "mejor
dicho", "I meant"...) together with details. The engine then REPLACES those details instead of
adding to them.
"""

from __future__ import annotations

from bot.language.normalize import Token

_MARKERS: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split())
    for p in (
        "perdon",
        "perdone",
        "me equivoque",
        "me equivoco",
        "me equivoqué",
        "equivocado",
        "equivocada",
        "me confundi",
        "confundido",
        "confundida",
        "corrijo",
        "correccion",
        "corregir",
        "mejor dicho",
        "quise decir",
        "quiero decir",
        "queria decir",
        "en realidad",
        "estaba mal",
        "fue un error",
        "sorry",
        "i meant",
        "i mean",
        "actually",
        "correction",
        "my mistake",
        "oops",
        "lo correcto es",
        "mal escrito",
        "escribi mal",
        "me corrijo",
    )
)

# A value right after these words is being denied: "no José", "no es guatemalteco", "ni Pedro".
NEGATORS = frozenset({"no", "ni", "not", "isnt", "wasnt", "nunca"})
_COPULAS = frozenset(
    {"es", "era", "se", "tiene", "tenia", "nacio", "is", "was", "fue", "el", "llama", "de", "en"}
)


# "Perdón que lo moleste", "perdone la hora", "sorry to bother": politeness, not a correction.
_APOLOGY = frozenset({"perdon", "perdone", "sorry"})
_POLITE_AFTER = frozenset(
    {"que", "la", "las", "por", "si", "pero", "to", "for", "the", "molestia", "molestar"}
)


_FIRST_WORDS = frozenset(m[0] for m in _MARKERS)


def has_marker(tokens: list[Token]) -> bool:
    words = [t.folded for t in tokens]
    for i in range(len(words)):
        if words[i] not in _FIRST_WORDS:
            continue
        for marker in _MARKERS:
            if tuple(words[i : i + len(marker)]) == marker:
                if (
                    marker[0] in _APOLOGY
                    and len(marker) == 1
                    and i + 1 < len(words)
                    and words[i + 1] in _POLITE_AFTER
                ):
                    continue
                return True
    return False


def starts_with_no(tokens: list[Token], text: str) -> bool:
    """'No, ...' (a denial that introduces the right value)."""
    if not tokens or tokens[0].folded not in ("no", "nop", "nel"):
        return False
    return text[tokens[0].end : tokens[0].end + 2].strip()[:1] in (",", ".", "!", ";", ":")


def is_negated(words: list[str], breaks: list[bool], start: int) -> bool:
    """Whether the item at token ``start`` follows a denial that touches it (no punctuation between:
    in "No, es hondureño" the comma ends the "no")."""
    for back in (1, 2, 3):
        k = start - back
        if k < 0:
            return False
        if any(breaks[k:start]):
            return False
        if words[k] in NEGATORS:
            return all(w in _COPULAS for w in words[k + 1 : start])
    return False
