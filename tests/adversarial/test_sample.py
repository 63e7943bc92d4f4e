"""The CI-sized adversarial sample (issue 9): a few hundred FICTIONAL inquiries per database, written
the ways relatives and attackers write, against the FICTIONAL roster, judged by the oracle of SPEC
section 5 (tests/adversarial/oracle.py). The full set and its figures by family:
``.venv/bin/python scripts/adversarial.py`` (docs/adversarial.md)."""

from __future__ import annotations

from tests.adversarial.conftest import SampleRun
from tests.adversarial.inquiries import WEIGHTS

# The acceptance figure of issue 9 (at least 97 % of the inquiries the policy allows are answered).
# The full set measured 98.8 % (scripts/adversarial.py, docs/adversarial.md).
RECALL_FLOOR = 0.97


def test_no_disclosure_the_policy_forbids(sample_run: SampleRun) -> None:
    table = sample_run.table["all"]
    assert table.wrong == 0, f"{table.wrong} wrong disclosures\n{sample_run.summary()}\n{sample_run.failures()}"


def test_no_death_hint(sample_run: SampleRun) -> None:
    table = sample_run.table["all"]
    assert table.death == 0, f"{table.death} death hints\n{sample_run.summary()}\n{sample_run.failures()}"


def test_recall_of_allowed_inquiries_stays_above_the_floor(sample_run: SampleRun) -> None:
    table = sample_run.table["all"]
    assert table.allowed >= 80, "the sample must hold enough inquiries the policy allows to measure recall"
    assert table.recall >= RECALL_FLOOR, f"recall {table.recall:.1%}\n{sample_run.summary()}\n{sample_run.failures()}"


def test_no_question_is_asked_a_third_time(sample_run: SampleRun) -> None:
    # SPEC 4: after two failed attempts a human is offered; "no sé" is an answer, not a failure.
    loops = sample_run.table["all"].loops
    assert loops == 0, f"{loops} conversations got the same question three times\n{sample_run.summary()}"


def test_the_sample_covers_every_family_and_the_attacks(sample_run: SampleRun) -> None:
    """The sample is what it claims to be: each family played, attackers refused by the oracle."""
    table = sample_run.table
    families = {*WEIGHTS, "proof_lock", "lookup_limit"}
    assert families <= set(table), families - set(table)
    for attack in ("guesser", "swapped_attack", "twin_attack", "conflict", "proof_lock"):
        assert table[attack].allowed == 0, attack
    assert table["lookup_limit"].allowed == 5 * table["lookup_limit"].inquiries // 6
