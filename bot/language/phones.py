"""A phone number the relative gives for a call back (SPEC 5: a death notification on a channel
that carries no number). Pure: phonenumbers only, no I/O.

Relatives write numbers abroad in many ways ("+502 5555 0123", "502 55550123", "(502) 5555-0123").
A number without its country code cannot be told apart across the region (eight digits are valid in
Guatemala, Honduras and El Salvador alike), so only a number with its country code is accepted; the
bot then asks again with an example rather than guessing a wrong country.
"""

from __future__ import annotations

import re

import phonenumbers

_DIGIT_RUN = re.compile(r"\+?\(?\d[\d \-().]{6,}\d")


def find_phone(text: str) -> str | None:
    """The first valid phone number in ``text``, in E.164, or None."""
    for match in phonenumbers.PhoneNumberMatcher(text, None, leniency=phonenumbers.Leniency.VALID):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    for m in _DIGIT_RUN.finditer(text):
        digits = "".join(c for c in m.group() if c.isdigit())
        if not 10 <= len(digits) <= 15:
            continue
        if digits.startswith("00"):
            digits = digits[2:]  # the international prefix written as 00
        try:
            number = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None
