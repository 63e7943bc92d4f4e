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


# A run of digits that may be a phone number written without its country code ("5555 0123",
# "(55) 5555-0123"): eight digits or more, with spaces, dashes, dots or brackets between them. A
# slash never (dates: 12/03/1988).
_LOCAL_RUN = re.compile(r"(?<![\d/])\+?\(?\d[\d \-().]{6,}\d(?![\d/])")


def _looks_like_date(digits: str) -> bool:
    """DDMMAAAA or AAAAMMDD, the ways a birth date is typed as one run of digits."""
    if len(digits) != 8:
        return False
    day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    if 1 <= day <= 31 and 1 <= month <= 12 and 1900 <= year <= 2100:
        return True
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    return 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


def masked(number: str) -> str:
    """"+50255510123" -> "+502 ****0123"; without a country code, "****0123"."""
    digits = "".join(c for c in number if c.isdigit())
    if number.strip().startswith("+"):
        try:
            return f"+{phonenumbers.parse(number, None).country_code} ****{digits[-4:]}"
        except phonenumbers.NumberParseException:
            pass
    return f"****{digits[-4:]}"


def mask_phones(text: str) -> str:
    """``text`` with every phone number in it masked, for the console: a relative's number goes to
    Twilio when an operator calls, and is never shown to a person (SPEC 6, calls from the
    console). Numbers with a country code as the bot reads them, and runs of eight digits or more
    that are not a date."""
    def replace(m: re.Match[str]) -> str:
        raw = m.group()
        digits = "".join(c for c in raw if c.isdigit())
        if len(digits) < 8 or len(digits) > 15 or _looks_like_date(digits):
            return raw
        lead = raw[: len(raw) - len(raw.lstrip())]
        return lead + masked(raw.strip())

    return _LOCAL_RUN.sub(replace, text)
