"""Scoring one written name against one person's recorded names (SPEC section 5, rule 1).

The names are fictional.
"""

from __future__ import annotations

import pytest

from bot.matching.score import WEAK_CEILING, score, score_blocks

JOSE_LUIS = ("José Luis", "Hernández García")

# (what the relative wrote, recorded given names, recorded surnames, a fragment of the reason)
SAME_PERSON = [
    ("José Luis Hernández García", *JOSE_LUIS, "nombre y ambos apellidos coinciden"),
    ("Jose Luis Hernandez Garcia", *JOSE_LUIS, "acentos"),
    ("JOSE LUIS HERNANDEZ GARCIA", *JOSE_LUIS, "acentos"),
    ("HERNANDEZ GARCIA JOSE LUIS", *JOSE_LUIS, "apellidos antes del nombre"),
    ("hernández garcía josé luis", *JOSE_LUIS, "apellidos antes del nombre"),
    ("HERNANDEZ GARCIA JOSE", *JOSE_LUIS, "sin segundo nombre"),
    ("Hernández-García, José Luis", *JOSE_LUIS, "apellidos antes del nombre"),
    ("  jose   luis  hernandez  garcia ", *JOSE_LUIS, "ambos apellidos"),
    ("José Hernández García", *JOSE_LUIS, "sin segundo nombre"),
    ("José Luis Hernández", *JOSE_LUIS, "primer apellido"),
    ("José Hernández", *JOSE_LUIS, "solo un apellido"),
    ("José García", *JOSE_LUIS, "segundo apellido"),
    ("Luis Hernández García", *JOSE_LUIS, "por su segundo nombre"),
    ("Ernandez Garcia Jose Luis", *JOSE_LUIS, "variante ortográfica"),
    ("Jose Luis Ernandes Garsia", *JOSE_LUIS, "variante ortográfica"),
    ("José Luis Hernaindez García", *JOSE_LUIS, "error de escritura"),
    ("José Luis Hernadez García", *JOSE_LUIS, "error de escritura"),
    ("José Luis Hermandez García", *JOSE_LUIS, "error de escritura"),
    ("José Luis Hernadnez García", *JOSE_LUIS, "error de escritura"),
    ("Jsoe Luis Hernández García", *JOSE_LUIS, "error de escritura"),
    ("Pepe Hernández García", *JOSE_LUIS, "apodo: Pepe → José"),
    ("José Baldes Ruiz", "José", "Valdez Ruiz", "variante ortográfica"),
    ("Jesús Martines", "Jesús", "Martínez Ortega", "variante ortográfica"),
    ("Sesilia Lopes", "Cecilia", "López Mora", "variante ortográfica"),
    ("Rosa Castiyo Ramos", "Rosa", "Castillo Ramos", "variante ortográfica"),
    ("Jorge Jimenez Ortiz", "Jorge", "Giménez Ortiz", "variante ortográfica"),
    ("Ximena Baca", "Jimena", "Vaca Soto", "variante ortográfica"),
    ("Guilermo Pérez", "Guillermo", "Pérez Luna", "error de escritura"),
    ("Chuy Martínez", "Jesús", "Martínez Ortega", "apodo: Chuy → Jesús"),
    ("Pepe Castillo", "José", "Castillo Ramos", "apodo: Pepe → José"),
    ("Lupe Torres", "Guadalupe", "Torres Díaz", "apodo: Lupe → Guadalupe"),
    ("Memo Reyes", "Guillermo", "Reyes Cruz", "apodo: Memo → Guillermo"),
    ("Paco Flores", "Francisco", "Flores Vega", "apodo: Paco → Francisco"),
    ("Nacho Ramírez", "Ignacio", "Ramírez Soto", "apodo: Nacho → Ignacio"),
    ("Lalo Mendoza", "Eduardo", "Mendoza Ríos", "apodo: Lalo → Eduardo"),
    ("MARTINEZ ORTEGA CHUY", "Jesús", "Martínez Ortega", "apodo: Chuy → Jesús"),
    ("Lupe Pérez", "María Guadalupe", "Pérez Soto", "por su segundo nombre"),
    ("Maria Luz Cruz Hernandez", "María de la Luz", "de la Cruz Hernández", "ambos apellidos"),
    ("José Rio Pérez", "José", "del Río Pérez", "ambos apellidos"),
    ("José del Río Pérez", "José", "del Río Pérez", "ambos apellidos"),
    ("Andres Flores", "Andrés", "Flores", "nombre y apellido coinciden"),
    ("FLORES ANDRES", "Andrés", "Flores", "apellidos antes del nombre"),
    ("Juan Nunez Agüero", "Juan", "Núñez Aguero", "ambos apellidos"),
    ("Juan Rui Bravo", "Juan", "Ruiz Bravo", "error de escritura"),
    ("José Antonio Hernández García", "José", "Hernández García", "palabras de más"),
]

