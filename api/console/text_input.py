"""Text typed into a console form: control characters are refused with a precise message, never
stored (common/text.py says why). Single-line fields (a place, a source, a name) take no line
breaks either; a message or a note may span lines."""

from __future__ import annotations

from common.text import forbidden_character


def control_character_problem(label: str, value: str, *, multiline: bool = False) -> str | None:
    """A Spanish sentence for the form's error line, or None when ``value`` is clean."""
    found = forbidden_character(value, multiline=multiline)
    if found is None:
        return None
    return (f"«{label}» contiene un carácter de control invisible ({found}), quizá pegado de otro programa: "
            "bórrelo y vuelva a enviar.")
