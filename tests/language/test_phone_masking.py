"""Masking the phone numbers a relative writes (bot.language.phones.mask_phones), generated: any
number in the ways relatives write them disappears from the text but its last four digits; a
birth date written as digits stays. All numbers FICTIONAL (generated)."""

from __future__ import annotations

import re

from hypothesis import assume, given
from hypothesis import strategies as st

from bot.language.phones import _looks_like_date, find_phone, mask_phones

COUNTRIES = {"502": 8, "503": 8, "504": 8, "52": 10, "1": 10, "505": 8}
SEPARATORS = ["", " ", "-", "."]


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(as written, its digits without the country code)."""
    code = draw(st.sampled_from(sorted(COUNTRIES)))
    national = str(draw(st.integers(2, 9))) + "".join(
        str(draw(st.integers(0, 9))) for _ in range(COUNTRIES[code] - 1))
    sep = draw(st.sampled_from(SEPARATORS))
    half = len(national) // 2
    body = national[:half] + sep + national[half:]
    style = draw(st.sampled_from(["+cc", "cc", "00cc", "(cc)", "local"]))
    prefix = {"+cc": f"+{code} ", "cc": f"{code} ", "00cc": f"00{code} ", "(cc)": f"({code}) ", "local": ""}[style]
    # Eight digits written without a country code that also read as a date (25031988) stay: the
    # console cannot tell them from a birth date, and the bot accepts no number without its code.
    assume(style != "local" or not _looks_like_date(national))
    return prefix + body, national


@given(written_numbers(), st.sampled_from(["mi número es {}", "{}", "llámenme al {} por favor", "tel: {}."]))
def test_a_written_number_is_masked_to_its_last_four_digits(number: tuple[str, str], frame: str) -> None:
    written, national = number
    shown = mask_phones(frame.format(written))
    # The whole number, whatever its style, became "+CC ****1234" or "****1234"; the rest stayed.
    masked = r"(?:\+\d{1,3} )?\*{4}" + national[-4:]
    assert re.fullmatch(re.escape(frame).replace(re.escape("{}"), masked), shown), shown


@given(st.dates(), st.sampled_from(["%d%m%Y", "%Y%m%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]))
def test_a_birth_date_stays(day: object, fmt: str) -> None:
    text = f"nació el {day:{fmt}}"  # type: ignore[str-format]
    if int(f"{day:%Y}") < 1900 or int(f"{day:%Y}") > 2100:  # type: ignore[str-format]
        return
    assert mask_phones(text) == text


def test_what_the_bot_reads_as_a_number_is_what_the_console_masks() -> None:
    for text in ["+502 5412 3456", "502 54123456", "(502) 5412-3456", "+52 55 1234 5678"]:
        assert find_phone(text) is not None
        assert find_phone(mask_phones(text)) is None, mask_phones(text)
