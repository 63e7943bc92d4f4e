"""The tables and helpers behind parse_message (fictional data only)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from bot.language.dates import full_year, month_of
from bot.language.names import NICKNAMES, order_hint
from bot.language.nationality import country_code, spanish_country_name
from bot.language.normalize import fold, fold_inline
from bot.language.numbers import _words_value

TODAY = date(2026, 1, 15)


@pytest.mark.parametrize(
    ("nickname", "given"),
    [
        ("chuy", "jesus"),
        ("chucho", "jesus"),
        ("pepe", "jose"),
        ("chepe", "jose"),
        ("lupe", "guadalupe"),
        ("memo", "guillermo"),
        ("paco", "francisco"),
        ("pancho", "francisco"),
        ("nacho", "ignacio"),
        ("lalo", "eduardo"),
        ("beto", "alberto"),
        ("beto", "roberto"),
        ("quique", "enrique"),
        ("kike", "enrique"),
        ("tono", "antonio"),
        ("chema", "jose maria"),
        ("poncho", "alfonso"),
        ("rafa", "rafael"),
        ("manolo", "manuel"),
    ],
)
def test_nickname_table_maps_folded_nicknames_to_folded_given_names(nickname: str, given: str) -> None:
    assert given in NICKNAMES[nickname]


def test_nickname_table_is_entirely_folded_for_the_matcher() -> None:
    for nickname, givens in NICKNAMES.items():
        assert nickname == fold(nickname).replace(" ", "")
        assert isinstance(givens, tuple) and givens
        assert all(g == fold(g) for g in givens)


@pytest.mark.parametrize(
    ("code", "name"), [("GT", "Guatemala"), ("sv", "El Salvador"), ("US", "Estados Unidos"), ("HT", "Haití")]
)
def test_replies_use_babel_spanish_country_names(code: str, name: str) -> None:
    assert spanish_country_name(code) == name


def test_an_unknown_code_is_returned_as_is_rather_than_failing() -> None:
    assert spanish_country_name("qq") == "QQ"


def test_pejorative_demonym_is_understood_but_never_produced() -> None:
    assert country_code("veneca") == "VE"
    assert spanish_country_name("VE") == "Venezuela"


@pytest.mark.parametrize(
    ("text", "code"),
    [("hondureña", "HN"), ("Nicaragüenses", "NI"), ("salbadoreño", "SV"), ("Costa Rica", "CR"), ("x", None)],
)
def test_country_code_of_a_lone_word(text: str, code: str | None) -> None:
    assert country_code(text) == code


@pytest.mark.parametrize(
    ("yy", "year"), [(96, 1996), (5, 2005), (0, 2000), (12, 2012), (26, 1926), (40, 1940)]
)
def test_two_digit_years_take_the_century_of_an_adult(yy: int, year: int) -> None:
    assert full_year(yy, TODAY) == year


@pytest.mark.parametrize(
    ("word", "month"),
    [("setiembre", 9), ("septiembere", 9), ("sept", 9), ("dic", 12), ("febreo", 2), ("xyz", None)],
)
def test_month_names_with_abbreviations_and_typos(word: str, month: int | None) -> None:
    assert month_of(word) == month


@pytest.mark.parametrize(
    ("words", "value"),
    [
        (["veintidos"], 22),
        (["veintitres"], 23),
        (["veintiseis"], 26),
        (["veintiun"], 21),
        (["veinte", "y", "dos"], 22),
        (["treinta", "y", "dos"], 32),
        (["dieciseis"], 16),
    ],
)
def test_unaccented_number_words_that_text2num_refuses_are_still_read(words: list[str], value: int) -> None:
    assert _words_value(words) == value


@pytest.mark.parametrize(
    ("tokens", "hint"),
    [
        (("jose", "luis", "hernandez", "garcia"), "given_first"),
        (("hernandez", "garcia", "jose", "luis"), "surnames_first"),
        (("xicara", "tzul"), "unknown"),
        (("chuy", "martinez"), "given_first"),
    ],
)
def test_order_hint_guesses_without_reordering(tokens: tuple[str, ...], hint: str) -> None:
    assert order_hint(tokens) == hint


def test_inline_folding_keeps_offsets() -> None:
    text = "Nació el 3/5/96 en Ñuñoa, José"
    assert len(fold_inline(text)) == len(text)
    assert fold_inline(text) == "nacio el 3/5/96 en nunoa, jose"


def test_language_package_imports_no_framework_or_database() -> None:
    code = (
        "import sys, bot.language; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sqlalchemy', 'fastapi', 'telegram', 'twilio', 'db', 'api', 'httpx'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
