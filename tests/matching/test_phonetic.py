"""The Spanish phonetic key: spellings pronounced alike share a key, different names do not."""

from __future__ import annotations

import pytest

from bot.matching.keys import name_index_keys, person_keys, token_variants
from bot.matching.phonetic import phonetic, phonetic_words


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Valdez", "Baldes"),  # b/v, final z/s
        ("Vázquez", "Basquez"),
        ("Martínez", "Martines"),
        ("Cecilia", "Sesilia"),  # c before e/i
        ("Castillo", "Castiyo"),  # ll/y
        ("Hernández", "Ernandez"),  # silent h
        ("Jiménez", "Giménez"),  # j/g before e/i
        ("Guillermo", "Guiyermo"),  # gu before e/i is a hard g, ll/y
        ("Ximena", "Jimena"),
        ("Parra", "Para"),  # double letters
        ("Muñoz", "Munos"),  # ñ, z
        ("QUIÑÓNEZ", "quinones"),
        ("Eloy", "Eloi"),
        ("Ambrosio", "Anbrosio"),
        ("Cruz", "Crus"),
        ("Gonzalez", "Gonsales"),
    ],
)
def test_spellings_pronounced_alike_share_a_key(a: str, b: str) -> None:
    assert phonetic(a) == phonetic(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Mario", "María"),
        ("Julio", "Julia"),
        ("Rosas", "Rojas"),
        ("Raúl", "Saúl"),
        ("Moreno", "Morena"),
        ("Gómez", "Gámez"),
        ("Luis", "Luz"),
    ],
)
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert phonetic(a) != phonetic(b)


def test_ch_survives_the_silent_h_rule() -> None:
    assert phonetic("Chávez") == "chabes"
    assert phonetic("Sánchez") == "sanches"


def test_phonetic_words_keeps_order() -> None:
    assert phonetic_words("José Luis HERNÁNDEZ") == ["jose", "luis", "ernandes"]


def test_person_keys_fill_the_phonetic_key_without_particles() -> None:
    keys = person_keys("María de la Luz", "de la Cruz Hernández")
    assert keys["phonetic_key"] == "maria lus krus ernandes"
    assert keys["name_key"] == "maria de la luz de la cruz hernandez"


def test_index_keys_pair_given_names_with_surnames_but_not_with_each_other() -> None:
    keys = name_index_keys("José Luis", "Hernández García")
    assert {"ernandes jose", "garsia jose", "ernandes luis", "garsia luis", "ernandes garsia"} <= keys
    assert {"jose", "luis", "ernandes", "garsia"} <= keys
    assert "jose luis" not in keys


def test_token_variants_are_the_one_letter_deletions_of_long_tokens() -> None:
    assert token_variants("jose") == {"jose", "ose", "jse", "joe", "jos"}
    assert token_variants("ana") == {"ana"}
