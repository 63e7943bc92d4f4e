"""Characters that no text of ours may hold, wherever text enters (SPEC section 9).

Control characters carry nothing a person writes and do harm downstream: PostgreSQL cannot store
NUL; XML 1.0 cannot carry the other C0 controls, lone surrogates or U+FFFE/U+FFFF (a PFIF export
holding one is not well-formed); a lone surrogate cannot even be encoded to UTF-8 (a 500 at the
database); C1 controls and DEL are invisible in every screen and spreadsheet. Tab, line feed and
carriage return are allowed where a text may span lines (a reply, a note), nowhere else.

Operators and integrations are told (``forbidden_character`` -> a precise refusal); a relative's
message is cleaned instead (``strip_forbidden``): refusing it would leave them without an answer.
Leaf module: anyone may import it.
"""

from __future__ import annotations

import re

_LINE_BREAKS = "\t\n\r"
# XML 1.0 Char excludes these; C1 controls (U+0080-U+009F) and DEL are added.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_FORBIDDEN_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def forbidden_character(text: str, *, multiline: bool = True) -> str | None:
    """The first character ``text`` must not hold, as ``U+XXXX`` (safe to show), or None."""
    found = (_FORBIDDEN if multiline else _FORBIDDEN_ONE_LINE).search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def strip_forbidden(text: str) -> str:
    """``text`` without the characters no text may hold (line breaks and tabs are kept)."""
    return _FORBIDDEN.sub("", text)
