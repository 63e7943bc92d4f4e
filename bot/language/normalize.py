"""Text preparation shared by the understanding modules: cleaning, folding, tokens with positions.

Relatives write on cheap phones: no accents, all caps, emoji, stray control characters. Every
module compares *folded* words (``bot.matching.keys.fold``: lower case, no accents, ñ -> n) but
the name handed back to the engine must be the text as written, so tokens keep their character
offsets in the cleaned original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.matching.keys import fold

__all__ = ["MAX_CHARS", "Token", "clean", "fold", "fold_word", "tokenize"]

# Only the first MAX_CHARS characters of a message are read: a real message about one person is
# far shorter, and the cap keeps the parser's time bounded whatever is pasted into it.
MAX_CHARS = 2000

# A word: letters (any script) with inner apostrophes (K'iche', O'Brien), or a run of digits.
# Hyphens split words so "Pérez-Gómez" is two tokens; the raw name keeps the hyphen.
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|[0-9]+")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


# Control, format, surrogate and private-use characters (Unicode Cc, Cf, Cs, Co), and line/paragraph
# separators. A regex keeps cleaning fast on long pasted texts.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\ue000-\uf8ff\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f\U000f0000-\U0010ffff\t]"
)
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029\x85]")


def clean(text: str) -> tuple[str, bool]:
    """The text to read (NFC, capped, control characters replaced) and whether it was truncated.

    Control and format characters (NUL, zero-width joiners, bidi marks) become spaces so they can
    neither glue two words together nor split one; line breaks are kept as sentence breaks.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    truncated = len(text) > MAX_CHARS
    text = unicodedata.normalize("NFC", text[:MAX_CHARS])
    text = _CONTROL.sub(" ", _LINE_BREAKS.sub("\n", text))
    return _SPACES.sub(" ", text).strip(), truncated


_FOLD_CACHE: dict[str, str] = {}


def fold_word(word: str) -> str:
    """fold() for one word, memoised: the same few thousand words come back in every message."""
    got = _FOLD_CACHE.get(word)
    if got is None:
        got = fold(word).replace(" ", "")
        if len(_FOLD_CACHE) < 50_000:
            _FOLD_CACHE[word] = got
    return got


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # as written
    folded: str  # fold(text), e.g. "jose", "hernandez", "ano"
    start: int
    end: int

    @property
    def is_digit(self) -> bool:
        return self.text.isascii() and self.text.isdigit()

    @property
    def is_capitalised(self) -> bool:
        return self.text[:1].isupper()

    @property
    def is_upper(self) -> bool:
        return self.text.isupper()


def tokenize(text: str) -> list[Token]:
    tokens = []
    for m in _WORD.finditer(text):
        word = m.group()
        folded = fold_word(word)
        if folded:
            tokens.append(Token(word, folded, m.start(), m.end()))
    return tokens


_INLINE_CACHE: dict[str, str] = {}


def _inline_char(ch: str) -> str:
    got = _INLINE_CACHE.get(ch)
    if got is None:
        low = ch.lower()
        base = "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))
        got = base if len(base) == 1 else (low if len(low) == 1 else ch)
        if len(_INLINE_CACHE) < 20_000:
            _INLINE_CACHE[ch] = got
    return got


def fold_inline(text: str) -> str:
    """Lower case without accents, punctuation kept and length unchanged (offsets stay valid).

    Used by the regexes that need punctuation (dates like 03/05/1996, case codes like JRZ-4F7K).
    """
    if text.isascii():
        return text.lower()
    return "".join(_inline_char(ch) for ch in text)
