"""Whose detail is it (SPEC section 4, section 5 rule 3; issue 9). All names and data are fictional.

Relatives write about themselves and tell a story. Only details stated about the sought person may
fill the person's slots: the relative's own age and nationality go to ``relative_age`` /
``relative_nationality``, other people's details and the places of the journey go nowhere. The
families are generated: several phrasings x several fictional names x the relative's own details
always different from the person's, so that a detail landing in the wrong slot is visible.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.language import parse_message

TODAY = date(2026, 1, 15)

# Fictional persons: (name as written, relationship word).
PERSONS = [
    ("Hugo Quintanilla", "esposo"),
    ("Kevin Coc Pop", "hijo"),
    ("Marvin Estuardo Lemus", "hermano"),
    ("Wilmer Orellana Tzul", "primo"),
    ("Santiago Rolando Mejía", "sobrino"),
]
# ISO code -> (country, masculine demonym, feminine demonym).
COUNTRIES = {
    "HN": ("Honduras", "hondureño", "hondureña"),
    "GT": ("Guatemala", "guatemalteco", "guatemalteca"),
    "SV": ("El Salvador", "salvadoreño", "salvadoreña"),
    "VE": ("Venezuela", "venezolano", "venezolana"),
    "NI": ("Nicaragua", "nicaragüense", "nicaragüense"),
    "MX": ("México", "mexicano", "mexicana"),
}

# The relative about themselves: {a} their age, {c} their country, {f} their feminine demonym.
OWN_AGE = ["Tengo {a} años.", "yo tengo {a} años,", "Mi edad es {a} años.", "tengo {a},", "Yo tengo {a}."]
OWN_NATIONALITY = ["Soy {f}.", "soy de {c},", "Yo soy {f}.", "nací en {c} y", "Yo soy de {c}."]
# The search itself: {n} the name, {r} the relationship word.
SEARCH = [
    "Busco a mi {r} {n}",
    "busco a mi {r}, se llama {n}",
    "Necesito información de mi {r} {n}",
    "estoy buscando a {n}, mi {r}",
]
# What the relative says about the person: {pa} age, {pm} masculine demonym, {pc} country, {pd} date.
ABOUT_PERSON = [
    ", tiene {pa} años",
    ", es {pm}",
    ", es de {pc}",
    ", nació el {pd}",
    " de {pa} años, {pm}",
    ". Él tiene {pa} años y es {pm}",
]


def _pairs() -> list[tuple[str, str]]:
    codes = list(COUNTRIES)
    return [(a, b) for a, b in itertools.permutations(codes, 2)][:12]


def _cases() -> list[tuple[str, dict]]:
    out = []
    for i, ((name, rel), (own_code, person_code)) in enumerate(itertools.product(PERSONS, _pairs())):
        own_age, person_age = 40 + i % 20, 18 + i % 15
        own = COUNTRIES[own_code]
        person = COUNTRIES[person_code]
        said_about_self = (
            OWN_AGE[i % len(OWN_AGE)].format(a=own_age)
            + " "
            + OWN_NATIONALITY[(i // 2) % len(OWN_NATIONALITY)].format(c=own[0], f=own[2])
        )
        search = SEARCH[i % len(SEARCH)].format(r=rel, n=name)
        about = ABOUT_PERSON[i % len(ABOUT_PERSON)]
        about_text = about.format(pa=person_age, pm=person[1], pc=person[0], pd="3/5/1996")
        expected = {
            "name": name,
            "age": person_age if "{pa}" in about else None,
            "nationality": person_code if "{pm}" in about or "{pc}" in about else None,
            "birth_date": date(1996, 5, 3) if "{pd}" in about else None,
            "relative_age": own_age,
            "relative_nationality": own_code,
        }
        # Before the search, and after it.
        out.append((f"{said_about_self} {search}{about_text}", expected))
        out.append((f"{search}{about_text}. {said_about_self}", expected))
    return out


CASES = _cases()


def test_the_family_is_large_enough() -> None:
    assert len(CASES) >= 100


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[t[:60] for t, _ in CASES])
def test_the_relatives_own_details_are_theirs_and_the_persons_are_the_persons(text: str, expected: dict) -> None:
    u = parse_message(text, today=TODAY)
    assert u.name is not None and u.name.raw == expected["name"], text
    assert u.age == expected["age"], text
    assert u.nationality == expected["nationality"], text
    assert u.birth_date == expected["birth_date"], text
    assert u.relative_age == expected["relative_age"], text
    # "nací en Honduras y" is a birthplace said in the first person: the relative's nationality.
    assert u.relative_nationality == expected["relative_nationality"], text


@pytest.mark.parametrize(
    ("text", "relative_age", "relative_nationality"),
    [
        ("Tengo 45 años. Busco a mi esposo Hugo Quintanilla, es venezolano", 45, None),
        ("soy guatemalteca y busco a mi esposo Hugo Quintanilla", None, "GT"),
        ("Tengo 51 años, mi hijo Kevin Coc nació el 3 de mayo de 1996", 51, None),
        ("yo soy hondureño, busco a mi primo Wilmer Orellana", None, "HN"),
        ("Hola, mi nombre es Ana Lemus, tengo 45 años y soy de Honduras. Busco a Kevin Coc", 45, "HN"),
        ("I am 45 years old, looking for my brother Jose Hernandez", 45, None),
    ],
)
def test_the_issue_examples_keep_the_relatives_details_apart(
    text: str, relative_age: int | None, relative_nationality: str | None
) -> None:
    u = parse_message(text, today=TODAY)
    assert u.age is None or u.age != relative_age
    assert u.nationality is None or u.nationality != relative_nationality
    assert u.relative_age == relative_age
    assert u.relative_nationality == relative_nationality


def test_the_issue_example_keeps_the_husbands_nationality() -> None:
    u = parse_message("Tengo 45 años. Busco a mi esposo Hugo Quintanilla, es venezolano", today=TODAY)
    assert (u.name and u.name.raw, u.age, u.nationality, u.relative_age) == ("Hugo Quintanilla", None, "VE", 45)


# --- places the story passes through are not nationalities -------------------------------------------

JOURNEYS = [
    "salió de {a}, pasó por {b} en bus",
    "viajó desde {a} y cruzó por {b}",
    "venía de {a}, estaba en {b}",
    "vivimos en {a}, él llegó a {b} hace un mes",
    "salió hace 3 meses de {a} y lo detuvieron en {b}",
    "lo deportaron a {a} y regresó por {b}",
    "lleva 15 años en {a}, iba rumbo a {b}",
]


def _journey_cases() -> list[str]:
    out = []
    for i, (template, (name, rel)) in enumerate(itertools.product(JOURNEYS, PERSONS)):
        a, b = _pairs()[i % 12]
        story = template.format(a=COUNTRIES[a][0], b=COUNTRIES[b][0])
        out.append(f"Busco a mi {rel} {name}, {story}")
        out.append(f"{story.capitalize()}. Busco a mi {rel} {name}")
    return out


@pytest.mark.parametrize("text", _journey_cases())
def test_a_journey_never_gives_a_nationality(text: str) -> None:
    u = parse_message(text, today=TODAY)
    assert u.nationality is None, text
    assert u.name is not None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Busco a Kevin Coc, es de Honduras, salió de Guatemala y pasó por México", "HN"),
        ("Es de Honduras pero vive en México", "HN"),
        ("Busco a mi hijo Kevin Coc, hondureño, viajó desde Guatemala", "HN"),
        ("de nacionalidad hondureña", "HN"),
        ("él es de Guatemala", "GT"),
        ("Busco a Hugo Quintanilla hondureño", "HN"),
        ("BUSCO A WALTER ESCOBAR DE HONDURAS", "HN"),
        ("mi hijo nació en Guatemala, pasó por México", "GT"),
        ("guatemalteco", "GT"),
        ("Honduras", "HN"),
    ],
)
def test_a_stated_nationality_is_still_read(text: str, code: str) -> None:
    assert parse_message(text, today=TODAY).nationality == code


# --- other people's details are nobody's ----------------------------------------------------------

OTHERS_SAID = [
    "su papá es {pm} y tiene {pa} años",
    "mi mamá tiene {pa} años",
    "mi esposa es {pf}",
    "la mamá de él es {pf}",
    "su hermana tiene {pa} años",
]


@pytest.mark.parametrize(
    ("template", "person"), list(itertools.product(OTHERS_SAID, PERSONS)), ids=lambda x: str(x)[:30]
)
def test_other_peoples_details_are_nobodys(template: str, person: tuple[str, str]) -> None:
    name, rel = person
    other = template.format(pm="hondureño", pf="hondureña", pa=61)
    for text in (f"Busco a mi {rel} {name}. {other.capitalize()}.", f"{other.capitalize()}, busco a mi {rel} {name}"):
        u = parse_message(text, today=TODAY)
        assert u.name is not None and u.name.raw == name, text
        assert (u.age, u.nationality, u.relative_age, u.relative_nationality) == (None, None, None, None), text


def test_the_relatives_company_is_not_the_person_sought() -> None:
    u = parse_message("Mi esposo Pedro Coc y yo buscamos a nuestro hijo Kevin Coc, tiene 20 años", today=TODAY)
    assert u.name is not None and u.name.raw == "Kevin Coc"
    assert (u.age, u.relationship, u.others) == (20, "parent", ())


@pytest.mark.parametrize(
    ("text", "age", "birth_date", "nationality"),
    [
        ("mi hermano tiene 30 años", 30, None, None),
        ("Busco a mi hermano. Se llama José Pérez. Tiene 30 años", 30, None, None),
        ("cumplió 30 años", 30, None, None),
        ("Busco a mi hijo Kevin Coc, nació el 3 de mayo de 1996", None, date(1996, 5, 3), None),
        ("Mi hijo, Jonathan Sandoval, 19 años, hondureño", 19, None, "HN"),
        ("busco a mi hijo de 20 años y yo de 45", 20, None, None),
        ("yo tengo 45 y él tiene 47", 47, None, None),
        ("Soy hondureña, mi esposo es guatemalteco", None, None, "GT"),
        ("mi hermano tiene 30 años, es hondureño, se llama Selvin Castillo", 30, None, "HN"),
        ("mi hijo Kevin Coc Pop nacio el 5-6-98 en Guatemala", None, date(1998, 6, 5), "GT"),
        ("Mi mamá tiene 60 años y busco a Kevin Coc", None, None, None),
        ("soy hondureña y busco a mi esposo Marvin Lemus, él es guatemalteco de 36 años", 36, None, "GT"),
        ("Tengo 45 años, busco a mi hijo Eber Pineda, tiene 21 años, hondureño", 21, None, "HN"),
        ("Kevin Coc. Estoy desesperada. 30 años", 30, None, None),
        ("Busco a mi hijo Kevin Coc, mi esposa es hondureña", None, None, None),
    ],
)
def test_third_person_and_details_next_to_the_name_are_the_persons(
    text: str, age: int | None, birth_date: date | None, nationality: str | None
) -> None:
    u = parse_message(text, today=TODAY)
    assert (u.age, u.birth_date, u.nationality) == (age, birth_date, nationality)


# --- property: whatever the order and the words, the relative's own details stay theirs ------------

_own_age = st.sampled_from(OWN_AGE)
_own_nat = st.sampled_from(OWN_NATIONALITY)
_search = st.sampled_from(SEARCH)
_about = st.sampled_from(["", ", tiene {pa} años", ", es {pm}", ", es de {pc}", ", {pa} años"])
_person = st.sampled_from(PERSONS)
_codes = st.lists(st.sampled_from(sorted(COUNTRIES)), min_size=2, max_size=2, unique=True)


@settings(max_examples=300, deadline=None)
@given(
    _own_age,
    _own_nat,
    _search,
    _about,
    _person,
    _codes,
    st.integers(35, 80),
    st.integers(15, 33),
    st.booleans(),
    st.sampled_from(["Hola, ", "Buenas noches señorita, ", "", "Dios les pague. "]),
)
def test_property_the_relatives_own_details_never_fill_the_persons_slots(
    own_age: str,
    own_nat: str,
    search: str,
    about: str,
    person: tuple[str, str],
    codes: list[str],
    relative_age: int,
    person_age: int,
    self_first: bool,
    opening: str,
) -> None:
    own_code, person_code = codes
    own, other = COUNTRIES[own_code], COUNTRIES[person_code]
    name, rel = person
    about_self = own_age.format(a=relative_age) + " " + own_nat.format(c=own[0], f=own[2])
    sought = search.format(r=rel, n=name) + about.format(pa=person_age, pm=other[1], pc=other[0])
    text = opening + (f"{about_self} {sought}" if self_first else f"{sought}. {about_self}")
    u = parse_message(text, today=TODAY)
    assert u.age != relative_age
    assert u.nationality != own_code
    assert u.age in (None, person_age)
    assert u.nationality in (None, person_code)
    assert u.relative_age in (None, relative_age)
    assert u.relative_nationality in (None, own_code)
    assert u.name is not None and u.name.raw == name
