"""The oracle itself, rule by rule of SPEC section 5, on a tiny hand-written FICTIONAL roster: if the
oracle drifts from the SPEC, the adversarial figures mean nothing. Pure: no database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.adversarial.oracle import Facts, Fit, Name, Oracle, Said
from tests.adversarial.roster import LIST_DATE, Record, generate_roster, roster_csv

TODAY = date(2026, 11, 29)  # the list (LIST_DATE, 2023-03-28) is 3 years and 8 months old


def rec(ext: str, given: str, surnames: str, *, born: date | None = None, age: int | None = None, nat: str = "GT",
        status: str = "hospitalized", restricted: bool = False, female: bool = False) -> Record:
    verified = status != "unconfirmed"
    return Record(ext, tuple(given.split()), tuple(surnames.split()), female, nat, born, age,
                  born or date(1990, 1, 1), status, f"Lugar {ext} (FICTICIO)" if verified else None,
                  f"Fuente {ext} (FICTICIO)" if verified else None,
                  datetime(2023, 3, 28, 12, tzinfo=UTC) if verified else None, restricted)


ROSTER = [
    rec("A", "José Luis", "Hernández García", born=date(1996, 5, 3)),
    rec("B", "José Luis", "Hernández García", born=date(1991, 8, 17), nat="HN"),  # namesake
    rec("C", "Luis", "Moreno Sánchez", born=date(1980, 2, 11)),
    rec("D", "Luis", "Sánchez Moreno", born=date(1982, 7, 30)),  # swapped surnames
    rec("E", "Mario", "Cux Tzul", born=date(1994, 10, 2)),
    rec("F", "María", "Cux Tzul", born=date(1994, 10, 2), female=True),  # other-gender twin
    rec("G", "Hugo", "Quintanilla Paz", age=41, nat="VE"),  # age only, 41 on the list
    rec("H", "Rubén", "Tobar Lemus", born=date(1977, 1, 9), status="deceased"),
    rec("I", "Abel", "Ochoa Rivas", born=date(1985, 6, 6), restricted=True),
    rec("J", "Elmer", "Coc Ajú", born=date(1999, 9, 9), status="unconfirmed"),
    rec("K", "Guillermo", "Urbina Sosa", born=date(1988, 3, 21)),
]


def oracle() -> Oracle:
    return Oracle(ROSTER, TODAY)


def facts(name: str, surnames: str, **said: object) -> Facts:
    return Facts().merged(Said(name=Name(tuple(name.split()), tuple(surnames.split())), **said))  # type: ignore[arg-type]


def test_the_birth_date_proves_exactly_or_with_day_and_month_swapped() -> None:
    o = oracle()
    assert o.verdict(facts("Guillermo", "Urbina Sosa", birth_date=date(1988, 3, 21))).must == "K"
    assert o.verdict(facts("Guillermo", "Urbina", birth_date=date(1988, 3, 21))).must == "K"  # one surname
    assert o.verdict(facts("Luis", "Moreno Sánchez", birth_date=date(1980, 11, 2))).must == "C"  # 11/02 read as 02/11
    assert o.verdict(facts("Guillermo", "Urbina Sosa", birth_date=date(1988, 3, 22))).may == frozenset()


def test_age_and_nationality_never_prove_where_the_record_has_a_birth_date() -> None:
    v = oracle().verdict(facts("Guillermo", "Urbina Sosa", age=38, nationality="GT"))
    assert v.must is None and not v.may and v.why == "no proof"


def test_an_age_only_record_is_proved_by_age_within_one_year_as_listed_or_carried_forward_with_the_nationality() -> None:
    o = oracle()
    for years in (40, 41, 42, 44, 45):  # listed 41; carried forward 44 or 45
        assert o.verdict(facts("Hugo", "Quintanilla Paz", age=years, nationality="VE")).must == "G", years
    for years in (39, 47, 50):
        assert o.verdict(facts("Hugo", "Quintanilla Paz", age=years, nationality="VE")).may == frozenset(), years
    assert o.verdict(facts("Hugo", "Quintanilla Paz", age=41)).must is None  # no nationality
    assert o.verdict(facts("Hugo", "Quintanilla Paz", age=41, nationality="GT")).may == frozenset()  # conflicting one
    born = date(1982, 1, 10)  # 41 on the list's date, 44 today: "counts as that age"
    assert o.verdict(facts("Hugo", "Quintanilla Paz", birth_date=born, nationality="VE")).must == "G"


def test_a_detail_that_conflicts_blocks_the_disclosure() -> None:
    o = oracle()
    assert o.verdict(facts("Guillermo", "Urbina Sosa", birth_date=date(1988, 3, 21), nationality="HN")).may == frozenset()
    assert o.verdict(facts("Guillermo", "Urbina Sosa", birth_date=date(1988, 3, 21), age=30)).may == frozenset()
    assert o.verdict(facts("Guillermo", "Urbina Sosa", birth_date=date(1988, 3, 21), age=40)).must == "K"  # within 2 years


def test_a_birth_date_that_fits_one_namesake_identifies_it() -> None:
    o = oracle()
    v = o.verdict(facts("José Luis", "Hernández García", birth_date=date(1991, 8, 17)))
    assert v.must == "B"
    assert o.verdict(facts("José Luis", "Hernández García", nationality="GT")).must is None


def test_name_order_and_gender_make_another_person() -> None:
    o = oracle()
    assert o.verdict(facts("Luis", "Sánchez Moreno", birth_date=date(1980, 2, 11))).may == frozenset()  # C's date, D's name
    # Twins share the birth date: the name alone tells them apart, and "Juana" is no one here.
    assert o.verdict(facts("María", "Cux Tzul", birth_date=date(1994, 10, 2))).must == "F"
    assert o.verdict(facts("Juana", "Cux Tzul", birth_date=date(1994, 10, 2))).may == frozenset()
    assert o.verdict(facts("Mario", "Cux Tzul", birth_date=date(1994, 10, 2))).must == "E"


def test_restricted_unconfirmed_and_deceased_records_are_never_told() -> None:
    o = oracle()
    assert o.verdict(facts("Abel", "Ochoa Rivas", birth_date=date(1985, 6, 6))).may == frozenset()
    assert o.verdict(facts("Elmer", "Coc Ajú", birth_date=date(1999, 9, 9))).may == frozenset()
    dead = o.verdict(facts("Rubén", "Tobar Lemus", birth_date=date(1977, 1, 9)))
    assert dead.may == frozenset() and dead.call == "H"
    assert o.verdict(facts("Rubén", "Tobar Lemus", nationality="GT")).call is None  # no proof: not even the call


def test_the_lookup_limit_counts_persons_per_contact() -> None:
    o = oracle()
    five = ["A", "B", "C", "D", "E"]
    assert o.verdict(facts("Guillermo", "Urbina Sosa", birth_date=date(1988, 3, 21)), five).may == frozenset()
    assert o.verdict(facts("Guillermo", "Urbina Sosa", birth_date=date(1988, 3, 21)), five[:4]).must == "K"
    assert o.verdict(facts("José Luis", "Hernández García", birth_date=date(1996, 5, 3)), five).must == "A"  # already looked up


def failed(o: Oracle, f: Facts, said: Said) -> Fit:
    failure = o.failed_proof(Facts(name=f.name), f, said)
    if failure is None:
        return Fit.NO
    o.record_failure(failure)
    return Fit.YES if failure.certain else Fit.MAYBE


def test_failed_proofs_count_per_person_and_lock_it_after_three() -> None:
    o = oracle()
    wrong = [date(1988, 3, d) for d in (1, 2, 3)]
    for day in wrong:
        said = Said(name=Name(("Guillermo",), ("Urbina", "Sosa")), birth_date=day)
        assert failed(o, Facts().merged(said), said) == Fit.YES
    assert o.locked("K") == Fit.YES
    v = o.verdict(facts("Guillermo", "Urbina Sosa", birth_date=date(1988, 3, 21)))
    assert v.may == frozenset() and v.why == "locked"


@pytest.mark.parametrize("said", [
    Said(name=Name(("José", "Luis"), ("Hernández", "García")), birth_date=date(1990, 1, 1)),  # namesakes: no one
    Said(name=Name(("Ramiro",), ("Hernández", "García")), birth_date=date(1990, 1, 1)),  # a name on no record
    Said(name=Name(("Guillermo",), ("Urbina", "Sosa")), age=20, nationality="GT"),  # an age on a dated record
    Said(name=Name(("Guillermo",), ("Urbina", "Sosa")), nationality="HN"),  # blocks, but is no failed proof
])
def test_what_is_not_a_failed_proof(said: Said) -> None:
    o = oracle()
    assert o.failed_proof(Facts(), Facts().merged(said), said) is None


def test_an_age_or_nationality_that_conflicts_is_a_failed_proof_on_an_age_only_record() -> None:
    o = oracle()
    for said in (Said(name=Name(("Hugo",), ("Quintanilla", "Paz")), age=30, nationality="VE"),
                 Said(name=Name(("Hugo",), ("Quintanilla", "Paz")), age=41, nationality="GT")):
        failure = o.failed_proof(Facts(), Facts().merged(said), said)
        assert failure is not None and failure.certain and failure.external_id == "G"


def test_the_roster_generator_is_seeded_and_holds_every_hard_case() -> None:
    a, b = generate_roster(seed=9), generate_roster(seed=9)
    assert roster_csv(a) == roster_csv(b) and roster_csv(a) != roster_csv(generate_roster(seed=10))
    kinds = set().union(*(r.kinds for r in a))
    assert {"namesake", "partial_namesake", "swapped", "twin", "nickname", "age_only"} <= kinds
    assert {r.status for r in a} == {"unconfirmed", "safe", "hospitalized", "transferred", "released", "returned",
                                     "deceased"}
    assert any(r.restricted for r in a) and all(r.source for r in a if r.status != "unconfirmed")
    assert {r.nationality for r in a} == {"GT", "HN", "SV", "VE", "CO", "EC", "MX"}
    assert all(r.age is None or r.birth_date is None for r in a) and LIST_DATE.year == 2023
