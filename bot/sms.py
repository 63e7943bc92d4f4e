"""SMS encoding: GSM-7 or UCS-2, and how many segments a text takes.

Accented vowels other than é are not in the GSM-7 alphabet; one of them would switch the whole SMS
to UCS-2 (70 characters a segment instead of 160). Outbound SMS text is therefore folded to GSM-7
(á -> a, í -> i, ó -> o, ú -> u; é, ñ, ¿, ¡ are GSM-7 and stay), which keeps replies within three
segments on the cheap phones relatives use. What relatives write is never rewritten.
"""

from __future__ import annotations

import unicodedata

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")  # each takes two septets


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def to_gsm7(text: str) -> str:
    """Fold characters outside GSM-7 to their closest GSM-7 form (accents dropped, quotes plain)."""
    out = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENDED:
            out.append(ch)
            continue
        replacement = {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "\u00a0": " "}.get(ch)
        if replacement is None:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            replacement = base if base and all(c in GSM7_BASIC for c in base) else "?"
        out.append(replacement)
    return "".join(out)


def segments(text: str) -> int:
    """Number of SMS segments (concatenated SMS use 153 GSM-7 septets or 67 UCS-2 characters each)."""
    if is_gsm7(text):
        septets = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        return 1 if septets <= 160 else -(-septets // 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)
