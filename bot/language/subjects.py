"""Whose detail is it: the sought person's, the relative's own, someone else's, or a place.

Relatives write about themselves and tell a story: "Tengo 45 años. Busco a mi esposo Hugo, es
venezolano", "soy guatemalteca", "salió de Honduras, pasó por México en bus". Only details stated
about the sought person may fill the person's slots (SPEC section 5 rule 3): a wrong detail may
disclose to the wrong person or refuse the right one, while a missing one only makes the bot ask.
So when the text does not say clearly whose a detail is, it is nobody's.

The reading, for one detail (a date, a year, an age, a nationality), goes back from the detail to
the start of its clause (punctuation ends a clause) and stops at the first thing that says whose it
is:
- a mention: a person's name or the word for them ("mi hermano"), the relative's own words ("yo",
  "tengo", "soy", "nací", "mi edad", their name), another person ("su papá", "mi mamá" when the
  person sought is someone else);
- a third-person word ("tiene", "es", "nació", "él", "de nacionalidad"): the detail is about whoever
  was last mentioned apart from the relative, or the first sought person when nobody was;
- for a nationality, a word of the journey ("salió de", "pasó por", "en", "desde", "vive en"): a
  place the story passes through, never a nationality ("nació en Honduras" is one, though).
A clause with none of those ("Busco a mi hijo Kevin, 19 años, hondureño") speaks of whoever was last
mentioned; a message that mentions nobody (a bare answer: "27", "guatemalteco") speaks of the person.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

RELATIVE = -1  # the person writing
OTHER = -2  # someone else the message mentions
PLACE = -3  # a place the story passes through (nationalities only)

# The relative's own words: a detail right after them is the relative's. Not "estoy" ("estoy
# desesperada. 30 años" still speaks of the person) nor "vivo" ("¿está vivo?").
FIRST_PERSON = frozenset(
    """
    yo tengo soy somos tenemos naci nacimos cumpli cumplimos nosotros nosotras i im am
    """.split()
)
FIRST_PERSON_PAIRS = frozenset(
    {
        ("mi", "edad"),
        ("mi", "nacionalidad"),
        ("mi", "fecha"),
        ("mis", "anos"),
        ("me", "llamo"),
        ("my", "age"),
        ("i", "was"),
    }
)
# Third-person words: the detail is about the person the message is talking about.
THIRD_PERSON = frozenset(
    """
    tiene tenia tenga tuviera es era sea fue nacio nacido nacida cumplio cumple cumplira cumpliria tendra
    tendria ella nacionalidad originario originaria oriundo oriunda natural edad llama llamado llamada
    he she is was has born aged age
    """.split()
)
# The verbs and pronouns among them: said ahead of any name, they still describe the person sought.
THIRD_PERSON_VERBS = frozenset(
    """
    tiene tenia tenga tuviera es era sea fue nacio nacido nacida cumplio cumple cumplira cumpliria tendra
    tendria ella he she is was has born
    """.split()
)
# Words of a journey or a stay: a country after them is a place, not a nationality.
JOURNEY = frozenset(
    """
    salio salieron salimos sali saliendo paso pasaron pasamos pasando cruzo cruzaron cruzamos cruce
    cruzando viajo viajaba viajaron viajamos viajando venia venian viene vienen vino venimos venian
    llego llegaron llegamos llegando desde por hacia hasta rumbo camino vive vivia vivimos viven vivian
    vivio vivo radica radicaba reside residia estaba estaban estuvo esta estan estamos en deportado
    deportada deportados deportaron regreso regresaron regresado trasladado trasladaron trasladada a al
    para bus autobus tren camion frontera huyo huyeron escapo entro entraron atraveso atravesaron
    transito through via left
    """.split()
)
_JOURNEY_VERBS = JOURNEY - {"en", "in", "a", "al", "por", "desde", "hacia", "hasta", "para", "via", "through"}
# "nació en Honduras": "en" after a birth word states a nationality.
_BIRTH_WORDS = frozenset({"nacio", "nacido", "nacida", "naci", "nacimos", "born"})


# Words that open a noun phrase of its own ("el coyote", "mi otro hijo", "una señora").
_DETERMINERS = frozenset({"el", "la", "los", "las", "un", "una", "unos", "unas", "mi", "mis", "su", "sus", "otro",
                          "otra", "este", "esta", "ese", "esa", "the", "my", "his", "her", "another"})
# ... except the person's own details: "su fecha de nacimiento es", "su edad es", "la edad".
_DETAIL_NOUNS = frozenset({"fecha", "edad", "nacionalidad", "nombre", "cumpleanos", "pais", "origen", "date",
                           "age", "nationality", "birthday", "country"})


@dataclass(frozen=True, slots=True)
class Mentioned:
    """Tokens [start, end) that name someone: a person (index >= 0), RELATIVE or OTHER."""

    start: int
    end: int
    who: int


def first_person_mentions(words: list[str]) -> list[Mentioned]:
    """The relative's own words ("yo", "tengo", "soy", "mi edad") as mentions of RELATIVE."""
    out = []
    for i, w in enumerate(words):
        if w in FIRST_PERSON:
            out.append(Mentioned(i, i + 1, RELATIVE))
        elif i + 1 < len(words) and (w, words[i + 1]) in FIRST_PERSON_PAIRS:
            out.append(Mentioned(i, i + 2, RELATIVE))
    return out


