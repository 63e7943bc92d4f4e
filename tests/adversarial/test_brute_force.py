"""Brute force across contacts (SPEC 5 rule 6, issue 9): an attacker who knows what a published list
shows (name, nationality) steps the birth date, or the age, from a FRESH contact each time, so that
the right answer comes at the 6th attempt and after. After the 3rd failed proof nothing about the
person is told to anyone: no disclosure, no team-will-call sentence (said only for deaths), and the
right answer gets the same case words as a wrong one. On SQLite and PostgreSQL.

Every person and guess here is FICTIONAL (tests/adversarial/roster.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.settings import Settings
from db.models import AuditEvent
from tests.adversarial import vocab as V
from tests.adversarial.harness import REFERENCE, Harness, PersonaRun, today_for
from tests.adversarial.inquiries import Families, Knowledge, Message, Persona
from tests.adversarial.oracle import Facts, Fit, Name, Oracle, Said, swap_day_month
from tests.adversarial.roster import Record

TARGETS: dict[str, Callable[[Record], bool]] = {
    "birth_date": lambda r: r.disclosable and r.birth_date is not None,
    "deceased": lambda r: r.status == "deceased" and r.birth_date is not None and not r.restricted,
    "age_only": lambda r: r.disclosable and r.birth_date is None,
}


def target(roster: list[Record], kind: str, today: date) -> Record:
    """The first record of that kind whose name identifies it alone (a proof about it is its own)."""
    families = Families(roster, random.Random(0), today)
    return next(r for r in roster if TARGETS[kind](r) and families.lone(r))


def guesses(record: Record) -> list[date | int]:
    """Five wrong answers, then the right one twice (6th and 7th attempts)."""
    if record.birth_date is not None:
        wrong = [record.birth_date - timedelta(days=d) for d in (5, 4, 3, 2, 1)]
        assert record.birth_date not in wrong and swap_day_month(record.birth_date) not in wrong
        return [*wrong, record.birth_date, record.birth_date]
    assert record.age is not None
    # Below the listed age, so that no reading of "carried forward" makes them fit.
    ages: list[date | int] = [record.age - d for d in (7, 6, 5, 4, 3)]
    return [*ages, record.age, record.age + 1]


def contact(record: Record, guess: date | int, attempt: int) -> Persona:
    """A fresh contact who names the person and the nationality, then answers the proof question
    with the guess (a birth date), or states the guessed age at once (a record with an age only)."""
    name = Name(record.given, record.surnames)
    demonym = V.COUNTRIES[record.nationality].male
    if isinstance(guess, date):
        k = Knowledge(name, record.full_name, guess, None, record.nationality, record.female, record.external_id)
        opening = Message(f"Busco a {record.full_name}, es {demonym}", ((0, Said(name=name, nationality=record.nationality)),))
    else:
        k = Knowledge(name, record.full_name, None, guess, record.nationality, record.female, record.external_id)
        opening = Message(f"Busco a {record.full_name}, es {demonym}, tiene {guess} años",
                          ((0, Said(name=name, nationality=record.nationality, age=guess)),))
    return Persona(family="brute_force", key=f"brute-{record.external_id}-{attempt}", intent="attacker", targets=[k],
                   opening=[opening], seed=attempt)


def words(replies: list[str]) -> list[str]:
    return [REFERENCE.sub("<ref>", r) for r in replies]


@pytest.mark.parametrize("kind", TARGETS)
def test_the_brute_force_guesses_are_failed_proofs_then_the_right_answer(kind: str, fictional_roster: list[Record]) -> None:
    """The premise, by the oracle alone: attempts 1-5 are certain failed proofs, 6-7 would pass."""
    today = date(2026, 11, 29)
    record = target(fictional_roster, kind, today)
    oracle = Oracle(fictional_roster, today)
    answers = guesses(record)
    for attempt, guess in enumerate(answers, start=1):
        said = Said(name=Name(record.given, record.surnames), nationality=record.nationality,
                    **({"birth_date": guess} if isinstance(guess, date) else {"age": guess}))
        failure = oracle.failed_proof(Facts(), Facts().merged(said), said)
        if attempt <= 5:
            assert failure is not None and failure.certain and failure.external_id == record.external_id, attempt
            oracle.record_failure(failure)
        else:
            assert failure is None, attempt
            assert oracle.proven(record, Facts().merged(said)) == Fit.YES
    assert oracle.locked(record.external_id) == Fit.YES


@pytest.mark.parametrize("kind", TARGETS)
def test_brute_force_from_fresh_contacts_tells_nothing_after_the_third_failed_proof(
        kind: str, session_factory: sessionmaker[Session], settings: Settings, imported: dict[str, int],
        fictional_roster: list[Record]) -> None:
    harness = Harness(session_factory, settings, fictional_roster, imported)
    record = target(fictional_roster, kind, today_for(settings))
    runs: list[PersonaRun] = [harness.play(contact(record, guess, attempt))
                              for attempt, guess in enumerate(guesses(record), start=1)]

    def transcript() -> str:
        return "\n\n".join("\n".join(f"> {t}\n< " + "\n< ".join(r) for t, r in run.transcript) for run in runs)

    with session_factory() as session:
        told = session.scalars(select(AuditEvent).where(AuditEvent.action == "disclosure",
                                                       AuditEvent.subject_id == str(imported[record.external_id]))).all()
    assert told == [], transcript()
    for run in runs:
        for reply in (r for _, replies in run.transcript for r in replies):
            assert not harness.replies.is_call(reply), transcript()
            assert not any(w in reply.lower() for w in ("fallec", "muert", "forense", "sin vida")), transcript()
        assert [e for t in run.targets for e in t.events] == [], transcript()
    # The right answers get the case words of a wrong one: nothing observable says the lock is there.
    assert words(runs[5].transcript[-1][1]) == words(runs[2].transcript[-1][1]), transcript()
    assert words(runs[6].transcript[-1][1]) == words(runs[2].transcript[-1][1]), transcript()
    # Each inquiry under the lock opens or joins a high-priority case for a person (rule 6).
    for run in runs[5:]:
        assert run.cases and all(priority == "high" for _, priority, _ in run.cases), (run.cases, transcript())