# (what the relative wrote, recorded given names, recorded surnames, a fragment of the reason)
NOT_THIS_PERSON = [
    ("Antonio Sánchez Moreno", "Antonio", "Moreno Sánchez", "apellidos en otro orden"),
    ("Antonio Sanchez Moreno", "Antonio", "Moreno Sánchez", "apellidos en otro orden"),
    ("GARCIA HERNANDEZ JOSE LUIS", *JOSE_LUIS, "apellidos en otro orden"),
    ("José Luis García Hernández", *JOSE_LUIS, "apellidos en otro orden"),
    ("Mario Pérez López", "María", "Pérez López", "nombre distinto: Mario / María"),
    ("María Pérez López", "Mario", "Pérez López", "nombre distinto: María / Mario"),
    ("Julia Torres", "Julio", "Torres Vega", "nombre distinto"),
    ("Daniela Ruiz", "Daniel", "Ruiz Soto", "nombre distinto"),
    ("Francisca Reyes", "Francisco", "Reyes Cruz", "nombre distinto"),
    ("Luisa Hernández García", "Luis", "Hernández García", "nombre distinto"),
    ("Antonia Moreno Sánchez", "Antonio", "Moreno Sánchez", "nombre distinto"),
    ("Pedro Hernández García", *JOSE_LUIS, "el nombre no coincide"),
    ("Saúl Pérez López", "Raúl", "Pérez López", "el nombre no coincide"),
    ("Marco Pérez López", "Mario", "Pérez López", "el nombre no coincide"),
    ("Ada Torres", "Ana", "Torres Díaz", "el nombre no coincide"),
    ("Jsue Martínez Ortega", "Jesús", "Martínez Ortega", "el nombre no coincide"),
    ("José Rosas", "José", "Rojas Pérez", "apellido: no coincide"),
    ("José Hernández López", "José", "Hernández García", "otro apellido"),
    ("Luis José Hernández García", *JOSE_LUIS, "nombres en otro orden"),
    ("José Antonio Hernández García", *JOSE_LUIS, "otro nombre"),
    ("Hernández García", *JOSE_LUIS, "falta el nombre"),
    ("José Luis", *JOSE_LUIS, "falta el apellido"),
    ("Pepe Hernández", "Jesús", "Hernández Cruz", "el nombre no coincide"),
    ("Chuy Hernández", "José", "Hernández Cruz", "el nombre no coincide"),
    ("Ana Torres", *JOSE_LUIS, "no coincide"),
    ("", *JOSE_LUIS, "sin nombre"),
]


@pytest.mark.parametrize(("query", "given", "surnames", "why"), SAME_PERSON)
def test_the_same_person_written_another_way_is_a_strong_match(
    query: str, given: str, surnames: str, why: str
) -> None:
    result = score(query, given, surnames)
    assert result.strong, result
    assert why in result.reason
    assert result.score > WEAK_CEILING


@pytest.mark.parametrize(("query", "given", "surnames", "why"), NOT_THIS_PERSON)
def test_a_near_miss_is_never_strong(query: str, given: str, surnames: str, why: str) -> None:
    result = score(query, given, surnames)
    assert not result.strong, result
    assert why in result.reason
    assert result.score <= WEAK_CEILING


def test_there_are_at_least_sixty_cases() -> None:
    assert len(SAME_PERSON) + len(NOT_THIS_PERSON) >= 60


def test_the_query_may_be_given_as_words() -> None:
    assert score(["HERNANDEZ", "GARCIA", "JOSE", "LUIS"], *JOSE_LUIS).strong


def test_an_exact_name_outranks_a_variant_and_a_variant_outranks_a_typo() -> None:
    exact = score("José Luis Hernández García", *JOSE_LUIS).score
    spelling = score("José Luis Ernández García", *JOSE_LUIS).score
    typo = score("José Luis Hermandez García", *JOSE_LUIS).score
    assert exact > spelling > typo


def test_the_full_name_outranks_one_surname_and_the_first_surname_outranks_the_second() -> None:
    both = score("José Hernández García", "José", "Hernández García").score
    first = score("José Hernández", "José", "Hernández García").score
    second = score("José García", "José", "Hernández García").score
    assert both > first > second


def test_the_right_surname_order_outranks_the_swapped_one() -> None:
    right = score("Antonio Moreno Sánchez", "Antonio", "Moreno Sánchez")
    swapped = score("Antonio Moreno Sánchez", "Antonio", "Sánchez Moreno")
    assert right.strong and not swapped.strong
    assert right.score > swapped.score


def test_a_person_with_the_exact_short_name_outranks_one_with_a_second_given_name() -> None:
    assert score("José Ramírez Reyes", "José", "Ramírez Reyes").score > score(
        "José Ramírez Reyes", "José Marcelo", "Ramírez Reyes"
    ).score


def test_known_blocks_are_read_as_given() -> None:
    assert score_blocks("José Luis", "Hernández García", *JOSE_LUIS).strong
    assert not score_blocks("Antonio", "Sánchez Moreno", "Antonio", "Moreno Sánchez").strong


def test_scores_stay_between_zero_and_one() -> None:
    for query, given, surnames, _ in SAME_PERSON + NOT_THIS_PERSON:
        assert 0.0 <= score(query, given, surnames).score <= 1.0
