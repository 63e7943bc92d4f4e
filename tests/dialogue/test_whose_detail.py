"""Issue 9 through the whole dialogue (in-memory ports): only details about the sought person count, a relative's story
does not vouch for anyone, and the bot keeps its recall (two persons, "otra persona: NAME", "no sé",
corrections, greetings and distress). FICTIONAL demo roster (bot/roster/demo_roster.csv)."""

from __future__ import annotations

import pytest

from bot import texts_es as T
from tests.dialogue.support import age, disclosed

# DEMO-012 José Guadalupe Martínez Ixcoy: Guatemalan, only an age on the list (so age ±1 with the
# nationality is the proof), hospitalised.
AGE_ONLY = "José Guadalupe Martínez Ixcoy"


@pytest.mark.parametrize("story", [
    "Tengo {age} años y soy guatemalteca. Busco a mi esposo {name}",
    "Soy guatemalteco, tengo {age} años, busco a mi hermano {name}",
    "Buenas, yo tengo {age} años, soy de Guatemala, estoy buscando a {name}",
])
def test_the_relatives_own_age_and_nationality_never_prove(mem_relative, story: str) -> None:
    r = mem_relative()
    out = r.said(story.format(age=age("DEMO-012"), name=AGE_ONLY))
    assert "con vida" not in out
    assert r.disclosures() == []


def test_the_relatives_own_age_does_not_block_the_persons_birth_date(mem_relative) -> None:
    r = mem_relative()
    out = r.say("Tengo 51 años, busco a mi hijo Jesús Velázquez Yáñez, nació el 25 de diciembre de 1994")
    assert out[1] == disclosed("DEMO-007")


def test_places_a_story_passes_through_are_not_the_persons_nationality(mem_relative) -> None:
    r = mem_relative()
    # DEMO-007 is Guatemalan; the story goes through Honduras and Mexico.
    out = r.say("Mi hijo Jesús Velázquez Yáñez salió de Honduras y pasó por México en bus, "
                "nació el 25 de diciembre de 1994")
    assert out[1] == disclosed("DEMO-007")


def test_two_persons_in_one_message_are_taken_one_after_the_other(mem_relative) -> None:
    r = mem_relative()
    out = r.say("Busco a Jesús Velázquez Yáñez nacido el 25/12/1994 y a Guillermo Martínez de la Cruz "
                "nacido el 30/04/1989")
    assert out[0] == T.WELCOME
    assert out[1] == T.render(T.SEVERAL_PERSONS, first="Jesús Velázquez Yáñez", rest="Guillermo Martínez de la Cruz")
    assert out[2:] == [disclosed("DEMO-007"), T.OFFER_SUBSCRIPTION]
    out = r.say("no")
    assert out[0] == T.NOT_SUBSCRIBED
    assert out[1] == T.render(T.NEXT_PERSON, name="Guillermo Martínez de la Cruz")
    assert out[2:] == [disclosed("DEMO-008"), T.OFFER_SUBSCRIPTION]
    assert len(r.disclosures()) == 2


def test_the_second_persons_date_never_vouches_for_the_first(mem_relative) -> None:
    r = mem_relative()
    # The only date follows the second name: it is the second person's, never the first's.
    out = r.say("Busco a Guillermo Martínez de la Cruz y a Jesús Velázquez Yáñez nacido el 25/12/1994")
    assert disclosed("DEMO-008") not in out and disclosed("DEMO-007") not in out
    assert out[-1] == T.ASK_BIRTH


def test_otra_persona_with_a_name_starts_a_new_search(mem_relative) -> None:
    r = mem_relative()
    r.say("Jesús Velázquez Yáñez 25/12/1994")
    r.say("no")
    assert r.say("otra persona: Guillermo Martínez de la Cruz") == [T.ASK_BIRTH]
    assert r.say("30/04/1989") == [disclosed("DEMO-008"), T.OFFER_SUBSCRIPTION]


