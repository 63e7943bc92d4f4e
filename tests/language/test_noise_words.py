"""Noise is not a name (jajaja, kkkk, sdfsdf, asdf) — and no real name is noise: taking a name for
noise would tell a relative we do not understand them. Every word of the name lists, the
language lexicon and the FICTIONAL demo roster is checked, plus Mayan names written the ways
relatives write them."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from bot.language import parse_message
from bot.language.lexicon import COMMON_GIVEN_NAMES, COMMON_SURNAMES
from bot.language.names import is_noise_word
from bot.language.normalize import fold_word
from bot.matching import name_lists

MAYAN_AND_OTHER_NAMES = """Tz'ul Tzul Ajpop Caal Xol Tzoc Quej Choc Cuc Chub Xoy Bol Tiul Q'anil Tz'unun Ixchel Ixmucané
Xquic Yax K'awil Pop Chen Coy Ical Maquin Chiquín Sac Tun Ajú Boc Saquic Lem Cac Coc Pu Tut Ixcoy Ajcip
Lynn Glynn Wynn Schwartz Kyle Sky Flynn Ng Mbappé Nguyễn Xyz""".split()


def _roster_words() -> set[str]:
    data = resources.files("bot.roster").joinpath("demo_roster.csv").read_text(encoding="utf-8")
    words: set[str] = set()
    for row in csv.DictReader(io.StringIO(data)):
        words.update((row["nombres"] + " " + row["apellidos"]).split())
    return words


def _all_names() -> list[str]:
    listed = {w for value in vars(name_lists).values() if isinstance(value, tuple) for w in value}
    return sorted(listed | set(COMMON_GIVEN_NAMES) | set(COMMON_SURNAMES) | _roster_words()
                  | set(MAYAN_AND_OTHER_NAMES))


def test_no_known_name_is_noise() -> None:
    names = _all_names()
    assert len(names) > 300  # the lists were found
    assert [n for n in names if is_noise_word(fold_word(n))] == []


@pytest.mark.parametrize("text", ["jajaja", "jejeje jaja", "kkkkkk", "asdf qwerty", "sdfsdf", "hgfhgf jkjkj",
                                  "xxxxx yyyyy", "ñlkjh poiuy", "jsjsjsj"])
def test_noise_is_not_read_as_a_name(text: str) -> None:
    assert parse_message(text).name is None


def test_noise_around_a_name_is_left_out_of_it() -> None:
    u = parse_message("Busco a Juan Pérez López jajaja")
    assert u.name is not None and u.name.raw == "Juan Pérez López"
