"""The disclosure policy (SPEC section 5), rule by rule, with plain values."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.policy import (
    AskDistinguishing,
    Candidate,
    Disclose,
    Escalate,
    PolicyConfig,
    Stated,
    decide,
    disclosure_text,
)

TODAY = date(2023, 3, 29)
TZ = ZoneInfo("America/Ciudad_Juarez")

BASE = Candidate(
    person_id=1, name="José Luis Hernández García", score=1.0, strong=True, nationality="GT",
    birth_date=date(1996, 5, 3), approx_age=None, restricted=False, status="hospitalized",
    location="Hospital General (ficticio), Ciudad Juárez", source="Hospital General (ficticio), lista 28/03 14:00",
    verified_at=datetime(2023, 3, 28, 20, 0, tzinfo=UTC),
)
BORN = Stated(birth_date=date(1996, 5, 3))


def test_single_strong_match_with_matching_birth_date_is_disclosed() -> None:
    assert decide(BORN, [BASE], set(), TODAY) == Disclose(BASE)


def test_day_and_month_swapped_still_shows_knowledge() -> None:
    assert isinstance(decide(Stated(birth_date=date(1996, 3, 5)), [BASE], set(), TODAY), Disclose)


@pytest.mark.parametrize("age", [25, 26, 27])
def test_age_within_one_year_with_nationality_is_enough(age: int) -> None:
    # Born 1996-05-03: 26 on 2023-03-29.
    assert isinstance(decide(Stated(age=age, nationality="GT"), [BASE], set(), TODAY), Disclose)


def test_age_without_nationality_is_not_enough() -> None:
    assert decide(Stated(age=26), [BASE], set(), TODAY) == Escalate("conflicting_details", person_id=1)


@pytest.mark.parametrize("stated", [
    Stated(birth_date=date(1995, 5, 3)),
    Stated(birth_date=date(1996, 5, 3), nationality="HN"),
    Stated(age=30, nationality="GT"),
    Stated(birth_date=date(1996, 5, 3), age=40),
])
def test_anything_stated_that_contradicts_the_record_blocks_disclosure(stated: Stated) -> None:
    decision = decide(stated, [BASE], set(), TODAY)
    assert isinstance(decision, Escalate) and decision.reason == "conflicting_details"


def test_no_strong_candidate_opens_a_no_match_case() -> None:
    weak = replace(BASE, strong=False, score=0.6)
    assert decide(BORN, [weak], set(), TODAY) == Escalate("no_match")
    assert decide(BORN, [], set(), TODAY) == Escalate("no_match")


def test_homonyms_without_birth_date_ask_for_the_distinguishing_detail() -> None:
    twin = replace(BASE, person_id=2, birth_date=date(1996, 9, 1), nationality="GT")
    # Both are 26 and Guatemalan: only the birth date can tell them apart.
    assert decide(Stated(age=26, nationality="GT"), [BASE, twin], set(), TODAY) == AskDistinguishing()
    # An age that fits only one of them singles it out.
    older = replace(twin, birth_date=date(1990, 1, 9))
    assert decide(Stated(age=26, nationality="GT"), [BASE, older], set(), TODAY) == Disclose(BASE)
    # An age that fits neither: nothing to disclose.
    assert decide(Stated(age=40, nationality="GT"), [BASE, older], set(), TODAY) == Escalate(
        "conflicting_details", person_id=None)


def test_homonyms_told_apart_by_birth_date_disclose_the_right_one() -> None:
    twin = replace(BASE, person_id=2, birth_date=date(1990, 1, 9))
    decision = decide(Stated(birth_date=date(1990, 1, 9)), [BASE, twin], set(), TODAY)
    assert decision == Disclose(twin)


def test_same_name_same_birth_date_is_ambiguous() -> None:
    twin = replace(BASE, person_id=2)
    assert decide(BORN, [BASE, twin], set(), TODAY) == Escalate("ambiguous")


def test_a_close_non_strong_candidate_that_fits_blocks_disclosure() -> None:
    close = replace(BASE, person_id=3, name="José Luis Hernández Garza", strong=False, score=0.85)
    assert decide(BORN, [BASE, close], set(), TODAY) == Escalate("ambiguous")
    far = replace(close, score=0.5)
    assert isinstance(decide(BORN, [BASE, far], set(), TODAY), Disclose)


def test_restricted_record_is_never_disclosed() -> None:
    assert decide(BORN, [replace(BASE, restricted=True)], set(), TODAY) == Escalate("restricted", person_id=1)


def test_deceased_opens_an_urgent_case_and_is_never_disclosed() -> None:
    decision = decide(BORN, [replace(BASE, status="deceased")], set(), TODAY)
    assert decision == Escalate("death_notification", person_id=1, priority="urgent")


@pytest.mark.parametrize("change", [{"status": "unconfirmed"}, {"source": None}, {"source": "  "}])
def test_unconfirmed_or_unsourced_status_is_not_disclosed(change: dict) -> None:
    assert decide(BORN, [replace(BASE, **change)], set(), TODAY) == Escalate("unconfirmed", person_id=1)


def test_lookup_limit_counts_different_persons() -> None:
    five_others = {10, 11, 12, 13, 14}
    assert decide(BORN, [BASE], five_others, TODAY, PolicyConfig(lookup_limit=5)) == Escalate(
        "abuse_limit", person_id=1)
    # Asking again about a person already looked up does not count as another.
    assert isinstance(decide(BORN, [BASE], {1, 11, 12, 13, 14}, TODAY), Disclose)
    assert isinstance(decide(BORN, [BASE], {11, 12, 13, 14}, TODAY), Disclose)


def test_disclosure_text_holds_name_status_place_time_and_source_only() -> None:
    text = disclosure_text(BASE, TZ)
    assert text.startswith("José Luis Hernández García: con vida, recibe atención médica.")
    assert "Hospital General (ficticio), Ciudad Juárez" in text
    assert "28 de marzo de 2023, 14:00" in text  # 20:00 UTC is 14:00 in Ciudad Juárez
    assert "lista 28/03 14:00" in text
    assert "1996" not in text  # no birth date or other personal detail


def test_disclosure_text_refuses_a_death() -> None:
    with pytest.raises(AssertionError):
        disclosure_text(replace(BASE, status="deceased"), TZ)


def test_a_record_the_contact_contradicted_is_not_unlocked_by_guessing_again() -> None:
    assert decide(BORN, [BASE], set(), TODAY, persons_in_conflict=frozenset({1})) == Escalate(
        "conflicting_details", person_id=1)
    assert isinstance(decide(BORN, [BASE], set(), TODAY, persons_in_conflict=frozenset({2})), Disclose)
