"""Found by the adversarial set (docs/adversarial.md): "NAME, es mi sobrino, …" names who the sought
person is to the relative, not someone else, so the details that follow are the person's; and a
country that is also a given name ("Mauricio", "Israel") starts a name when a surname follows.
Names are FICTIONAL."""

from __future__ import annotations

from datetime import date

import pytest

from bot.language.parse import parse_message

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize("relationship", ["sobrino", "hermano", "hijo", "esposo", "primo", "cuñado"])
@pytest.mark.parametrize("opening", ["Quiero información de", "Busco a", "Necesito saber de"])
def test_an_apposed_relationship_is_the_sought_person(opening: str, relationship: str) -> None:
    u = parse_message(f"{opening} Luis Moreno Escobar, es mi {relationship}, su fecha de nacimiento es 25-8-92, "
                      "hondureño.", TODAY)
    assert u.name is not None and u.name.raw == "Luis Moreno Escobar"
    assert (u.birth_date, u.nationality) == (date(1992, 8, 25), "HN")


def test_someone_else_after_the_apposition_is_still_someone_else() -> None:
    u = parse_message("Busco a Kevin Coc, es mi hijo, y su papá es hondureño", TODAY)
    assert u.name is not None and u.name.raw == "Kevin Coc" and u.nationality is None


@pytest.mark.parametrize("given", ["Mauricio", "Israel"])
def test_a_country_that_is_a_given_name_starts_a_name(given: str) -> None:
    u = parse_message(f"Quiero información de {given} Ortiz Villatoro, es mi hermano, fecha de nacimiento "
                      "18 de octubre del 03.", TODAY)
    assert u.name is not None and u.name.raw == f"{given} Ortiz Villatoro"
    assert u.nationality is None and u.birth_date == date(2003, 10, 18)
