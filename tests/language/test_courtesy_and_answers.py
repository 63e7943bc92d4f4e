"""Blessings are never names, "no sé" is an answer, distress is heard (SPEC section 4, issue 9).

All names are fictional. Families are generated: every blessing alone, before and after a search.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from bot.language import Command, parse_message
from bot.language.courtesy import courtesy_spans, distress, dont_know_spans, says_thanks
from bot.language.normalize import fold_inline

TODAY = date(2026, 1, 15)

# (formula, thanks?) — what relatives write around their question.
BLESSINGS = [
    ("Dios les pague", True),
    ("Dios los bendiga", True),
    ("Dios me lo bendiga", True),
    ("Dios los bendiga a todos", True),
    ("Dios les pague su ayuda", True),
    ("que Dios me lo cuide", False),
    ("que Diosito me lo cuide", False),
    ("que Dios los acompañe", False),
    ("se lo suplico", False),
    ("se los ruego", False),
    ("por favor", False),
    ("gracias de antemano", True),
    ("bendiciones", True),
    ("mil gracias", True),
    ("por el amor de Dios", False),
    ("Gloria a Dios", False),
    ("primero Dios", False),
    ("si Dios quiere", False),
    ("Virgen de Guadalupe", False),
    ("Ave María Purísima", False),
    ("amén", False),
    ("que tenga buen día", False),
    ("disculpe la molestia", False),
    ("atentamente", False),
]
GREETINGS = ["buenas noches señorita", "Buenos días joven", "Hola buenas tardes señora", "Buenas"]
PERSONS = ["Kevin Coc Pop", "Marvin Estuardo Lemus", "Hugo Quintanilla", "Santiago Rolando Mejía"]


@pytest.mark.parametrize(("formula", "thanks"), BLESSINGS)
def test_a_blessing_alone_is_never_a_name(formula: str, thanks: bool) -> None:
    for text in (formula, formula.upper(), formula.lower() + "!!", f"{formula} 🙏"):
        u = parse_message(text, today=TODAY)
        assert u.name is None, text
        assert u.relative_name is None, text
    assert parse_message(formula, today=TODAY).thanks is thanks


@pytest.mark.parametrize(
    ("formula", "person"), list(itertools.product([b for b, _ in BLESSINGS], PERSONS)), ids=lambda x: x[:25]
)
def test_a_blessing_around_a_search_leaves_the_name_alone(formula: str, person: str) -> None:
    for text in (
        f"{formula}, busco a mi hijo {person}",
        f"Busco a mi hijo {person}. {formula.capitalize()}",
        f"Busco a mi hijo {person}, {formula}",
    ):
        u = parse_message(text, today=TODAY)
        assert u.name is not None and u.name.raw == person, text
        assert u.others == (), text


@pytest.mark.parametrize("greeting", GREETINGS)
def test_a_greeting_is_a_greeting_not_a_name(greeting: str) -> None:
    u = parse_message(greeting, today=TODAY)
    assert u.greeting and u.name is None
    u = parse_message(f"{greeting}, busco a Kevin Coc Pop", today=TODAY)
    assert u.greeting and u.name is not None and u.name.raw == "Kevin Coc Pop"


def test_a_command_with_a_plea_is_still_the_command() -> None:
    assert parse_message("AYUDA, se lo suplico", today=TODAY).command is Command.HELP
    assert parse_message("otra persona, Dios le pague", today=TODAY).command is Command.NEW_SEARCH


# --- distress ---------------------------------------------------------------------------------------

DISTRESSED = [
    "estoy desesperada",
    "Estamos muy preocupados por mi hijo Kevin Coc",
    "por favor ayúdenme",
    "se lo suplico",
    "no sabemos nada de él",
    "no sé nada de él desde el lunes",
    "estoy muy angustiada, busco a mi esposo Hugo Quintanilla",
    "😭😭 busco a mi hermano",
]
CALM = ["Busco a Kevin Coc Pop", "nació el 3 de mayo de 1996", "es hondureño", "gracias", "no sé"]


@pytest.mark.parametrize("text", DISTRESSED)
def test_distress_said_in_words_is_heard(text: str) -> None:
    u = parse_message(text, today=TODAY)
    assert u.distress
    assert u.understood_nothing is False


@pytest.mark.parametrize("text", CALM)
def test_calm_messages_are_not_distress(text: str) -> None:
    assert parse_message(text, today=TODAY).distress is False


# --- "no sé" --------------------------------------------------------------------------------------

DONT_KNOW = [
    "no sé",
    "no se",
    "No lo sé",
    "no la sé",
    "no sé cuándo nació",
    "no se cuando nacio",
    "no sé la fecha",
    "no sé su fecha de nacimiento",
    "no sé cuántos años tiene",
    "no me acuerdo",
    "no me acuerdo de la fecha",
    "no recuerdo",
    "ni idea",
    "ni idea señorita",
    "desconozco la fecha",
    "desconozco",
    "no sabría decirle",
    "no estoy segura",
    "No sé, disculpe",
    "no sé exactamente",
    "I don't know",
]
NOT_DONT_KNOW = [
    "no sé nada de él",
    "no sabemos nada de mi hijo",
    "no se llama José",
    "no sé dónde está",
    "no sé qué hacer",
    "no se encuentra",
    "busco a Kevin Coc",
]


@pytest.mark.parametrize("text", DONT_KNOW)
def test_dont_know_is_an_answer(text: str) -> None:
    u = parse_message(text, today=TODAY)
    assert u.dont_know, text
    assert u.name is None and u.age is None and u.birth_date is None, text
    assert u.understood_nothing is False


@pytest.mark.parametrize("text", NOT_DONT_KNOW)
def test_other_negations_are_not_dont_know(text: str) -> None:
    assert parse_message(text, today=TODAY).dont_know is False


def test_dont_know_with_a_guess_keeps_the_guess() -> None:
    u = parse_message("No sé, creo que tiene como 30 años", today=TODAY)
    assert u.dont_know and u.age == 30 and u.age_approximate


# --- the functions on their own ----------------------------------------------------------------------


def test_courtesy_spans_cover_the_whole_formula() -> None:
    text = fold_inline("Busco a Kevin. Dios me lo bendiga, se lo suplico")
    covered = [text[s:e] for s, e in courtesy_spans(text)]
    assert covered == ["dios me lo bendiga", "se lo suplico"]


def test_says_thanks_and_distress_and_dont_know_spans() -> None:
    assert says_thanks(fold_inline("Dios les pague")) and not says_thanks(fold_inline("se lo suplico"))
    assert distress(fold_inline("estoy desesperada")) and not distress(fold_inline("es hondureño"))
    text = fold_inline("no sé cuándo nació, pero es hondureño")
    assert [text[s:e] for s, e in dont_know_spans(text)] == ["no se"]
    assert dont_know_spans(fold_inline("no sé nada de él")) == []
