"""Relationship between the relative and the sought person, and where the relative gives their name.

The code is always the RELATIVE's role towards the sought person, as a consulate's form records it:
"soy su madre" -> ``mother``; "busco a mi hijo" -> ``parent`` (the writer is the parent; whether
mother or father is not said); "mi hermano" -> ``sibling``; "mi esposo" -> ``spouse``.
When the relative names the sought person with a gendered word ("mi hermano", "mi hija") the
person's gender is returned as a hint for matching.

Codes: mother, father, parent, child, spouse, partner, sibling, cousin, uncle_aunt, nephew_niece,
grandparent, grandchild, in_law, step_parent, step_child, godparent, godchild, friend, neighbour,
relative.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.language.normalize import Token, fold_word

CODES = (
    "mother",
    "father",
    "parent",
    "child",
    "spouse",
    "partner",
    "sibling",
    "cousin",
    "uncle_aunt",
    "nephew_niece",
    "grandparent",
    "grandchild",
    "in_law",
    "step_parent",
    "step_child",
    "godparent",
    "godchild",
    "friend",
    "neighbour",
    "relative",
)

# The relative's role when the sought person is called by the word: "mi hijo" -> I am the parent.
INVERSE = {
    "mother": "child",
    "father": "child",
    "parent": "child",
    "child": "parent",
    "spouse": "spouse",
    "partner": "partner",
    "sibling": "sibling",
    "cousin": "cousin",
    "uncle_aunt": "nephew_niece",
    "nephew_niece": "uncle_aunt",
    "grandparent": "grandchild",
    "grandchild": "grandparent",
    "in_law": "in_law",
    "step_parent": "step_child",
    "step_child": "step_parent",
    "godparent": "godchild",
    "godchild": "godparent",
    "friend": "friend",
    "neighbour": "neighbour",
    "relative": "relative",
}


def _table() -> dict[str, tuple[str, str | None]]:
    rows: list[tuple[str, str, str | None]] = [
        ("madre mama mamá mami mamita mamacita jefecita mother mom mum mommy mama", "mother", "f"),
        ("padre papa papá papi papito papacito father dad daddy", "father", "m"),
        ("padres papas papás parents", "parent", None),
        ("esposa mujer señora senora wife", "spouse", "f"),
        ("esposo marido husband", "spouse", "m"),
        ("conyuge cónyuge pareja spouse", "spouse", None),
        ("novia prometida compañera companera girlfriend fiancee", "partner", "f"),
        ("novio prometido compañero companero boyfriend fiance", "partner", "m"),
        ("partner", "partner", None),
        ("hijo hijito son", "child", "m"),
        ("hija hijita daughter", "child", "f"),
        ("child kid", "child", None),
        ("hermano hermanito brother", "sibling", "m"),
        ("hermana hermanita sister", "sibling", "f"),
        ("sibling", "sibling", None),
        ("primo", "cousin", "m"),
        ("prima", "cousin", "f"),
        ("cousin", "cousin", None),
        ("tio tío uncle", "uncle_aunt", "m"),
        ("tia tía aunt auntie", "uncle_aunt", "f"),
        ("sobrino nephew", "nephew_niece", "m"),
        ("sobrina niece", "nephew_niece", "f"),
        ("abuelo abuelito grandfather grandpa", "grandparent", "m"),
        ("abuela abuelita grandmother grandma", "grandparent", "f"),
        ("nieto grandson", "grandchild", "m"),
        ("nieta granddaughter", "grandchild", "f"),
        ("cuñado cunado suegro yerno", "in_law", "m"),
        ("cuñada cunada suegra nuera", "in_law", "f"),
        ("padrastro stepfather", "step_parent", "m"),
        ("madrastra stepmother", "step_parent", "f"),
        ("hijastro stepson", "step_child", "m"),
        ("hijastra stepdaughter", "step_child", "f"),
        ("padrino godfather", "godparent", "m"),
        ("madrina godmother", "godparent", "f"),
        ("ahijado godson", "godchild", "m"),
        ("ahijada goddaughter", "godchild", "f"),
        ("amigo friend", "friend", "m"),
        ("amiga", "friend", "f"),
        ("vecino neighbor neighbour", "neighbour", "m"),
        ("vecina", "neighbour", "f"),
        ("familiar pariente relative", "relative", None),
    ]
    table: dict[str, tuple[str, str | None]] = {}
    for words, code, gender in rows:
        for w in words.split():
            table[fold_word(w)] = (code, gender)
    return table


WORDS = _table()

# "mijo"/"mija" already hold the possessive ("mi hijo").
_SELF_POSSESSED: dict[str, tuple[str, str | None]] = {
    "mijo": ("child", "m"),
    "mija": ("child", "f"),
    "mijito": ("child", "m"),
    "mijita": ("child", "f"),
}

# Words that may stand between the possessive and the relationship word: "mi querido hermano".
_ADJECTIVES = {
    "querido",
    "querida",
    "amado",
    "amada",
    "pobre",
    "unico",
    "unica",
    "mayor",
    "menor",
    "hermoso",
    "hermosa",
    "dear",
    "beloved",
    "little",
    "older",
    "younger",
    "big",
    "mas",
}
_NEEDS_ARTICLE = {"mujer", "senora"}
_POSSESSIVE = {"mi", "mis", "my", "nuestro", "nuestra", "nuestros", "nuestras", "our"}
_SELF = {"soy", "somos", "am", "im"}
_BETWEEN_SELF = {"el", "la", "los", "las", "su", "sus", "his", "her", "their", "the", "a", "un", "una"}
# Short replies to "¿Qué es usted de la persona?": "hermana", "su madre", "la esposa".
_SHORT_REPLY_FILLER = {
    "su",
    "sus",
    "el",
    "la",
    "soy",
    "yo",
    "his",
    "her",
    "i",
    "am",
    "im",
    "de",
    "del",
    "ella",
    "es",
    "él",
}


def lookup(word: str) -> tuple[str, str | None] | None:
    """(code of what the word names, gender) for a folded word, plurals included."""
    hit = WORDS.get(word)
    if hit is None and len(word) > 3 and word.endswith("s"):
        hit = WORDS.get(word[:-1])
        if hit is None and word.endswith("es"):
            hit = WORDS.get(word[:-2])
        if hit is not None:
            hit = (hit[0], None) if hit[0] != "mother" and hit[0] != "father" else ("parent", None)
    return hit


@dataclass(frozen=True, slots=True)
class Relationship:
    code: str  # the relative's role towards the sought person
    sought_gender: str | None  # 'm' / 'f' when the relative's word for the person says it
    start: int  # token span of the phrase (for the name finder to skip)
    end: int
    word_index: int  # index of the relationship word itself
    possessive: bool  # "mi hermano" (True) or "soy su madre" (False)


def find_relationship(tokens: list[Token], content_count: int | None = None) -> list[Relationship]:
    """Every relationship phrase, in text order; the caller takes the first."""
    words = [t.folded for t in tokens]
    n = len(words)
    out: list[Relationship] = []
    for i, w in enumerate(words):
        if w in _SELF_POSSESSED:
            code, gender = _SELF_POSSESSED[w]
            out.append(Relationship(INVERSE[code], gender, i, i + 1, i, True))
            continue
        hit = lookup(w)
        if hit is None:
            continue
        code, gender = hit
        # Walk back over adjectives and articles to the possessive or "soy".
        j = i - 1
        while j >= 0 and words[j] in _ADJECTIVES:
            j -= 1
        if j >= 0 and words[j] in _POSSESSIVE:
            # "la esposa de mi hermano": the first word is the relationship that matters; nested
            # possessives are rare and the first phrase wins in parse.py.
            out.append(Relationship(INVERSE[code], gender, j, i + 1, i, True))
            continue
        k = j
        while k >= 0 and words[k] in _BETWEEN_SELF:
            k -= 1
        # "soy mujer" / "soy señora" speak of the writer, not of a bond: those words need an
        # article or possessive between ("soy su mujer", "soy la señora de José").
        needs_between = w in _NEEDS_ARTICLE and k == j
        if k >= 0 and words[k] in _SELF and not needs_between:
            out.append(Relationship(code, None, k, i + 1, i, False))
            continue
        if k >= 1 and words[k] == "am" and words[k - 1] == "i" and not needs_between:
            out.append(Relationship(code, None, k - 1, i + 1, i, False))
            continue
        # A short reply made only of the word (and filler): the relative's own role.
        if (
            content_count is not None
            and content_count <= 1
            and not (w in _NEEDS_ARTICLE and k == j)
            and all(x in _SHORT_REPLY_FILLER or x == w for x in words if not x.isdigit())
        ):
            out.append(Relationship(code, None, 0, n, i, False))
    return out


# Phrases after which the relative gives their own name.
SELF_NAME_TRIGGERS: tuple[tuple[str, ...], ...] = (
    ("me", "llamo"),
    ("mi", "nombre", "es"),
    ("mi", "nombre"),
    ("le", "habla"),
    ("les", "habla"),
    ("te", "habla"),
    ("habla",),
    ("soy",),
    ("my", "name", "is"),
    ("i", "am"),
    ("i", "m"),
    ("im",),
    ("this", "is"),
)
