"""How the relative speaks rather than what they say about the person: blessings, pleas, thanks,
distress, and an honest "no sé".

Relatives write "Dios les pague", "se lo suplico", "que Dios me lo cuide" around their question.
None of those words is a name, and reading "pague" or "suplico" as the sought person's name sends a
relative down a wrong search, so the phrases are found here and their words are set aside before
names are read (parse.py). Distress ("estoy desesperada", "no sabemos nada de él") is acknowledged by
the dialogue in one short phrase; "no sé" (the date, the age) is an honest answer, not a failed
attempt (SPEC section 4).

Everything works on ``fold_inline`` text (lower case, no accents, punctuation kept) so that a phrase
can end at a comma, and returns character spans that stay valid in the cleaned text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def _alternatives(phrases: Iterable[str]) -> str:
    """A regex alternation of folded phrases, with any run of spaces between their words."""
    return "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in sorted(phrases, key=len, reverse=True))


_CLITICS = r"(?:(?:te|le|les|los|las|lo|la|me|nos|se|a|mi|su|sus)\s+){0,3}"
_HOLY = r"(?:dios|diosito|dios padre|mi dios|el senor|la virgen|virgencita|la virgencita|el de arriba)"
# "Dios les pague", "que Dios me lo cuide", "Dios los bendiga a todos", "la Virgen lo acompañe".
_BLESSING = re.compile(
    r"\b(?:que\s+)?" + _HOLY.replace(" ", r"\s+") + r"\s+" + _CLITICS
    + r"(?:pague|paguen|bendiga|bendigan|bendice|cuide|cuiden|guarde|guarden|proteja|protejan|ampare"
    r"|acompane|acompanen|ayude|ayuden|oiga|escuche|quiera|tenga|reciba|recompense|premie|ilumine"
    r"|de|bendijo)\b(?:\s+(?:a\s+)?(?:todos|todas|ustedes|usted|siempre|mucho|grandemente|hoy))?"
)
# Set formulas: exclamations, pleas, sign-offs. Some contain names ("Virgen de Guadalupe", "Ave
# María", "gloria a Dios") that must not be read as the sought person.
_FORMULA_PHRASES = [
    p.strip()
    for p in """
    dios mio; ay dios; dios santo; santo dios; por dios; gracias a dios; gloria a dios; si dios quiere;
    primero dios; dios mediante; dios es grande; dios es bueno; dios es fiel; bendito sea dios;
    bendito dios; en el nombre de dios; en nombre de dios; por el amor de dios; por lo que mas quiera;
    por lo que mas quieran; virgen santisima; virgen de guadalupe; virgencita de guadalupe; virgencita;
    madre santisima; santisima virgen; ave maria purisima; ave maria; dios te salve; amen;
    se lo suplico; se los suplico; se las suplico; les suplico; le suplico; te suplico; se lo ruego;
    se los ruego; les ruego; le ruego; te ruego; se lo pido; se los pido; les pido de favor;
    le pido de favor; se lo imploro; les imploro; de favor; por favor; porfavor; porfa; por fa;
    gracias de antemano; de antemano gracias; de antemano; de ante mano; muchas gracias; mil gracias;
    muchisimas gracias; bendiciones; muchas bendiciones; saludos cordiales; cordialmente; atentamente;
    quedo atento; quedo atenta; quedo en espera; espero su respuesta; espero su pronta respuesta;
    espero pronta respuesta; que tenga buen dia; que tengan buen dia; que tenga buena noche;
    que tengan buena noche; que tenga buenas noches; que tengan buenas noches; feliz dia; feliz noche;
    que este bien; que esten bien; disculpe la molestia; disculpen la molestia; perdone la molestia;
    perdon la molestia; disculpe la hora; perdone la hora
    """.split(";")
]
_FORMULAS = re.compile(r"\b(?:" + _alternatives(_FORMULA_PHRASES) + r")\b")
_THANKS = re.compile(
    r"\b(?:dios|diosito)\s+" + _CLITICS + r"(?:pague|paguen|bendiga|bendigan|recompense|premie)\b"
    r"|\bbendiciones\b|\bde\s+antemano\b|\bagradec\w*\b|\bgracias\b|\bthanks?\b"
)


def courtesy_spans(folded_text: str) -> list[tuple[int, int]]:
    """Character spans of blessings, pleas and courtesy formulas (never part of a name)."""
    spans = [m.span() for m in _BLESSING.finditer(folded_text)]
    spans += [m.span() for m in _FORMULAS.finditer(folded_text)]
    return sorted(spans)


def says_thanks(folded_text: str) -> bool:
    """Thanks, including the blessing that thanks ("Dios les pague", "Dios los bendiga")."""
    return _THANKS.search(folded_text) is not None


# Anguish said in words. "No sé nada de él" is distress, not an answer to a question.
_DISTRESS = re.compile(
    r"\b(?:desesperad[oa]s?|desesperacion|angustiad[oa]s?|angustia|preocupad[oa]s?|preocupacion"
    r"|afligid[oa]s?|destrozad[oa]s?|muert[oa]s? de (?:angustia|miedo|la preocupacion)|con el alma en un hilo"
    r"|no (?:puedo|podemos|he podido|hemos podido) dormir|llorando|lloro|sufriendo|ya no aguanto"
    r"|auxilio|socorro|suplico|suplicamos|imploro|ruego|rogamos|les pido por favor"
    r"|(?:por favor|porfavor|porfa|se lo pido)[\s,]+ayud(?:enme|eme|ame|ennos|enos|en)"
    r"|ayud(?:enme|eme|ennos|enos) (?:por favor|porfavor|porfa)"
    r"|no (?:se|sabemos|he sabido|hemos sabido|tenemos|tengo|hemos tenido|he tenido) (?:nada|noticias|razon)"
    r"|no sabemos (?:nada|donde|si)|no se (?:donde|si) esta|nadie nos (?:dice|da|informa)"
    r"|estoy muy mal|estamos muy mal)\b"
    r"|[\U0001f622\U0001f62d\U0001f625\U0001f630]"
)


def distress(folded_text: str) -> bool:
    """Whether the message says anguish in words ("estoy desesperada", "se lo suplico")."""
    return _DISTRESS.search(folded_text) is not None


# "No sé" and its kin, and what may follow them when they answer a question about a date or an age.
_NOT_KNOWING = re.compile(
    r"\b(?:no\s+(?:(?:lo|la|le|los|me|nos)\s+)?(?:se|sabemos|sabria|sabriamos|sabe|sabia|conozco|conocemos|recuerdo"
    r"|recordamos|acuerdo|acordamos|tengo(?:\s+ni)?\s+idea|tenemos(?:\s+ni)?\s+idea|tengo\s+ese\s+dato"
    r"|tengo\s+el\s+dato|tengo\s+la\s+fecha|tenemos\s+la\s+fecha|estoy\s+segur[oa]|estamos\s+segur[oa]s)"
    r"|ni\s+idea|desconozco|desconocemos|quien\s+sabe|sabra\s+dios"
    r"|(?:i\s+)?(?:dont|don't|do\s+not)\s+know|no\s+idea|not\s+sure)\b"
)
# After the phrase: nothing (end of the clause), or words about the date or the age, or courtesy.
_ABOUT_DETAIL = frozenset(
    """
    cuando fecha fechas edad ano anos dia mes cuantos cuantas exactamente exacto exacta bien decirle decirte
    decir eso dato datos nacio nacimiento cumpleanos date age birthday when exactly
    """.split()
)
_SKIPPABLE = frozenset(
    """
    de la el su sus los las en que cual la verdad pues senorita senor senora joven disculpe perdon lo siento
    muy tampoco si sinceramente honestamente his her the
    """.split()
)
_CLAUSE_END = re.compile(r"[.,;:!?¿¡\n]")


def dont_know_spans(folded_text: str) -> list[tuple[int, int]]:
    """Character spans where the relative says they do not know (the date, the age).

    "No sé", "no sé cuándo nació", "no me acuerdo", "ni idea", "desconozco la fecha". Not "no sé nada
    de él" (distress), "no se llama José" (a correction) nor "no sé dónde está" (the question itself).
    """
    out = []
    for m in _NOT_KNOWING.finditer(folded_text):
        rest = folded_text[m.end() :]
        cut = _CLAUSE_END.search(rest)
        following = (rest[: cut.start()] if cut else rest).split()
        words = [w for w in following if w not in _SKIPPABLE]
        if not following or (words and words[0] in _ABOUT_DETAIL) or (following and not words):
            out.append(m.span())
    return out
