"""The dialogue engine errbot-style: push a message, pop the replies and the effects (bot/engine/
effects.py), against in-memory ports (tests/dialogue/memory_ports.py). No database: each test runs
in milliseconds. One test per branch of the disclosure policy and per effect; the end-to-end set on
both databases stays in tests/dialogue/test_conversations*.py. Every person here is FICTIONAL.
"""

from __future__ import annotations

from datetime import date

from bot import texts_es as T
from bot.engine import effects as fx
from bot.policy import PROVEN_OUTCOMES, UNPROVEN_REASONS, PolicyConfig, disclosure_text
from common.vocab import CaseReason
from tests.dialogue.memory_ports import TZ, Chat, MemoryPorts, person
from tests.dialogue.support import DEATH_WORDS

ANA = person(1, "Ana Lucía Pérez Gómez", born=date(1990, 4, 12))
ANA_NAMESAKE = person(2, "Ana Lucía Pérez Gómez", born=date(1985, 7, 1))
DECEASED = person(3, "Marco Tulio Ramírez Soto", born=date(1979, 2, 3), status="deceased")
RESTRICTED = person(4, "Rosa Elena Castillo Díaz", born=date(1992, 9, 30), restricted=True)
UNCONFIRMED = person(5, "Julio César Morales Cruz", born=date(1988, 11, 5), status="unconfirmed")


def chat(*roster, channel: str = "telegram", lookup_limit: int = 5) -> Chat:
    return Chat(MemoryPorts(list(roster), channel=channel), PolicyConfig(lookup_limit=lookup_limit))


def of(effects: list[fx.Effect], kind: type) -> list:
    return [e for e in effects if isinstance(e, kind)]


def no_death_word(replies: list[str]) -> None:
    for reply in replies:
        assert not any(w in reply.lower() for w in DEATH_WORDS), reply


def test_a_birth_date_that_proves_knowledge_discloses_and_records_it_as_effects() -> None:
    c = chat(ANA)
    c.send("Hola")
    turn = c.send("Busco a Ana Lucía Pérez Gómez, nació el 12/04/1990")
    text = disclosure_text(ANA, TZ, "es")
    assert text in turn.replies
    assert turn.effects == [fx.RecordDisclosure(1, text),
                            fx.RecordInquiry(turn.state["details"], 1, "disclosed")]
    assert turn.replies[-1] == T.OFFER_SUBSCRIPTION


def test_namesakes_without_a_birth_date_ask_for_it_and_change_nothing() -> None:
    c = chat(ANA, ANA_NAMESAKE)
    c.send("Hola")
    c.send("Ana Lucía Pérez Gómez")
    turn = c.send("Tiene 32 años, es de Guatemala")
    assert turn.effects == []
    assert turn.state["asking"] == "birth_full"
    # The date then tells the namesakes apart.
    turn = c.send("12 de abril de 1990")
    assert of(turn.effects, fx.RecordDisclosure) == [fx.RecordDisclosure(1, disclosure_text(ANA, TZ, "es"))]


def test_conflicting_details_fail_the_proof_and_open_a_case() -> None:
    c = chat(ANA)
    c.send("Hola")
    turn = c.send("Ana Lucía Pérez Gómez, nacida el 1 de enero de 1970, guatemalteca")
    assert of(turn.effects, fx.FailedProof) == [fx.FailedProof(1, turn.state["details"])]
    [case] = of(turn.effects, fx.OpenCase)
    assert case.reason == "conflicting_details" and case.reference in turn.replies[-2]
    assert not of(turn.effects, fx.RecordDisclosure)
    assert turn.state["conflicts"] == [1]


def test_a_death_opens_an_urgent_case_and_no_reply_hints_at_it() -> None:
    c = chat(DECEASED, channel="sms")
    c.send("Hola")
    turn = c.send("Marco Tulio Ramírez Soto, nació el 3 de febrero de 1979")
    [case] = of(turn.effects, fx.OpenCase)
    assert (case.reason, case.priority, case.person_id) == ("death_notification", "urgent", 3)
    assert turn.replies == [T.render(T.TEAM_WILL_CALL, reference=case.reference)]
    assert of(turn.effects, fx.RecordInquiry)[0].outcome == "case:death_notification"
    assert not of(turn.effects, fx.RecordDisclosure)
    no_death_word(turn.replies)


