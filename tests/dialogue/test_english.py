"""A relative who writes in English is answered in English (SPEC 4), over every branch of the same
policy: the same proof, the same uniform case words, never a word about a death. The conversation
keeps its language. FICTIONAL demo roster (bot/roster/demo_roster.csv)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot import texts_en as EN
from bot import texts_es as ES
from tests.dialogue.support import ROWS, TZ

DEATH_WORDS_EN = ("died", "dead", "death", "deceas", "passed away", "loss", "condolence", "morgue", "forensic",
                  "body", "remains", "sorry to", "rest in peace")


def disclosed_en(external_id: str) -> str:
    """The exact English disclosure for a demo row, built from the CSV and the catalogue."""
    row = ROWS[external_id]
    status = {"hospitalizado": "hospitalized", "a salvo": "safe", "trasladado": "transferred"}[row["estado"]]
    when = datetime.fromisoformat(row["verificado_en"]).astimezone(TZ)
    months = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")
    verified_on = f"{when.day} {months[when.month - 1]} {when.year}, {when:%H:%M}"
    return EN.render(EN.DISCLOSURE, name=f"{row['nombres']} {row['apellidos']}", status_text=EN.STATUS_TEXT[status],
                     location=row["ubicacion"], verified_on=verified_on, source=row["fuente"])


def no_death_word(replies: list[str]) -> None:
    text = " ".join(replies).lower()
    assert not any(w in text for w in DEATH_WORDS_EN), text


def test_english_disclosure_with_the_birth_date(mem_relative) -> None:
    r = mem_relative()
    assert r.say("Hello, I am looking for my brother Jesus Velazquez Yanez") == [EN.WELCOME, EN.ASK_BIRTH]
    assert r.say("born December 25 1994") == [disclosed_en("DEMO-007"), EN.OFFER_SUBSCRIPTION]
    assert r.say("yes") == [EN.SUBSCRIBED, EN.ANYTHING_ELSE]


def test_english_no_match_and_i_dont_know_get_the_uniform_case_words(mem_relative) -> None:
    r = mem_relative()
    assert r.say("I am looking for Wenceslao Ixtabay Quinonez") == [EN.WELCOME, EN.ASK_BIRTH]
    out = r.say("I don't know")
    [case] = r.cases()
    assert out == [EN.render(EN.ESCALATED, reference=case.reference), EN.OFFER_SUBSCRIPTION]


@pytest.mark.parametrize("external_id", ["DEMO-013", "DEMO-002"])  # restricted; unconfirmed
def test_english_restricted_and_unconfirmed_records_get_the_same_case_words(mem_relative, external_id: str) -> None:
    row = ROWS[external_id]
    born = row["fecha_nacimiento"]
    r = mem_relative()
    assert r.say(f"Hello, I am looking for {row['nombres']} {row['apellidos']}, born {born}")[1:] == [
        EN.ASK_NATIONALITY]
    out = r.say("Guatemala")
    [case] = r.cases()
    assert out == [EN.render(EN.ESCALATED, reference=case.reference), EN.OFFER_SUBSCRIPTION]
    assert case.person_id == r.person_id(external_id)


def test_english_deceased_record_opens_an_urgent_case_and_says_nothing_of_a_death(mem_relative) -> None:
    r = mem_relative()
    out = r.say("Please help, I am looking for my son Francisco Javier del Valle Orellana, born 12/06/1985")
    [case] = r.cases()
    assert (case.reason, case.priority) == ("death_notification", "urgent")
    assert out[-2:] == [EN.render(EN.TEAM_WILL_CALL, reference=case.reference), EN.ASK_PHONE]
    no_death_word(out)


def test_english_namesakes_get_the_same_birth_date_question(mem_relative) -> None:
    r = mem_relative()
    r.say("I am looking for Juan Carlos Perez Ramirez")
    assert r.say("He is 25 years old, from Honduras") == [EN.ASK_BIRTH_FULL]


def test_the_conversation_keeps_its_language(mem_relative) -> None:
    r = mem_relative()
    r.say("Hola, busco a Jesús Velázquez Yáñez")
    # A stray English word later does not switch a Spanish conversation.
    assert r.say("ok, born 25/12/1994")[0].startswith("Jesús Velázquez Yáñez: con vida")
    english = mem_relative()
    english.say("Hello, I am looking for Jesus Velazquez Yanez")
    assert english.say("25/12/1994")[0] == disclosed_en("DEMO-007")


def test_english_texts_never_reuse_spanish_words_for_the_relative() -> None:
    # Every text the English catalogue has, except the reply to another language (said in Spanish).
    for name, value in vars(EN).items():
        if name.isupper() and isinstance(value, str) and name != "OTHER_LANGUAGE":
            assert value != getattr(ES, name, None), name
    assert set(EN.STATUS_TEXT) == set(ES.STATUS_TEXT)