class Attribution:
    """Answers "whose is the detail at token i?" for one message (mentions sorted once)."""

    def __init__(self, words: list[str], breaks: list[bool], mentions: list[Mentioned]) -> None:
        self.words = words
        self.breaks = breaks
        # The narrowest mention wins where two overlap.
        self.at: dict[int, int] = {}
        for m in sorted(mentions, key=lambda m: (m.end - m.start, m.start)):
            for i in range(m.start, m.end):
                self.at.setdefault(i, m.who)
        self.ends = sorted((m.end, m.who) for m in mentions)
        self._end_keys = [e for e, _ in self.ends]
        # Where the message first names a sought person. A detail before it, with nobody named yet,
        # is not theirs: "Venezolana, 45 años. Busco a Hugo…", "La suscrita, de nacionalidad
        # venezolana, de 45 años, solicita información sobre Hugo…" speak of the writer.
        sought = [m.start for m in mentions if m.who >= 0]
        self.first_sought = min(sought) if sought else None

    def whose(self, start: int, nationality: bool = False) -> int:
        """Whose the detail starting at token ``start`` is: a person index, RELATIVE, OTHER or PLACE."""
        words = self.words
        j = start - 1
        while j >= 0 and not self.breaks[j]:
            if j in self.at:
                return self.at[j]
            w = words[j]
            if nationality and w in JOURNEY:
                if not (w in ("en", "in") and self._born_before(j)):
                    return PLACE
            elif w in THIRD_PERSON:
                if j >= 1 and j - 1 in self.at and not self.breaks[j - 1]:
                    return self.at[j - 1]  # the subject right before the verb: "mi edad es 45"
                if self._someone_else_is_the_subject(j):
                    return OTHER
                return self._third_person_before(j, verb=w in THIRD_PERSON_VERBS)
            j -= 1
        if nationality and j >= 0 and self._journey_just_before(j):
            return PLACE  # "salió de Caracas, Venezuela": the country of a place on the way
        return self._last_mentioned_before(start)

    def _journey_just_before(self, end: int) -> bool:
        """A journey word among the last few words of the clause that ends at token ``end``."""
        k = end
        while k >= 0 and end - k < 4:
            if self.words[k] in _JOURNEY_VERBS:
                return True
            if k > 0 and self.breaks[k - 1]:
                break
            k -= 1
        return False

    def _someone_else_is_the_subject(self, verb: int) -> bool:
        """"El coyote tenía 27 años", "mi otro hijo tiene 27": a noun of its own (after an article
        or a possessive) earlier in the clause, naming nobody we know of, is the verb's subject."""
        i = verb - 2
        while i >= 0 and not self.breaks[i]:
            if i in self.at or i + 1 in self.at:
                return False  # someone we know is nearer the verb: they are its subject
            if self.words[i] in _DETERMINERS:
                following = self.words[i + 1]
                if following not in _DETAIL_NOUNS and following not in THIRD_PERSON and following.isalpha():
                    return True
            i -= 1
        return False

    def _born_before(self, index: int) -> bool:
        """"nació en", "nació el 5-6-98 en": a birth word earlier in the clause, no journey between."""
        k = index - 1
        while k >= 0 and not self.breaks[k]:
            if self.words[k] in _BIRTH_WORDS:
                return True
            if self.words[k] in _JOURNEY_VERBS:
                return False
            k -= 1
        return False

    def _third_person_before(self, index: int, *, verb: bool = True) -> int:
        """The last one mentioned before ``index`` who is not the relative; else the first person:
        "Es venezolano, se llama Carlos…" describes him. A noun ahead of any name ("de
        nacionalidad venezolana, de 45 años de edad, solicita información sobre Hugo") does not."""
        k = bisect.bisect_right(self._end_keys, index)
        for _, who in reversed(self.ends[:k]):
            if who != RELATIVE:
                return who
        return 0 if verb else self._nobody_yet(index)

    def _last_mentioned_before(self, index: int) -> int:
        k = bisect.bisect_right(self._end_keys, index)
        return self.ends[k - 1][1] if k else self._nobody_yet(index)

    def _nobody_yet(self, index: int) -> int:
        """Nobody named before ``index``: a bare answer ("27", "guatemalteco") speaks of the person,
        but a detail ahead of the sought person's name is nobody's (when in doubt, nobody's)."""
        return OTHER if self.first_sought is not None and self.first_sought > index else 0
