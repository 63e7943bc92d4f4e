"""Spanish numbers written in words ("veintisiete", "treinta y dos", "veintidos" without accent).

text2num reads correctly accented Spanish but rejects the unaccented spellings relatives type on
phones ("veintidos", "veintitres", "veintiun") and the old split forms ("veinte y dos"); the words
are re-accented before asking it, and a small table answers if it still refuses.
"""

from __future__ import annotations

from dataclasses import dataclass

from text_to_num import text2num

from bot.language.normalize import Token

_UNITS = {
    "uno": 1,
    "un": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
}
_TEENS = {
    "cero": 0,
    "diez": 10,
    "once": 11,
    "doce": 12,
    "trece": 13,
    "catorce": 14,
    "quince": 15,
    "dieciseis": 16,
    "diecisiete": 17,
    "dieciocho": 18,
    "diecinueve": 19,
    "veinte": 20,
    "veintiuno": 21,
    "veintiun": 21,
    "veintiuna": 21,
    "veintidos": 22,
    "veintitres": 23,
    "veinticuatro": 24,
    "veinticinco": 25,
    "veintiseis": 26,
    "veintisiete": 27,
    "veintiocho": 28,
    "veintinueve": 29,
}
_TENS = {
    "treinta": 30,
    "cuarenta": 40,
    "cincuenta": 50,
    "sesenta": 60,
    "setenta": 70,
    "ochenta": 80,
    "noventa": 90,
    "veinte": 20,
    "diez": 10,
}
_HUNDRED = {"cien": 100, "ciento": 100}

# Folded spelling -> the accented spelling text2num knows.
_REACCENT = {
    "dieciseis": "dieciséis",
    "veintidos": "veintidós",
    "veintitres": "veintitrés",
    "veintiseis": "veintiséis",
    "veintiun": "veintiuno",
    "veintiuna": "veintiuno",
}

NUMBER_WORDS = frozenset(_UNITS) | frozenset(_TEENS) | frozenset(_TENS) | frozenset(_HUNDRED)


@dataclass(frozen=True, slots=True)
class Number:
    value: int
    start: int  # token index
    end: int  # exclusive
    in_words: bool


def _words_value(words: list[str]) -> int | None:
    """text2num on the re-accented words; the table when text2num refuses (e.g. "veinte y dos")."""
    try:
        return int(text2num(" ".join(_REACCENT.get(w, w) for w in words), "es"))
    except (ValueError, TypeError, IndexError, KeyError):
        pass
    total = 0
    for w in words:
        if w == "y":
            continue
        total += _HUNDRED.get(w) or _TENS.get(w) or _TEENS.get(w) or _UNITS.get(w, 0)
    return total


def find_numbers(tokens: list[Token]) -> list[Number]:
    """Digit tokens (up to 3 digits) and runs of number words, in text order.

    A word run is [cien|ciento] [tens [y units] | teens | units]; a lone "un"/"una"/"uno" is an
    article far more often than a number and is not read.
    """
    out: list[Number] = []
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.is_digit:
            if len(tok.text) <= 3:
                out.append(Number(int(tok.text), i, i + 1, False))
            i += 1
            continue
        j = i
        words: list[str] = []
        if tokens[j].folded in _HUNDRED:
            words.append(tokens[j].folded)
            j += 1
        if j < n and tokens[j].folded in _TENS and tokens[j].folded not in ("veinte", "diez"):
            words.append(tokens[j].folded)
            j += 1
            if j + 1 < n and tokens[j].folded == "y" and tokens[j + 1].folded in _UNITS:
                words += ["y", tokens[j + 1].folded]
                j += 2
        elif j < n and tokens[j].folded in ("veinte", "diez"):
            words.append(tokens[j].folded)
            j += 1
            if j + 1 < n and tokens[j].folded == "y" and tokens[j + 1].folded in _UNITS:  # "veinte y dos"
                words += ["y", tokens[j + 1].folded]
                j += 2
        elif j < n and tokens[j].folded in _TEENS:
            words.append(tokens[j].folded)
            j += 1
        elif j < n and tokens[j].folded in _UNITS and (words or tokens[j].folded not in ("un", "una", "uno")):
            words.append(tokens[j].folded)
            j += 1
        if words:
            value = _words_value(words)
            if value is not None:
                out.append(Number(value, i, j, True))
            i = j
        else:
            i += 1
    return out
