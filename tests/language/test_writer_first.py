"""Found by the red team (issue 9): a relative who describes herself before naming the person, in
forms without "soy / tengo / yo", and other people's details after the name. None of these details
may fill the sought person's slots. Generated over templates, ages and nationalities; names FICTIONAL."""

from __future__ import annotations

from datetime import date

import pytest

from bot.language.parse import parse_message

TODAY = date(2026, 11, 29)
NAME = "Hugo Ernesto Quintanilla Paz"
WRITER_FIRST = [
    "La suscrita, de nacionalidad {f}, de {age} años de edad, solicita información sobre {name}",
    "El suscrito, {m}, de {age} años, con el debido respeto solicito información de mi hermano {name}",
    "Mi persona tiene {age} años y es de nacionalidad {f}. Solicito información de {name}",
    "{F}, {age} años. Busco a {name}",
    "{F} de {age} años buscando a {name}",
    "Señora de {age} años, {f}, pregunta por {name}",
    "Me: {age} years old, from {country}. Looking for my husband {name}",
    "Busco a {name}. Mi otro hijo tiene {age} años",
    "{name} es mi esposo. El coyote tenía como {age} años",
]
COUNTRIES = [("venezolana", "venezolano", "Venezuela"), ("hondureña", "hondureño", "Honduras"),
             ("guatemalteca", "guatemalteco", "Guatemala")]


@pytest.mark.parametrize("template", WRITER_FIRST)
@pytest.mark.parametrize("age", [23, 45, 61])
@pytest.mark.parametrize("country", COUNTRIES)
def test_the_writers_and_other_peoples_details_never_fill_the_persons_slots(template: str, age: int,
                                                                            country: tuple[str, str, str]) -> None:
    f, m, name_of_country = country
    text = template.format(name=NAME, age=age, f=f, F=f.capitalize(), m=m, country=name_of_country)
    u = parse_message(text, TODAY)
    assert u.name is not None and u.name.raw == NAME, text
    assert u.age is None and u.birth_year is None and u.birth_date is None, text
    if "coyote" not in template and "otro hijo" not in template:
        assert u.nationality is None, text


@pytest.mark.parametrize("text, age, nationality", [
    ("Es venezolano, se llama Hugo Ernesto Quintanilla Paz, 45 años", 45, "VE"),
    ("Hugo Ernesto Quintanilla Paz, 45 años, venezolano", 45, "VE"),
    ("Busco a Hugo Ernesto Quintanilla Paz, tiene 45 años, es de Venezuela", 45, "VE"),
])
def test_the_persons_own_details_still_count(text: str, age: int, nationality: str) -> None:
    u = parse_message(text, TODAY)
    assert (u.age, u.nationality) == (age, nationality)


@pytest.mark.parametrize("text", [
    "Hugo Ernesto Quintanilla Paz, tiene 45 años, salió de Caracas, Venezuela, en enero",
    "Hugo Ernesto Quintanilla Paz, 45 años, viajó desde Quito, Ecuador",
    "Hugo Ernesto Quintanilla Paz, 45 años, pasó por Tapachula, México",
])
def test_the_country_of_a_place_on_the_way_is_no_nationality(text: str) -> None:
    assert parse_message(text, TODAY).nationality is None


@pytest.mark.parametrize("hedge", ["6 o 7 de marzo de 1995", "6 o el 7 de marzo de 1995", "6 y 7 de marzo de 1995",
                                   "7 de marzo de 1995 o 1996", "7/3/1995 o el 6/3/1995", "7/3/95 o 8/3/95"])
def test_a_date_offered_with_an_alternative_proves_nothing(hedge: str) -> None:
    u = parse_message(f"Busco a {NAME}, nació el {hedge}", TODAY)
    assert u.birth_date is None and u.birth_year is None
    assert parse_message(f"Busco a {NAME}, nació el 7 de marzo de 1995", TODAY).birth_date == date(1995, 3, 7)
