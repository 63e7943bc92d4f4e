"""The disclosure policy (SPEC section 5), rule by rule, with plain values."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.policy import (
    AskBirthDate,
    Candidate,
    Disclose,
    Escalate,
    PolicyConfig,
    Stated,
    decide,
    disclosure_text,
    failed_proofs,
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


AGE_ONLY = replace(BASE, person_id=5, birth_date=None, approx_age=26, listed_on=TODAY)


@pytest.mark.parametrize("age", [25, 26, 27])
def test_age_within_one_year_with_nationality_proves_only_a_record_without_birth_date(age: int) -> None:
    assert isinstance(decide(Stated(age=age, nationality="GT"), [AGE_ONLY], set(), TODAY), Disclose)
    # The same age and nationality prove nothing where the record has a birth date (lists publish them).
    assert decide(Stated(age=age, nationality="GT"), [BASE], set(), TODAY) == Escalate("no_proof", person_id=1)


def test_age_and_nationality_on_a_birth_date_record_ask_for_the_date_when_allowed() -> None:
    assert decide(Stated(age=26, nationality="GT"), [BASE], set(), TODAY, may_ask_birth_date=True) == AskBirthDate()
    # ... and so does every other outcome short of a proof: the question never depends on the roster.
    assert decide(Stated(age=26, nationality="GT"), [], set(), TODAY, may_ask_birth_date=True) == AskBirthDate()
    assert decide(Stated(age=40, nationality="GT"), [AGE_ONLY], set(), TODAY, may_ask_birth_date=True) == AskBirthDate()


def test_a_listed_age_counts_as_listed_and_carried_forward() -> None:
    listed_two_years_ago = replace(AGE_ONLY, listed_on=date(2021, 3, 1))
    assert isinstance(decide(Stated(age=26, nationality="GT"), [listed_two_years_ago], set(), TODAY), Disclose)
    assert isinstance(decide(Stated(age=28, nationality="GT"), [listed_two_years_ago], set(), TODAY), Disclose)
    assert not isinstance(decide(Stated(age=31, nationality="GT"), [listed_two_years_ago], set(), TODAY), Disclose)


def test_a_birth_date_given_for_an_age_only_record_counts_as_that_age() -> None:
    assert isinstance(decide(Stated(birth_date=date(1996, 8, 1), nationality="GT"), [AGE_ONLY], set(), TODAY), Disclose)
    assert decide(Stated(birth_date=date(1980, 8, 1), nationality="GT"), [AGE_ONLY], set(), TODAY).reason == (
        "conflicting_details")


def test_on_a_birth_date_record_a_stated_age_conflicts_only_beyond_two_years() -> None:
    # Born 1996-05-03: 26 on 2023-03-29. An age 2 years off with the right date still discloses.
    assert isinstance(decide(Stated(birth_date=date(1996, 5, 3), age=28), [BASE], set(), TODAY), Disclose)
    assert decide(Stated(birth_date=date(1996, 5, 3), age=29), [BASE], set(), TODAY) == Escalate(
        "conflicting_details", person_id=1)


def test_age_without_nationality_is_not_enough() -> None:
    assert decide(Stated(age=26), [AGE_ONLY], set(), TODAY) == Escalate("no_proof", person_id=5)


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


def test_homonyms_without_birth_date_ask_for_the_birth_date() -> None:
    twin = replace(BASE, person_id=2, birth_date=date(1996, 9, 1), nationality="GT")
    # Both are 26 and Guatemalan: only the birth date can tell them apart.
    assert decide(Stated(age=26, nationality="GT"), [BASE, twin], set(), TODAY) == AskBirthDate()
    # Neither can be disclosed on an age: their records have birth dates.
    older = replace(twin, birth_date=date(1990, 1, 9))
    assert decide(Stated(age=26, nationality="GT"), [BASE, older], set(), TODAY) == AskBirthDate()
    # ... nor on the age of an age-only namesake that the other's birth date rules out.
    young = replace(AGE_ONLY, person_id=6, approx_age=40)
    assert decide(Stated(age=40, nationality="GT"), [BASE, young], set(), TODAY) == AskBirthDate()
    assert decide(Stated(birth_date=date(1983, 1, 1), nationality="GT"), [BASE, young], set(), TODAY) == Escalate(
        "ambiguous")


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


# --- rule 6: the proof lock ------------------------------------------------------------------------


def test_a_locked_person_is_told_to_nobody_even_with_the_right_birth_date() -> None:
    locked = replace(BASE, proof_locked=True)
    assert decide(BORN, [locked], set(), TODAY) == Escalate("proof_attempts", person_id=1, priority="high")
    # Not even the deceased-only outcome: a lock answers with the uniform case words.
    assert decide(BORN, [replace(locked, status="deceased")], set(), TODAY).reason == "proof_attempts"


def test_a_lock_on_one_namesake_does_not_block_the_other() -> None:
    locked = replace(BASE, proof_locked=True)
    other = replace(BASE, person_id=2, birth_date=date(1990, 1, 9))
    assert decide(Stated(birth_date=date(1990, 1, 9)), [locked, other], set(), TODAY) == Disclose(other)
    assert decide(BORN, [locked, other], set(), TODAY).reason == "proof_attempts"


def test_failed_proofs_follow_the_spec_definition() -> None:
    # A birth date that does not match the record's (nor swapped) is a failed proof.
    assert failed_proofs(Stated(birth_date=date(1995, 5, 3)), [BASE], TODAY) == [1]
    assert failed_proofs(Stated(birth_date=date(1996, 3, 5)), [BASE], TODAY) == []
    # A correct age with nationality on a record with a birth date proves nothing and fails nothing.
    assert failed_proofs(Stated(age=26, nationality="GT"), [BASE], TODAY) == []
    # A wrong age on such a record is a conflict, not a failed proof (only the date counts there).
    assert failed_proofs(Stated(age=40), [BASE], TODAY) == []
    # For a record without a birth date, a conflicting age or nationality is.
    assert failed_proofs(Stated(age=40, nationality="GT"), [AGE_ONLY], TODAY) == [5]
    assert failed_proofs(Stated(age=26, nationality="HN"), [AGE_ONLY], TODAY) == [5]
    # A detail about a name on no record counts against no one.
    assert failed_proofs(Stated(birth_date=date(1995, 5, 3)), [], TODAY) == []
    assert failed_proofs(Stated(birth_date=date(1995, 5, 3)), [replace(BASE, strong=False)], TODAY) == []


def test_a_birth_date_fitting_one_namesake_fails_nothing_against_the_others() -> None:
    other = replace(BASE, person_id=2, birth_date=date(1990, 1, 9))
    assert failed_proofs(Stated(birth_date=date(1990, 1, 9)), [BASE, other], TODAY) == []
    # Fitting none of them: stepping dates on a shared name must still lock them.
    assert failed_proofs(Stated(birth_date=date(1980, 1, 1)), [BASE, other], TODAY) == [1, 2]
