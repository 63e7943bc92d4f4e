"""Rule 6 of SPEC 5: failed proofs are remembered per person across all contacts and channels; after
3 within 7 days the bot states that person's status to nobody until an operator clears the lock.

Brute force from fresh contacts is generated, not hand-picked: for each kind of target (a record with
a birth date, a deceased one, one with only an age), every contact is new and the guesses step
towards the right answer, which comes at the 6th attempt or later. The oracle is the SPEC: nothing
disclosed, no deceased-only sentence, the uniform case words, a high-priority "proof_attempts" case.
All names and dates are the FICTIONAL demo roster's (bot/roster/demo_roster.csv).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from bot import texts_es as T
from bot.auth import create_token
from bot.status_review import record_status
from db.models import AuditEvent, Person, ProofAttempt
from db.repositories.status import NewReport
from tests.dialogue.support import DEATH_WORDS, ROWS, age, disclosed

MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre")
_REF = re.compile(r"[A-Z]{2,5}-[0-9A-Z]{4}")


def _name(external_id: str) -> str:
    row = ROWS[external_id]
    return f"{row['nombres']} {row['apellidos']}"


def _born(external_id: str) -> date:
    raw = ROWS[external_id]["fecha_nacimiento"]
    return date.fromisoformat(raw) if "-" in raw else date(int(raw[6:]), int(raw[3:5]), int(raw[:2]))


def _uniform(replies: list[str]) -> list[str]:
    """The words a relative sees, with the case reference taken out."""
    return [_REF.sub("REF", r) for r in replies if r != T.WELCOME]


def _wrong_dates(right: date, n: int) -> list[date]:
    """n wrong birth dates close to the right one (neither it nor its day/month swap)."""
    out, step = [], 1
    while len(out) < n:
        guess = right + timedelta(days=step * 37)
        step += 1
        swapped = date(guess.year, guess.day, guess.month) if guess.day <= 12 else None
        if right not in (guess, swapped):
            out.append(guess)
    return out


COUNTRY_WORDS = {"GT": "guatemalteco", "HN": "hondureño", "Guatemala": "guatemalteco", "Honduras": "hondureño"}


def _say_date(external_id: str, d: date) -> str:
    country = COUNTRY_WORDS[ROWS[external_id]["nacionalidad"]]
    return f"Busco a {_name(external_id)}, {country}, nació el {d.day} de {MONTHS[d.month - 1]} de {d.year}"


def _person(factory, external_id: str) -> Person:
    with factory() as s:
        return s.scalars(select(Person).where(Person.external_id == external_id)).one()


BIRTH_DATE_TARGETS = ("DEMO-007", "DEMO-009")  # hospitalised; deceased


@pytest.mark.parametrize("target", BIRTH_DATE_TARGETS)
@pytest.mark.parametrize("wrong_first", [5, 8])
def test_cross_contact_brute_force_of_a_birth_date_discloses_nothing(relative, demo, target: str,
                                                                     wrong_first: int) -> None:
    no_match_words = _uniform(relative().say("Busco a Wenceslao Ixtabay Quiñónez, hondureño, nació el 3 de marzo de 1990"))
    guesses = [*_wrong_dates(_born(target), wrong_first), _born(target)]
    for i, guess in enumerate(guesses, start=1):
        r = relative()  # a fresh contact for every guess
        out = r.say(_say_date(target, guess))
        joined = "\n".join(out)
        assert "con vida" not in joined and "a salvo" not in joined
        assert T.TEAM_WILL_CALL.split("{")[0] not in joined, f"deceased-only sentence at attempt {i}"
        assert not any(w in joined.lower() for w in DEATH_WORDS)
        # The lock never changes the words: the same as for a name on no record.
        assert _uniform(out) == no_match_words, f"attempt {i} answered differently"
        if i > 3:
            [case] = r.cases()
            assert (case.reason, case.priority) == ("proof_attempts", "high")
    assert _person(demo, target).proof_locked_at is not None
    with demo() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "proof_locked")) is not None


def test_cross_contact_brute_force_of_an_age_only_record_discloses_nothing(relative, demo) -> None:
    # DEMO-012 has no birth date: age ±1 with the nationality proves. Step the age from fresh contacts.
    right = age("DEMO-012")
    for i, guess in enumerate([right + 10, right - 8, right + 5, right + 3, right - 3, right], start=1):
        r = relative()
        out = r.said(f"Busco a {_name('DEMO-012')}, guatemalteco, tiene {guess} años")
        if T.ASK_BIRTH_FULL in out:
            out += "\n" + r.said("no sé")
        assert "con vida" not in out, f"disclosed at attempt {i}"
    assert _person(demo, "DEMO-012").proof_locked_at is not None


def test_the_same_statement_again_in_one_conversation_counts_once(relative, demo) -> None:
    r = relative()
    wrong = _wrong_dates(_born("DEMO-007"), 1)[0]
    for _ in range(4):
        r.say(_say_date("DEMO-007", wrong))
    with demo() as s:
        assert len(list(s.scalars(select(ProofAttempt)))) == 1
    assert _person(demo, "DEMO-007").proof_locked_at is None


def test_several_wrong_dates_from_one_contact_also_lock(relative, demo) -> None:
    r = relative()
    for wrong in _wrong_dates(_born("DEMO-007"), 3):
        r.say(_say_date("DEMO-007", wrong))
    assert _person(demo, "DEMO-007").proof_locked_at is not None


def test_a_correct_age_and_nationality_on_a_birth_date_record_fails_nothing(relative, demo) -> None:
    for _ in range(4):
        r = relative()
        r.say(f"Busco a {_name('DEMO-007')}, guatemalteco, {age('DEMO-007')} años")
        r.say("no sé")
    assert _person(demo, "DEMO-007").proof_locked_at is None
    with demo() as s:
        assert list(s.scalars(select(ProofAttempt))) == []


def test_a_lock_is_per_person(relative, demo) -> None:
    for wrong in _wrong_dates(_born("DEMO-007"), 3):
        relative().say(_say_date("DEMO-007", wrong))
    r = relative()
    assert r.say("Busco a Guillermo Martínez de la Cruz, nació el 30 de abril de 1989")[1] == disclosed("DEMO-008")


def test_relatives_who_proved_before_the_lock_keep_their_subscription(relative, demo, settings) -> None:
    follower = relative()
    follower.say(_say_date("DEMO-007", _born("DEMO-007")))
    assert follower.say("sí")[0] == T.SUBSCRIBED
    for wrong in _wrong_dates(_born("DEMO-007"), 3):
        relative().say(_say_date("DEMO-007", wrong))
    assert _person(demo, "DEMO-007").proof_locked_at is not None
    with demo.begin() as s:
        person = s.scalars(select(Person).where(Person.external_id == "DEMO-007")).one()
        record_status(s, person, NewReport(status="transferred", location="Hospital Central (FICTICIO), Chihuahua",
                                           source="Secretaría de Salud (FICTICIO), traslados 30/03"),
                      settings, actor="test")
    with demo() as s:
        notified = [e for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "disclosure"))
                    if "Hospital Central (FICTICIO)" in e.details["text"]]
    assert len(notified) == 1


def test_an_operator_clears_the_lock_through_the_api_and_it_is_audited(relative, demo, settings) -> None:
    for wrong in _wrong_dates(_born("DEMO-007"), 3):
        relative().say(_say_date("DEMO-007", wrong))
    person_id = _person(demo, "DEMO-007").id
    with demo.begin() as s:
        _, operator = create_token(s, "test operator", "operator", actor="test")
        _, viewer = create_token(s, "test viewer", "viewer", actor="test")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        as_viewer = {"Authorization": f"Bearer {viewer}"}
        as_operator = {"Authorization": f"Bearer {operator}"}
        assert client.get(f"/api/v1/persons/{person_id}/proof-attempts", headers=as_viewer).status_code == 403
        assert client.delete(f"/api/v1/persons/{person_id}/proof-lock", headers=as_viewer).status_code == 403
        seen = client.get(f"/api/v1/persons/{person_id}/proof-attempts", headers=as_operator).json()
        assert seen["locked"] is True and len(seen["attempts"]) == 3
        assert all("birth_date" in a["stated"] and a["channel"] == "local" for a in seen["attempts"])
        assert client.get(f"/api/v1/persons/{person_id}", headers=as_operator).json()["proof_locked"] is True
        cleared = client.delete(f"/api/v1/persons/{person_id}/proof-lock", headers=as_operator)
        assert cleared.status_code == 200 and cleared.json() == {"person_id": person_id, "locked": False,
                                                                  "attempts_cleared": 3}
        assert client.delete("/api/v1/persons/999999/proof-lock", headers=as_operator).status_code == 404
    with demo() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "proof_lock_cleared"))
        assert event.subject_id == str(person_id) and event.actor.startswith("token:")
    # Cleared: the right birth date discloses again, and old attempts no longer count.
    assert relative().say(_say_date("DEMO-007", _born("DEMO-007")))[1] == disclosed("DEMO-007")
    relative().say(_say_date("DEMO-007", _wrong_dates(_born("DEMO-007"), 1)[0]))
    assert _person(demo, "DEMO-007").proof_locked_at is None


def test_a_wrong_date_counts_once_even_when_the_country_is_asked_after_it(relative, demo) -> None:
    r = relative()
    wrong = _wrong_dates(_born("DEMO-007"), 1)[0]
    assert r.say(f"Busco a {_name('DEMO-007')}, nació el {wrong:%d/%m/%Y}")[1:] == [T.ASK_NATIONALITY]
    r.say("guatemalteco")
    with demo() as s:
        assert len(list(s.scalars(select(ProofAttempt)))) == 1
