"""Two persons in one message, a new search with a name, corrections with two given names
(SPEC sections 4 and 5, issue 9). All names are fictional; families are generated."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from bot.language import Command, Mention, parse_message

TODAY = date(2026, 1, 15)

# Pairs of fictional persons: (name, relationship word).
FIRSTS = [("José Pérez López", "hermano"), ("Kevin Coc Pop", "hijo"), ("Hugo Quintanilla Rojas", "esposo")]
SECONDS = [("Luis García Díaz", "primo"), ("Marvin Estuardo Lemus", "sobrino"), ("Wilmer Orellana Tzul", "tío")]

# {n1}/{r1}: first person; {n2}/{r2}: second; each template says which details belong to whom.
TWO = [
    (
        "busco a mi {r1} {n1} nacido el 3/5/1996 y a mi {r2} {n2} de 30 años",
        {"birth_date": date(1996, 5, 3)},
        {"age": 30},
    ),
    ("Busco a {n1}, 27 años, y a {n2}, 31 años, hondureño", {"age": 27}, {"age": 31, "nationality": "HN"}),
    ("busco a mi {r1} {n1}, es guatemalteco, y también a mi {r2} {n2}", {"nationality": "GT"}, {}),
    (
        "Buenas noches, busco a mi {r1} {n1} y a mi {r2} {n2}, nació el 12 de agosto de 1990",
        {},
        {"birth_date": date(1990, 8, 12)},
    ),
    ("Busco a {n1} y a {n2}", {}, {}),
]


def _cases() -> list[tuple[str, str, str, dict, dict]]:
    out = []
    for (template, first, second), (n1, r1), (n2, r2) in itertools.product(TWO, FIRSTS, SECONDS):
        out.append((template.format(n1=n1, r1=r1, n2=n2, r2=r2), n1, n2, first, second))
    return out


@pytest.mark.parametrize(("text", "n1", "n2", "first", "second"), _cases(), ids=lambda x: str(x)[:40])
def test_two_persons_are_both_kept_in_order_with_their_own_details(
    text: str, n1: str, n2: str, first: dict, second: dict
) -> None:
    u = parse_message(text, today=TODAY)
    assert u.name is not None and u.name.raw == n1, text
    assert (u.birth_date, u.age, u.nationality) == (
        first.get("birth_date"),
        first.get("age"),
        first.get("nationality"),
    ), text
    assert len(u.others) == 1, text
    other = u.others[0]
    assert isinstance(other, Mention)
    assert other.name.raw == n2
    assert (other.birth_date, other.age, other.nationality) == (
        second.get("birth_date"),
        second.get("age"),
        second.get("nationality"),
    ), text


@pytest.mark.parametrize(
    "text",
    [
        "Busco a mi hijo Kevin Coc Pop",
        "Busco a Kevin, busco a Kevin Coc",  # the same person said twice
        "Mi esposo Pedro Coc y yo buscamos a nuestro hijo Kevin Coc",  # the relative's company
        "Soy Ana Lemus, busco a mi esposo Hugo Quintanilla",  # the relative's own name
        "HERNANDEZ GARCIA, JOSE LUIS",  # one name in the official-list form
        "no es José Pérez, es Luis Pérez",  # a correction names one person
        "Busco a mi hijo Kevin Coc, mi esposo Pedro Coc está muy preocupado",
    ],
)
def test_one_person_gives_no_others(text: str) -> None:
    assert parse_message(text, today=TODAY).others == ()


# --- a new search with a name ---------------------------------------------------------------------

NEW_SEARCH = [
    "otra persona: {n}",
    "Otra persona, {n}",
    "busco a otra persona, {n}",
    "ahora busco a {n}",
    "otra persona, se llama {n}",
    "quiero buscar a otra persona: mi primo {n}",
    "nueva búsqueda: {n}",
    "también busco a otra persona, mi primo {n}",
]


@pytest.mark.parametrize(
    ("template", "name"), list(itertools.product(NEW_SEARCH, [n for n, _ in FIRSTS + SECONDS])), ids=str
)
def test_a_new_search_with_a_name_is_that_search(template: str, name: str) -> None:
    u = parse_message(template.format(n=name), today=TODAY)
    assert u.command is None
    assert u.new_search
    assert u.name is not None and u.name.raw == name


@pytest.mark.parametrize("text", ["OTRA", "otra persona", "quiero buscar a otra persona", "nueva búsqueda"])
def test_a_bare_new_search_stays_the_command(text: str) -> None:
    u = parse_message(text, today=TODAY)
    assert u.command is Command.NEW_SEARCH
    assert not u.new_search and u.name is None


def test_a_search_phrase_after_the_name_is_not_a_new_search() -> None:
    u = parse_message("Busco a mi hermano José Pérez López y también busco a mi primo Luis García", today=TODAY)
    assert not u.new_search
    assert u.name is not None and u.name.raw == "José Pérez López"
    assert [m.name.raw for m in u.others] == ["Luis García"]


# --- corrections with two given names -------------------------------------------------------------

GIVEN_PAIRS = ["Santiago Rolando", "Marvin Estuardo", "José Luis", "Kevin Josué", "María Fernanda"]
CORRECTIONS = [
    "me equivoqué, el nombre es {g}",
    "perdón, se llama {g}",
    "quise decir {g}",
    "corrijo: {g}",
    "no, es {g}",
    "me equivoqué, se llama {g}",
    "no se llama José, se llama {g}",
]


@pytest.mark.parametrize(("template", "given"), list(itertools.product(CORRECTIONS, GIVEN_PAIRS)), ids=str)
def test_a_correction_with_two_given_names_is_a_name_correction(template: str, given: str) -> None:
    u = parse_message(template.format(g=given), today=TODAY)
    assert u.name is not None and u.name.raw == given
    assert u.is_correction and "name" in u.corrected
    assert u.others == () and not u.new_search


def test_the_classic_corrections_still_work() -> None:
    u = parse_message("no, es Luis, no José", today=TODAY)
    assert u.name is not None and u.name.raw == "Luis"
    assert u.name_rejected == ("jose",) and u.is_correction
    u = parse_message("no es guatemalteco, es hondureño", today=TODAY)
    assert (u.nationality, u.nationality_rejected, u.corrected) == ("HN", "GT", frozenset({"nationality"}))
    u = parse_message("no tiene 30, tiene 31", today=TODAY)
    assert (u.age, u.corrected) == (31, frozenset({"age"}))
