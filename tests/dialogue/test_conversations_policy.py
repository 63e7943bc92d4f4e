"""Every branch of the disclosure policy (SPEC 5) in whole conversations against the FICTIONAL demo
roster (docs/roster.md), against in-memory ports (``mem_relative``); the end-to-end ones (audit rows,
subscriptions stored, rows added to the roster) through the real service and database. Expected texts come from the roster
file and the catalogue (tests/dialogue/support.py), never from the engine."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import texts_es as T
from bot.roster.importer import import_roster
from bot.sms import to_gsm7
from db.models import Subscription
from tests.dialogue.conftest import person_id
from tests.dialogue.support import age, disclosed, escalated, no_death_hint, team_will_call

# --- homonyms --------------------------------------------------------------------------------------


def test_homonym_pair_one_surname_and_the_birth_date_of_the_verified_one(relative) -> None:
    # DEMO-001 and DEMO-002 share "José Luis Hernández"; the birth date singles out DEMO-001.
    r = relative()
    assert r.say("Busco a José Luis Hernández") == [T.WELCOME, T.ASK_BIRTH]
    assert r.say("3 de mayo de 1996") == [disclosed("DEMO-001"), T.OFFER_SUBSCRIPTION]
    [event] = r.disclosures()
    assert event.details["text"] == disclosed("DEMO-001")
    assert event.subject_id == str(person_id(r.factory, "DEMO-001"))
    assert r.cases() == []


def test_homonym_pair_birth_date_of_the_unconfirmed_one_opens_an_unconfirmed_case(mem_relative) -> None:
    r = mem_relative()
    r.say("jose luis hernandez")
    assert r.say("17/08/1991") == [T.ASK_NATIONALITY]  # the same questions as for any name
    out = r.say("guatemalteco")
    [case] = r.cases()
    assert out == escalated(case.reference)
    assert (case.reason, case.priority, case.person_id) == ("unconfirmed", "normal", r.person_id("DEMO-002"))
    assert r.disclosures() == []


def test_homonym_pair_nationality_shared_age_fits_only_one(mem_relative) -> None:
    r = mem_relative()
    r.say("José Luis Hernández")
    assert r.say("guatemalteco") == [T.ASK_BIRTH]  # still no birth date or age
    # An age with the nationality proves nothing where the records have birth dates.
    assert r.say(f"tiene {age('DEMO-001')} años") == [T.ASK_BIRTH_FULL]
    assert r.say("3 de mayo de 1996") == [disclosed("DEMO-001"), T.OFFER_SUBSCRIPTION]


def test_homonym_pair_age_between_them_fits_neither(mem_relative) -> None:
    between = (age("DEMO-001") + age("DEMO-002")) // 2
    assert abs(between - age("DEMO-001")) > 1 and abs(between - age("DEMO-002")) > 1
    r = mem_relative()
    # The same question as for any name: nothing tells the mem_relative the name is listed.
    assert r.say(f"José Luis Hernández, guatemalteco, {between} años") == [T.WELCOME, T.ASK_BIRTH_FULL]
    assert r.cases() == []
    out = r.say("no sé")
    [case] = r.cases()
    assert out == escalated(case.reference)
    # Within 2 years of one of them (a record with a birth date): no conflict there, but no proof.
    # Namesakes: only a birth date tells them apart (an age that rules one out is what a list shows).
    assert case.reason == "ambiguous" and r.disclosures() == []


def test_same_full_name_told_apart_by_birth_date_safe_one(mem_relative) -> None:
    r = mem_relative()
    r.say("Juan Carlos Pérez Ramírez")
    assert r.say("14 de noviembre de 1998") == [disclosed("DEMO-004"), T.OFFER_SUBSCRIPTION]


def test_same_full_name_told_apart_by_birth_date_hospitalised_one_day_first_short_year(mem_relative) -> None:
    r = mem_relative()
    assert r.say("JUAN CARLOS PEREZ RAMIREZ 3-5-90") == [T.WELCOME, disclosed("DEMO-003"), T.OFFER_SUBSCRIPTION]


def test_same_full_name_with_a_birth_date_of_neither_is_conflicting(mem_relative) -> None:
    r = mem_relative()
    out = r.say("Juan Carlos Pérez Ramírez, hondureño, nació el 3 de mayo de 1991")
    [case] = r.cases()
    assert out == [T.WELCOME, *escalated(case.reference)]
    assert case.reason == "conflicting_details" and case.person_id is None


def test_same_full_name_age_and_nationality_fit_one(mem_relative) -> None:
    r = mem_relative()
    r.say("Juan Carlos Perez Ramirez")
    assert r.say(f"catracho de {age('DEMO-003')} años") == [T.ASK_BIRTH_FULL]
    assert r.say("3 de mayo de 1990") == [disclosed("DEMO-003"), T.OFFER_SUBSCRIPTION]


def test_several_records_fit_asks_for_the_birth_date(relative, demo) -> None:
    # A third, FICTIONAL Juan Carlos Pérez Ramírez one year older than DEMO-004: an age and the
    # nationality then fit two records, and only the full birth date can tell them apart.
    born = f"{1997}-11-20"
    extra = (
        "id,nombres,apellidos,nacionalidad,fecha_nacimiento,edad,estado,ubicacion,fuente,verificado_en\n"
        f"DEMO-901,Juan Carlos,Pérez Ramírez,HN,{born},,a salvo,Albergue (FICTICIO),"
        "Albergue (FICTICIO) lista 28/03,2023-03-28T12:00:00-06:00\n"
    )
    from bot.roster.demo import DEMO_INCIDENT_NAME

    assert import_roster(demo, extra.encode(), incident_name=DEMO_INCIDENT_NAME).ok
    r = relative()
    r.say("Juan Carlos Pérez Ramírez")
    fits_both = age("DEMO-004")  # the extra row is 28 or 29: within one year of DEMO-004
    assert r.say(f"hondureño, {fits_both} años") == [T.ASK_BIRTH_FULL]
    assert r.cases() == [] and r.disclosures() == []
    assert r.say("14/11/1998") == [disclosed("DEMO-004"), T.OFFER_SUBSCRIPTION]


def test_birth_date_question_unreadable_twice_offers_a_human_and_no_se_opens_a_case(relative, demo) -> None:
    from bot.roster.demo import DEMO_INCIDENT_NAME

    extra = (
        "id,nombres,apellidos,nacionalidad,fecha_nacimiento,estado,ubicacion,fuente,verificado_en\n"
        "DEMO-902,Juan Carlos,Pérez Ramírez,HN,1997-11-20,a salvo,Albergue (FICTICIO),"
        "Albergue (FICTICIO) lista 28/03,2023-03-28T12:00:00-06:00\n"
    )
    assert import_roster(demo, extra.encode(), incident_name=DEMO_INCIDENT_NAME).ok
    r = relative()
    r.say("Juan Carlos Pérez Ramírez")
    assert r.say(f"hondureño de {age('DEMO-004')} años") == [T.ASK_BIRTH_FULL]
    assert r.say("xyz") == [T.ASK_BIRTH_AGAIN]
    assert r.say("qwerty") == [T.OFFER_HUMAN_AFTER_FAILURES]
    assert r.disclosures() == []
    # "No sé" is an honest answer: a person takes over, never the same question a third time.
    other = relative()
    other.say("Juan Carlos Pérez Ramírez")
    assert other.say(f"hondureño de {age('DEMO-004')} años") == [T.ASK_BIRTH_FULL]
    out = other.say("no la sé")
    [case] = other.cases()
    assert out == escalated(case.reference) and case.reason == "ambiguous"
    assert other.disclosures() == []


# --- name order, one surname -----------------------------------------------------------------------


def test_swapped_surnames_are_another_person_even_with_the_other_ones_birth_date(mem_relative) -> None:
    r = mem_relative()
    out = r.say("Antonio Sánchez Moreno, salvadoreño, 21/02/1987")  # DEMO-005 Moreno Sánchez's birth date
    [case] = r.cases()
    assert out == [T.WELCOME, *escalated(case.reference)]
    assert case.reason == "conflicting_details" and case.person_id == r.person_id("DEMO-006")


def test_swapped_surnames_own_birth_date_gives_the_unconfirmed_case(mem_relative) -> None:
    r = mem_relative()
    r.say("ANTONIO SANCHEZ MORENO")
    assert r.say("9 de septiembre de 1993") == [T.ASK_NATIONALITY]
    out = r.say("salvadoreño")
    [case] = r.cases()
    assert out == escalated(case.reference)
    assert case.reason == "unconfirmed" and case.person_id == r.person_id("DEMO-006")


def test_surnames_in_the_recorded_order_disclose(mem_relative) -> None:
    r = mem_relative()
    assert r.say("Moreno Sánchez Antonio, salvadoreño, 21/02/1987") == [
        T.WELCOME, disclosed("DEMO-005"), T.OFFER_SUBSCRIPTION]


def test_one_surname_shared_by_the_swapped_pair_is_singled_out_by_birth_date(mem_relative) -> None:
    r = mem_relative()
    r.say("Antonio Moreno")
    assert r.say("21-02-1987") == [disclosed("DEMO-005"), T.OFFER_SUBSCRIPTION]


def test_one_surname_only_second_surname(mem_relative) -> None:
    r = mem_relative()
    assert r.say("Busco a Selvin Omar Batz, 05/06/1993") == [T.WELCOME, disclosed("DEMO-017"), T.OFFER_SUBSCRIPTION]


def test_given_name_only_is_no_match(mem_relative) -> None:
    r = mem_relative()
    r.say("Jesús")
    assert r.say("25/12/1994") == [T.ASK_NATIONALITY]
    out = r.say("guatemalteco")
    [case] = r.cases()
    assert out == escalated(case.reference) and case.reason == "no_match"
    assert r.disclosures() == []


def test_mario_is_not_maria(mem_relative) -> None:
    r = mem_relative()
    out = r.say("María Alberta Cifuentes Barrios, guatemalteca, 07/03/1995")
    [case] = r.cases()
    assert out == [T.WELCOME, *escalated(case.reference)]
    assert case.reason == "no_match"


# --- restricted, unconfirmed, deceased -------------------------------------------------------------


def test_restricted_record_opens_a_restricted_case_with_the_common_words(mem_relative) -> None:
    r = mem_relative()
    r.say("Mario Alberto Cifuentes Barrios")
    # The same questions as for an unlisted name: a restricted record is not told apart by them.
    assert r.say("7 de marzo de 1995") == [T.ASK_NATIONALITY]
    out = r.say("guatemalteco")
    [case] = r.cases()
    assert out == escalated(case.reference)
    assert (case.reason, case.priority) == ("restricted", "normal")
    assert not any("Ángeles" in x for x in out)
    assert r.disclosures() == []


def test_restricted_record_subscription_follows_the_case_not_the_person(relative, demo) -> None:
    r = relative()
    r.say("Mario Alberto Cifuentes Barrios, guatemalteco, 07/03/1995")
    assert r.say("si") == [T.SUBSCRIBED, T.ANYTHING_ELSE]
    [case] = r.cases()
    with demo() as s:
        [sub] = s.scalars(select(Subscription)).all()
        assert sub.person_id is None and sub.case_id == case.id


def test_unconfirmed_by_age_and_nationality(mem_relative) -> None:
    r = mem_relative()
    r.say("Raúl Maquín Ical")
    assert r.say(f"{age('DEMO-032')}") == [T.ASK_NATIONALITY]
    assert r.say("es de guatemala") == [T.ASK_BIRTH_FULL]
    out = r.say("no sé")
    [case] = r.cases()
    assert out == escalated(case.reference)
    assert case.reason == "unconfirmed" and case.person_id == r.person_id("DEMO-032")


def test_unconfirmed_subscription_follows_the_person(mem_relative) -> None:
    r = mem_relative()
    r.say("Byron Alexander Caal Xol 23/10/1997")
    r.say("guatemalteco")
    assert r.say("Sí, por favor") == [T.SUBSCRIBED, T.ANYTHING_ELSE]
    expected = r.person_id("DEMO-016")
    [(sub_person, _case)] = r.ports.subscriptions
    assert sub_person == expected


def test_unconfirmed_and_unknown_get_the_same_words(mem_relative) -> None:
    a, b = mem_relative(), mem_relative()
    out_a = a.say("Héctor Manuel Tiul Yat, guatemalteco, 12/12/1995")
    out_b = b.say("Héctor Manuel Tiul Yac, guatemalteco, 12/12/1990")  # nobody on the list
    ref_a, ref_b = a.cases()[-1].reference, b.cases()[-1].reference
    assert [x.replace(ref_a, "REF") for x in out_a] == [x.replace(ref_b, "REF") for x in out_b]
    assert [c.reason for c in a.cases()] == ["unconfirmed"]
    assert [c.reason for c in b.cases()] == ["no_match"]


def test_deceased_by_birth_date_urgent_case_and_nothing_else(mem_relative) -> None:
    r = mem_relative()
    out = r.say("Marvin Estuardo Tzul Choc, nacido el 19 de julio de 2001")
    [case] = r.cases()
    assert out == [T.WELCOME, *team_will_call(case.reference)]
    assert (case.reason, case.priority) == ("death_notification", "urgent")
    assert case.person_id == r.person_id("DEMO-014")
    no_death_hint(out)
    assert r.disclosures() == []


def test_deceased_by_age_and_colloquial_nationality_needs_the_birth_date(mem_relative) -> None:
    r = mem_relative()
    r.say("Yoni Alexander Mejía Zelaya")
    r.say(f"tiene {age('DEMO-038')} años")
    # A published age and nationality prove nothing: the same question as for any name.
    assert r.say("es catracho") == [T.ASK_BIRTH_FULL]
    assert r.cases() == []
    out = r.say("2 de diciembre de 2000")
    [case] = r.cases()
    assert out == team_will_call(case.reference)
    assert (case.reason, case.priority) == ("death_notification", "urgent")
    no_death_hint(out)


def test_deceased_via_nickname_and_particle(mem_relative) -> None:
    r = mem_relative()
    out = r.say("paco del valle orellana 12/06/85")
    [case] = r.cases()
    assert out == [T.WELCOME, *team_will_call(case.reference)]
    assert case.priority == "urgent"


def test_deceased_after_asking_for_a_human_gets_its_own_urgent_case(mem_relative) -> None:
    r = mem_relative()
    r.say("HUMANO")
    out = r.say("Wilfredo Guardado Portillo 11/11/1984")
    cases = r.cases()
    assert [(c.reason, c.priority) for c in cases] == [("asked_for_person", "normal"), ("death_notification", "urgent")]
    assert out == team_will_call(cases[-1].reference)


def test_deceased_asked_again_gives_the_same_words_and_the_same_case(mem_relative) -> None:
    r = mem_relative(channel="sms", address="+50255501991")  # SMS: the bot has the number to call
    r.say("Jhon Fredy Restrepo Cardona 27/11/1991")
    ref = r.cases()[-1].reference
    for follow_up in ("¿está bien?", "gracias", "por favor digame algo", "¿¿¿está vivo???"):
        out = r.say(follow_up)
        assert out == [to_gsm7(t) for t in team_will_call(ref, ask_phone=False)], follow_up
        no_death_hint(out)
    assert len(r.cases()) == 1 and r.disclosures() == []


def test_deceased_with_a_contradicting_detail_is_not_a_death_notification(mem_relative) -> None:
    r = mem_relative()
    out = r.say("Elmer Ajú Sicán, hondureño, 11/02/1999")  # recorded as Guatemalan
    [case] = r.cases()
    assert out == [T.WELCOME, *escalated(case.reference)]
    assert (case.reason, case.priority) == ("conflicting_details", "normal")


# --- the lookup limit ------------------------------------------------------------------------------


def test_lookup_limit_reached_opens_an_abuse_limit_case_with_the_common_words(mem_relative) -> None:
    r = mem_relative(lookup_limit_persons=2)
    assert r.say("José Luis Hernández García 03/05/1996")[1] == disclosed("DEMO-001")
    r.say("OTRA")
    assert r.say("Jesús Velázquez Yáñez 25/12/1994")[0] == disclosed("DEMO-007")
    r.say("OTRA")
    out = r.say("Ignacio Yáñez Hernández, venezolano, 15/01/1992")
    [case] = r.cases()
    assert out == escalated(case.reference)
    assert case.reason == "abuse_limit" and case.person_id == r.person_id("DEMO-010")
    assert len(r.disclosures()) == 2


def test_lookup_limit_still_answers_about_a_person_already_looked_up(mem_relative) -> None:
    r = mem_relative(lookup_limit_persons=1)
    r.say("Jesús Velázquez Yáñez 25/12/1994")
    r.say("OTRA")
    r.say("Ignacio Yáñez Hernández, venezolano, 15/01/1992")
    assert r.cases()[-1].reason == "abuse_limit"
    r.say("OTRA")
    assert r.say("Jesus Velazquez Yanez 25/12/1994") == [disclosed("DEMO-007"), T.OFFER_SUBSCRIPTION]


def test_lookup_limit_is_per_contact(mem_relative) -> None:
    a = mem_relative(lookup_limit_persons=1)
    a.say("Jesús Velázquez Yáñez 25/12/1994")
    b = mem_relative(lookup_limit_persons=1)
    assert b.say("Ignacio Yáñez Hernández 15/01/1992") == [T.WELCOME, disclosed("DEMO-010"), T.OFFER_SUBSCRIPTION]


def test_lookup_limit_before_a_deceased_record_still_hides_the_death(mem_relative) -> None:
    r = mem_relative(lookup_limit_persons=1)
    r.say("Jesús Velázquez Yáñez 25/12/1994")
    r.say("OTRA")
    out = r.say("Wilmer Coc Tiul, guatemalteco, 30/01/2003")
    [case] = r.cases()
    assert case.reason == "abuse_limit" and out == escalated(case.reference)
    no_death_hint(out)


# --- details never carry over to another person ---------------------------------------------------


def test_details_about_one_person_never_vouch_for_the_next(mem_relative) -> None:
    # Jesús (DEMO-007) and Marco Antonio Hernández Cux (DEMO-065) are both Guatemalan and within a
    # year of each other: "guatemalteco de N años" said about Jesús must not disclose Marco Antonio.
    assert abs(age("DEMO-007") - age("DEMO-065")) <= 1
    r = mem_relative()
    r.say("Jesús Velázquez Yáñez")
    assert r.say(f"guatemalteco de {age('DEMO-007')} años") == [T.ASK_BIRTH_FULL]
    assert r.say("25/12/1994")[0] == disclosed("DEMO-007")
    r.say("no")
    assert r.say("Marco Antonio Hernández Cux") == [T.ASK_BIRTH]
    assert len(r.disclosures()) == 1
    assert r.say("18/05/1994") == [disclosed("DEMO-065"), T.OFFER_SUBSCRIPTION]


def test_details_do_not_carry_over_after_a_death_notification(mem_relative) -> None:
    r = mem_relative()
    r.say("Francisco Javier del Valle Orellana 12/06/1985")
    assert r.say("Darwin Josué Orellana Mejía") == [T.ASK_BIRTH]
    assert [c.reason for c in r.cases()] == ["death_notification"]


def test_every_outcome_is_recorded_as_an_inquiry(mem_relative) -> None:
    r = mem_relative()
    r.say("Jesús Velázquez Yáñez 25/12/1994")
    r.say("OTRA")
    r.say("Raúl Maquín Ical, guatemalteco, 41 años")
    r.say("no sé")  # the full date, asked as for any name
    outcomes = r.inquiries()
    assert outcomes[-2:] == ["disclosed", "case:unconfirmed"]


def test_deceased_on_a_channel_without_a_number_asks_for_one_once(mem_relative) -> None:
    r = mem_relative()  # the local web chat: no number to call
    out = r.say("Jhon Fredy Restrepo Cardona 27/11/1991")
    [case] = r.cases()
    assert out[1:] == team_will_call(case.reference)
    assert r.say("¿está bien?") == [T.render(T.TEAM_WILL_CALL, reference=case.reference), T.ASK_PHONE_AGAIN]
    assert r.say("mi número es +502 5412 3456") == [T.PHONE_NOTED]
    assert r.cases()[0].callback_phone == "+50254123456"
    # Asked once per case: later words get the same sentence, never the question again.
    assert r.say("gracias") == team_will_call(case.reference, ask_phone=False)
    no_death_hint(r.say("¿está vivo?"))


@pytest.mark.parametrize("answer", ["no sé", "no tengo teléfono", "no"])
def test_no_number_is_an_answer_too(mem_relative, answer: str) -> None:
    r = mem_relative()
    r.say("Jhon Fredy Restrepo Cardona 27/11/1991")
    out = r.say(answer)
    assert out in ([T.PHONE_NONE], [T.render(T.TEAM_WILL_CALL, reference=r.cases()[0].reference), T.ASK_PHONE_AGAIN])
    if out != [T.PHONE_NONE]:
        assert r.say("no puedo") == [T.PHONE_NONE]
