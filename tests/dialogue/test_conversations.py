"""Whole conversations against the fictional demo roster. ``mem_relative``: the engine over in-memory
ports (what the dialogue says, no database); ``relative``: the end-to-end set through the real
service and database, on SQLite and PostgreSQL (disclosure, refusal, disambiguation, hand-over,
subscription, opt-out, and what only the database shows: audit rows, case rows, isolation).

Rows used (docs/roster.md): DEMO-001 José Luis Hernández García (GT, 1996-05-03, hospitalised);
DEMO-002 José Luis Hernández López (GT, 1991-08-17, unconfirmed); DEMO-003/004 Juan Carlos Pérez
Ramírez (HN, 1990-05-03 hospitalised / 1998-11-14 safe); DEMO-005 Antonio Moreno Sánchez (SV,
1987-02-21, hospitalised); DEMO-006 Antonio Sánchez Moreno (SV, 1993-09-09, unconfirmed); DEMO-007
Jesús Velázquez Yáñez (GT, 1994-12-25, hospitalised); DEMO-009 Francisco Javier del Valle Orellana
(HN, 1985-06-12, deceased); DEMO-012 José Guadalupe Martínez Ixcoy (GT, about 34, hospitalised);
DEMO-013 Mario Alberto Cifuentes Barrios (restricted).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot import texts_es as T
from bot.policy import age_on
from bot.sms import is_gsm7
from db.models import Conversation, Subscription


def _today() -> date:
    from datetime import datetime

    return datetime.now(ZoneInfo("America/Ciudad_Juarez")).date()


STATUS_WORDS = ("fallec", "muert", "murió", "sin vida", "lament", "defunc", "forense")


def _no_death_hint(text: str) -> None:
    low = text.lower()
    assert not any(w in low for w in STATUS_WORDS), text


def test_first_message_gets_the_welcome_and_one_question(mem_relative) -> None:
    r = mem_relative()
    replies = r.say("hola")
    assert replies == [T.WELCOME, T.ASK_NAME]  # the welcome answers the greeting
    assert r.say("buenas tardes") == [f"{T.GREETING_REPLY} {T.ASK_NAME}"]


def test_full_details_in_one_message_disclose_the_hospital(relative) -> None:
    r = relative()
    out = r.said("Busco a mi hermano Jose Luis Hernandez Garcia, guatemalteco, nacio el 3 de mayo del 96")
    assert "José Luis Hernández García: con vida, recibe atención médica" in out
    assert "Hospital General de Ciudad Juárez" in out
    assert T.OFFER_SUBSCRIPTION in out
    [event] = r.disclosures()
    assert "con vida" in event.details["text"]


def test_surnames_first_in_capitals_over_several_messages(mem_relative) -> None:
    r = mem_relative()
    assert T.ASK_NAME in r.said("buenas")
    assert T.ASK_BIRTH in r.said("HERNANDEZ GARCIA JOSE LUIS")
    assert "con vida" in r.said("03/05/1996")


def test_day_and_month_swapped_birth_date_is_accepted(mem_relative) -> None:
    r = mem_relative()
    r.say("José Luis Hernández García")
    assert "con vida" in r.said("5/3/1996")


def test_age_with_nationality_proves_only_for_a_record_without_birth_date(mem_relative) -> None:
    # DEMO-012 has only an age (34 on the list): age ±1 with the nationality is the proof.
    r = mem_relative()
    r.say("José Guadalupe Martínez Ixcoy")
    out = r.said("tiene 34 años")
    assert T.ASK_NATIONALITY in out
    assert "José Guadalupe Martínez Ixcoy: con vida" in r.said("es chapín")


def test_age_with_nationality_asks_for_the_birth_date_where_the_record_has_one(mem_relative) -> None:
    r = mem_relative()
    r.say("Jesús Velázquez Yáñez")
    r.say(f"tiene {age_on(date(1994, 12, 25), _today())} años")
    assert r.say("es chapín") == [T.ASK_BIRTH_FULL]
    assert "con vida" in r.said("25 de diciembre de 1994")


def test_nickname_finds_the_person(mem_relative) -> None:
    r = mem_relative()
    assert "Jesús Velázquez Yáñez: con vida" in r.said("Chuy Velazquez Yanez, nacio el 25 de diciembre de 1994")


def test_homonyms_are_told_apart_by_the_birth_date(relative) -> None:
    r = relative()
    r.say("Juan Carlos Pérez Ramírez")
    assert "Juan Carlos Pérez Ramírez: a salvo" in r.said("14 de noviembre de 1998")
    r2 = relative()
    r2.say("Juan Carlos Perez Ramirez")
    assert "con vida, recibe atención médica" in r2.said("3 de mayo de 1990")


def test_homonyms_with_an_age_get_the_same_birth_date_question_as_anyone(mem_relative) -> None:
    r = mem_relative()
    r.say("Juan Carlos Pérez Ramírez")
    assert r.say(f"es hondureño, tiene {age_on(date(1998, 11, 14), _today())} años") == [T.ASK_BIRTH_FULL]
    out = r.said("14/11/1998")
    assert "a salvo" in out and "con vida" not in out


def test_one_surname_shared_by_two_records_is_resolved_by_age_and_nationality(mem_relative) -> None:
    r = mem_relative()
    r.say("José Luis Hernández")  # DEMO-001 and DEMO-002 both fit the name
    assert r.say(f"guatemalteco de {age_on(date(1996, 5, 3), _today())} años") == [T.ASK_BIRTH_FULL]
    assert "José Luis Hernández García: con vida" in r.said("3 de mayo de 1996")


def test_an_age_that_fits_no_homonym_discloses_nothing(mem_relative) -> None:
    r = mem_relative()
    r.say("Juan Carlos Pérez Ramírez")
    assert r.say("hondureño, 60 años") == [T.ASK_BIRTH_FULL]
    out = r.said("no sé")
    assert "con vida" not in out and "a salvo" not in out
    assert r.cases()[-1].reason == "conflicting_details"


def test_swapped_surnames_are_a_different_person(mem_relative) -> None:
    r = mem_relative()
    out = r.said("Antonio Sanchez Moreno, salvadoreño, 21 de febrero de 1987")  # the birth date of Moreno Sánchez
    assert "con vida" not in out
    assert r.cases()[-1].reason == "conflicting_details"


def test_one_surname_only_still_finds_a_unique_person(mem_relative) -> None:
    r = mem_relative()
    out = r.said("Jesus Velazquez, nacido el 25/12/1994")
    assert "Jesús Velázquez Yáñez: con vida" in out


def test_unknown_person_opens_a_case_with_the_same_words_as_unconfirmed(relative) -> None:
    unknown, unconfirmed = relative(), relative()
    a = unknown.said("Busco a Pedro Inventado Ninguno, guatemalteco, nacio el 1 de enero de 1990")
    b = unconfirmed.said("José Luis Hernández López, guatemalteco, 17/08/1991")
    ref_a, ref_b = unknown.cases()[-1].reference, unconfirmed.cases()[-1].reference
    assert a.replace(ref_a, "X") == b.replace(ref_b, "X")
    assert "verificada" in a
    assert [c.reason for c in unknown.cases()] == ["no_match"]
    assert [c.reason for c in unconfirmed.cases()] == ["unconfirmed"]


def test_deceased_opens_an_urgent_case_and_never_hints(relative) -> None:
    r = relative()
    out = r.said("Francisco Javier del Valle Orellana, nació el 12 de junio de 1985")
    _no_death_hint(out)
    [case] = r.cases()
    assert case.priority == "urgent" and case.reason == "death_notification"
    assert case.reference in out
    assert T.OFFER_SUBSCRIPTION not in out
    assert r.disclosures() == []


def test_restricted_record_is_never_disclosed(mem_relative) -> None:
    r = mem_relative()
    out = r.said("Mario Alberto Cifuentes Barrios, guatemalteco, 7 de marzo de 1995")
    assert "Hospital" not in out
    assert r.cases()[-1].reason == "restricted"


def test_asking_for_a_human_opens_a_case_at_any_time(relative) -> None:
    r = relative()
    r.say("hola")
    out = r.said("quiero hablar con una persona")
    [case] = r.cases()
    assert case.reason == "asked_for_person" and case.reference in out


def test_case_status_only_for_the_relatives_own_case(relative) -> None:
    r, other = relative(), relative()
    r.say("HUMANO")
    ref = r.cases()[-1].reference
    assert ref in r.said(f"CASO {ref}") and "abierto" in r.said(f"caso {ref.lower()}")
    assert T.render(T.CASE_NOT_FOUND, reference=ref) in other.said(f"CASO {ref}")


def test_subscription_yes_is_stored(relative, demo) -> None:
    r = relative()
    r.say("José Luis Hernández García 03/05/1996")
    assert T.SUBSCRIBED in r.said("sí")
    with demo() as s:
        [sub] = s.query(Subscription).all()
        assert sub.person_id is not None and sub.active


def test_stop_is_honoured_at_once(relative, demo) -> None:
    r = relative()
    r.say("hola")
    assert r.say("BAJA") == [T.OPTED_OUT]
    with demo() as s:
        assert s.query(Conversation).filter_by(address=r.address).one().opted_out


def test_voice_note_gets_the_text_only_reply(mem_relative) -> None:
    r = mem_relative()
    assert T.MEDIA_UNREADABLE in r.say(None, media_kind="voice")


def test_two_failed_answers_offer_a_human(mem_relative) -> None:
    r = mem_relative()
    r.say("José Luis Hernández García")
    r.say("asdf")
    out = r.said("qwerty")
    assert T.OFFER_HUMAN_AFTER_FAILURES in out


def test_correction_of_the_given_name(mem_relative) -> None:
    r = mem_relative()
    r.say("Jose Velazquez Yanez")
    out = r.said("no, es Jesús, no José")
    assert T.ASK_BIRTH in out or T.CORRECTION_NOTED in out
    assert "Jesús Velázquez Yáñez: con vida" in r.said("25/12/1994")


def test_lookup_limit_stops_disclosures_after_five_persons(mem_relative) -> None:
    r = mem_relative(lookup_limit_persons=1)
    assert "con vida" in r.said("José Luis Hernández García 03/05/1996")
    r.say("OTRA")
    out = r.said("Jesús Velázquez Yáñez, guatemalteco, 25/12/1994")
    assert "con vida" not in out
    assert r.cases()[-1].reason == "abuse_limit"


def test_sms_replies_are_folded_to_gsm7(relative) -> None:
    r = relative(channel="sms", address="+50255550101")
    out = r.said("José Luis Hernández García 03/05/1996")
    assert "José Luis Hernandez Garcia: con vida, recibe atencion médica" in out
    assert all(is_gsm7(reply) for reply in r.transcript[-1][1])


def test_two_unknown_persons_in_one_conversation_get_two_cases_and_a_repeat_does_not(relative) -> None:
    r = relative()
    r.say("Busco a Pedro Inventado Ninguno, hondureño, nacio el 1 de enero de 1990")
    r.say("OTRA")
    r.say("Pablo Ficticio Nadie, hondureño, 2 de febrero de 1991")
    r.say("OTRA")
    r.say("Pedro Inventado Ninguno, hondureño, 1 de enero de 1990")
    cases = r.cases()
    assert [c.reason for c in cases] == ["no_match", "no_match"]
    assert all(c.inquiry_id is not None for c in cases)


def test_thanks_after_an_answer_does_not_disclose_again(mem_relative) -> None:
    r = mem_relative()
    r.say("José Luis Hernández García 03/05/1996")
    r.say("no")
    assert r.say("muchas gracias") == [T.AFTER_ANSWER]
    assert len(r.disclosures()) == 1


def test_guessing_birth_dates_after_a_contradiction_never_discloses(mem_relative) -> None:
    r = mem_relative()
    r.say("José Luis Hernández García, guatemalteco, 1 de enero de 1990")  # contradicts the record
    assert r.cases()[-1].reason == "conflicting_details"
    r.say("OTRA")
    out = r.said("José Luis Hernández García, guatemalteco, 3 de mayo de 1996")  # now the right date
    assert "con vida" not in out and r.disclosures() == []
    assert [c.reason for c in r.cases()] == ["conflicting_details"]  # the same case, for a person


def test_linking_a_case_judges_the_details_given_for_that_case_not_later_ones(relative, demo, settings) -> None:
    from bot.cases.linking import link_case
    from db.models import Case, Person
    from db.session import session_scope

    r = relative()
    r.say("Busco a Pedro Inventado Ninguno, guatemalteco, nacio el 1 de enero de 1990")  # unknown: a no-match case
    [case] = r.cases()
    r.say("OTRA")
    r.say("Jesús Velázquez Yáñez, 25/12/1994")  # another person, disclosed
    with session_scope(demo) as s:
        jesus = s.query(Person).filter_by(external_id="DEMO-007").one()
        result = link_case(s, s.get(Case, case.id), jesus, settings, actor="user:prueba")
    # The case's own details (born 1990) contradict DEMO-007: nothing is sent.
    assert not result.disclosed
    assert len(r.disclosures()) == 1