def test_a_death_on_a_channel_without_a_number_asks_for_one_and_keeps_it_as_an_effect() -> None:
    c = chat(DECEASED, channel="telegram")
    c.send("Hola")
    turn = c.send("Marco Tulio Ramírez Soto, nació el 3 de febrero de 1979")
    [case] = of(turn.effects, fx.OpenCase)
    assert turn.replies[-1] == T.ASK_PHONE
    turn = c.send("+502 5555 0123")
    assert turn.effects == [fx.SetCallbackPhone(case.reference, "+50255550123")]
    assert turn.replies == [T.PHONE_NOTED]
    assert c.ports.cases[0].callback_phone == "+50255550123"
    no_death_word(turn.replies)


def test_a_restricted_record_is_a_case_never_an_answer() -> None:
    c = chat(RESTRICTED)
    c.send("Hola")
    turn = c.send("Rosa Elena Castillo Díaz, nació el 30/09/1992, de Guatemala")
    [case] = of(turn.effects, fx.OpenCase)
    assert (case.reason, case.person_id) == ("restricted", 4)
    assert not of(turn.effects, fx.RecordDisclosure)
    assert T.render(T.ESCALATED, reference=case.reference) in turn.replies


def test_an_unconfirmed_record_is_a_case_the_relative_may_follow() -> None:
    c = chat(UNCONFIRMED)
    c.send("Hola")
    turn = c.send("Julio César Morales Cruz, nació el 5 de noviembre de 1988, de Guatemala")
    [case] = of(turn.effects, fx.OpenCase)
    assert case.reason == "unconfirmed"
    turn = c.send("Sí")
    # Knowing the person, the relative follows the record and the case.
    assert turn.effects == [fx.Subscribe(5, case.reference)]
    assert turn.replies[0] == T.SUBSCRIBED


def test_saying_yes_to_updates_after_an_answer_is_a_subscribe_effect() -> None:
    c = chat(ANA)
    c.send("Hola")
    c.send("Ana Lucía Pérez Gómez, nació el 12/04/1990")
    turn = c.send("sí")
    assert turn.effects == [fx.Subscribe(1, None)]
    assert c.ports.subscriptions == [(1, None)]


def test_baja_is_an_opt_out_effect_and_only_its_confirmation() -> None:
    c = chat(ANA)
    c.send("Hola")
    turn = c.send("BAJA")
    assert turn.effects == [fx.OptOut()]
    assert turn.replies == [T.OPTED_OUT]


def test_humano_joins_the_case_already_open_with_its_reference() -> None:
    c = chat(RESTRICTED, channel="sms")
    c.send("Hola")
    first = of(c.send("Rosa Elena Castillo Díaz, nació el 30/09/1992, de Guatemala").effects, fx.OpenCase)[0]
    turn = c.send("HUMANO")
    [joined] = of(turn.effects, fx.OpenCase)
    assert joined.reference == first.reference and joined.reason == "asked_for_person"
    assert T.render(T.HUMAN_REQUESTED, reference=first.reference) in turn.replies


def test_a_person_looked_up_earlier_in_the_turn_counts_against_the_lookup_limit() -> None:
    # After a death the next person named is taken in the same turn, before anything is stored.
    c = chat(DECEASED, ANA, channel="sms", lookup_limit=1)
    c.send("Hola")
    turn = c.send("Busco a Marco Tulio Ramírez Soto nacido el 03/02/1979 de Guatemala "
                  "y a Ana Lucía Pérez Gómez nacida el 12/04/1990 de Guatemala")
    outcomes = [e.outcome for e in of(turn.effects, fx.RecordInquiry)]
    assert outcomes == ["case:death_notification", "case:abuse_limit"]
    assert not of(turn.effects, fx.RecordDisclosure)
    no_death_word(turn.replies)


def test_two_cases_in_one_turn_get_two_references_each_in_its_reply() -> None:
    c = chat(DECEASED, channel="sms")
    c.send("Hola")
    turn = c.send("Busco a Marco Tulio Ramírez Soto nacido el 03/02/1979 de Guatemala "
                  "y a Pedro Pablo Luna Vega nacido el 01/01/1991 de Guatemala")
    references = [e.reference for e in of(turn.effects, fx.OpenCase)]
    assert len(references) == len(set(references)) == 2
    for reference in references:
        assert any(reference in reply for reply in turn.replies)


def test_the_lookup_limit_counts_only_outcomes_reached_after_a_proof() -> None:
    # One list (bot/policy.py) for the turn's own inquiries and the stored ones' query.
    assert PROVEN_OUTCOMES == {"disclosed", "case:unconfirmed", "case:restricted", "case:death_notification",
                               "case:abuse_limit"}
    assert {o.removeprefix("case:") for o in PROVEN_OUTCOMES if o != "disclosed"} <= set(CaseReason)
    assert not PROVEN_OUTCOMES & {f"case:{reason}" for reason in UNPROVEN_REASONS}