def test_otra_persona_mid_search_drops_what_was_said_about_the_first(mem_relative) -> None:
    r = mem_relative()
    r.say("Jesús Velázquez Yáñez, guatemalteco")
    # A date for Jesús... then a new search: the date said before must not carry over.
    assert r.say("busco a otra persona, Guillermo Martínez de la Cruz") == [T.ASK_BIRTH]


@pytest.mark.parametrize("dont_know", ["no sé", "no sé cuándo nació", "no lo sé", "no me acuerdo", "ni idea"])
def test_no_se_is_an_honest_answer_a_person_takes_over(mem_relative, dont_know: str) -> None:
    r = mem_relative()
    assert r.say("Busco a Jesús Velázquez Yáñez") == [T.WELCOME, T.ASK_BIRTH]
    out = r.say(dont_know)
    [case] = r.cases()
    assert out == [T.render(T.ESCALATED, reference=case.reference), T.OFFER_SUBSCRIPTION]
    assert case.reason == "no_proof" and r.disclosures() == []


def test_no_se_for_a_name_on_no_record_gets_the_same_words(mem_relative) -> None:
    r = mem_relative()
    assert r.say("Busco a Wenceslao Ixtabay Quiñónez") == [T.WELCOME, T.ASK_BIRTH]
    out = r.say("no sé")
    [case] = r.cases()
    assert out == [T.render(T.ESCALATED, reference=case.reference), T.OFFER_SUBSCRIPTION]
    assert case.reason == "no_match"


@pytest.mark.parametrize("correction", ["me equivoqué, el nombre es Otto Rolando", "disculpe, se llama Otto Rolando"])
def test_a_correction_with_two_given_names_keeps_the_surnames(mem_relative, correction: str) -> None:
    r = mem_relative()
    r.say("Busco a Mario Roberto Chávez Tun")
    out = r.say(correction)
    assert out[-1] == T.ASK_BIRTH
    # DEMO-020 Otto Rolando Chávez Tun: found now by his full name (unconfirmed: a case about him).
    assert r.say(f"guatemalteco de {age('DEMO-020')} años") == [T.ASK_BIRTH_FULL]
    r.say("no sé")
    [case] = r.cases()
    assert case.reason == "unconfirmed"


def test_a_greeting_is_answered_and_distress_acknowledged_before_the_question(mem_relative) -> None:
    r = mem_relative()
    out = r.say("Buenas noches, estoy desesperada, busco a mi hijo Jesús Velázquez Yáñez")
    assert out == [T.WELCOME, f"{T.ACK_DISTRESS} {T.ASK_BIRTH}"]  # the welcome answers the greeting
    assert r.say("Hola, estamos muy preocupados") == [f"{T.GREETING_REPLY} {T.ACK_DISTRESS} {T.ASK_BIRTH}"]


def test_blessings_are_never_searched_as_names(mem_relative) -> None:
    r = mem_relative()
    r.say("Jesús Velázquez Yáñez 25/12/1994")
    r.say("no")
    for blessing in ("Dios les pague", "Dios los bendiga", "se lo suplico"):
        out = r.say(blessing)
        assert T.ASK_BIRTH not in out, blessing
    assert r.cases() == []


def test_a_death_among_two_persons_asks_the_number_after_the_other_person(mem_relative) -> None:
    r = mem_relative()  # the local chat: no number to call
    out = r.say("Busco a Francisco Javier del Valle Orellana nacido el 12/06/1985 y a Jesús Velázquez Yáñez "
                "nacido el 25/12/1994")
    [case] = r.cases()
    assert out[2:] == [T.render(T.TEAM_WILL_CALL, reference=case.reference),
                       T.render(T.NEXT_PERSON, name="Jesús Velázquez Yáñez"),
                       disclosed("DEMO-007"), T.OFFER_SUBSCRIPTION]
    assert r.say("no") == [T.NOT_SUBSCRIBED, T.ASK_PHONE]
    assert r.say("+502 5412 3456") == [T.PHONE_NOTED]
