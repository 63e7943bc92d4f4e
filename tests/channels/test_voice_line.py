"""The Spanish voice line end to end: scripted calls through the signed webhook, following each
TwiML action, against the fictional demo roster (docs/roster.md) and the fake Twilio. Both databases.

All numbers, names and places are FICTIONAL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from bot.conversations import render_for_channel
from bot.roster.demo import ensure_demo_roster
from bot.voice import texts_es as V
from bot.voice.flow import keypad_date
from common.settings import Settings
from db.models import (
    AuditEvent,
    Case,
    Conversation,
    InboundRecord,
    OutboundMessage,
    Person,
    ProofAttempt,
    Subscription,
)
from tests.channels.helpers import channel_settings, drain
from tests.channels.voice_support import VOICE_PATH, Caller, check_twiml, said
from tests.fakes import FakeTwilio

PUBLIC_URL = "https://hotline.example.org"
CALLER = "+50255598765"  # fictional


@pytest.fixture
def voice_settings(db_url: str, fake_twilio: FakeTwilio) -> Settings:
    return channel_settings(db_url, PUBLIC_URL, twilio=fake_twilio)


@pytest.fixture
def client(voice_settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    ensure_demo_roster(session_factory)
    with TestClient(create_app(voice_settings), base_url=PUBLIC_URL, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def caller(client: TestClient, fake_twilio: FakeTwilio, voice_settings: Settings) -> Caller:
    return Caller(client, fake_twilio, voice_settings, CALLER)


def person_id(factory: sessionmaker[Session], external_id: str) -> int:
    with factory() as s:
        return s.scalars(select(Person.id).where(Person.external_id == external_id)).one()


def cases(factory: sessionmaker[Session]) -> list[Case]:
    with factory() as s:
        return list(s.scalars(select(Case).order_by(Case.id)))


def disclosures(factory: sessionmaker[Session]) -> list[AuditEvent]:
    with factory() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == "disclosure")))


def opened_details(factory: sessionmaker[Session], case: Case) -> dict:
    with factory() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "case_opened",
                                                   AuditEvent.subject_id == str(case.id))).one()
        return dict(event.details["details"])


def to_the_date(c: Caller, name: str) -> None:
    """Call, say the name, confirm it: the line then asks for the birth date."""
    c.call()
    assert "nombre" in c.prompt() and c.waiting.get("language") == "es-MX"
    c.speak(name)
    assert V.render(V.CONFIRM_NAME, name=name) in c.prompt()
    c.press("1")
    assert "fecha de nacimiento" in c.prompt()
    assert c.waiting.get("numDigits") == "8"


def give_date(c: Caller, ddmmaaaa: str, spoken: str) -> None:
    c.press(ddmmaaaa)
    assert c.prompt() == V.render(V.CONFIRM_BIRTH, date=spoken)
    c.press("1")


# --- a disclosure ---------------------------------------------------------------------------------


def test_a_caller_who_knows_the_person_hears_the_verified_place_slowly_twice_and_can_hear_it_again(
    caller: Caller, session_factory: sessionmaker[Session], fake_twilio: FakeTwilio, voice_settings: Settings
) -> None:
    first = caller.call()
    assert said(first)[0] == V.WELCOME  # what the line is, and that it gives only verified information
    caller.speak("José Luis Hernández García")
    caller.press("1")
    give_date(caller, "03051996", "3 de mayo de 1996")

    [event] = disclosures(session_factory)
    text = event.details["text"]
    assert event.details["channel"] == "voice"
    assert event.subject_id == str(person_id(session_factory, "DEMO-001"))
    assert text.startswith("José Luis Hernández García: con vida, recibe atención médica.")
    # Read sentence by sentence, slowly (SSML prosody), a pause between, and twice.
    assert caller.answer is not None
    slow = ["".join(p.itertext()) for p in caller.answer.iter("prosody")]
    assert " ".join(slow[: len(slow) // 2]) == text and slow[: len(slow) // 2] == slow[len(slow) // 2:]
    assert len(list(caller.answer.iter("Pause"))) >= 2 * len(slow) // 2
    assert sum(s == "Lugar: Hospital General de Ciudad Juárez." for s in said(caller.answer)) == 2
    assert V.HEAR_AGAIN in caller.prompt()

    caller.press("1")  # hear it again
    assert sum(s == "Lugar: Hospital General de Ciudad Juárez." for s in said(caller.answer)) == 2
    assert len(disclosures(session_factory)) == 1  # the same answer, not a second disclosure

    caller.press("2")
    assert caller.prompt() == V.OFFER_SMS
    caller.press("1")
    assert said(caller.answer) == [V.SMS_YES, V.GOODBYE] and caller.hung_up

    # The caller's consent: that number's SMS conversation follows the person, and is told so.
    demo_001 = person_id(session_factory, "DEMO-001")
    with session_factory() as s:
        sms = s.scalars(select(Conversation).where(Conversation.channel == "sms",
                                                   Conversation.address == CALLER)).one()
        [sub] = s.scalars(select(Subscription).where(Subscription.conversation_id == sms.id))
        assert sub.person_id == demo_001 and sub.active
    drain(session_factory, voice_settings)
    assert fake_twilio.bodies_to(CALLER) == [render_for_channel("sms", V.SMS_CONSENT_PERSON)]
    assert cases(session_factory) == []


def test_the_call_is_a_transcript_on_the_voice_conversation_and_nothing_waits_in_the_outbox(
    caller: Caller, session_factory: sessionmaker[Session]
) -> None:
    to_the_date(caller, "José Luis Hernández García")
    caller.press("0")  # a person, please
    with session_factory() as s:
        conv = s.scalars(select(Conversation).where(Conversation.channel == "voice")).one()
        assert conv.address == CALLER
        heard = list(s.scalars(select(InboundRecord.text).where(InboundRecord.conversation_id == conv.id)
                               .order_by(InboundRecord.id)))
        assert heard == ["[llamada entrante]", "José Luis Hernández García", "Marcó 1", "Marcó 0"]
        assert set(s.scalars(select(InboundRecord.state))) == {"done"}  # no turn worker runs a chat on them
        spoken = list(s.scalars(select(OutboundMessage).where(OutboundMessage.conversation_id == conv.id)
                                .order_by(OutboundMessage.id)))
        assert [(m.kind, m.status) for m in spoken] == [("voice", "sent")] * 4
        assert spoken[0].text.startswith(V.WELCOME) and "nombre" in spoken[0].text
        assert V.HUMAN_REQUESTED in spoken[-1].text


def test_a_redelivered_step_gets_the_same_answer_and_opens_nothing_twice(
    caller: Caller, session_factory: sessionmaker[Session]
) -> None:
    to_the_date(caller, "José Luis Hernández García")
    give_date(caller, "03051996", "3 de mayo de 1996")
    answer = caller.body
    assert caller.redeliver() == answer
    assert len(disclosures(session_factory)) == 1

    other = Caller(caller.client, caller.fake, caller.settings, "+50255598766")
    other.call()
    other.press("0")
    assert other.redeliver() == other.body
    assert len(cases(session_factory)) == 1
    with session_factory() as s:
        assert s.scalar(select(InboundRecord.id).where(InboundRecord.text == "Marcó 0")) is not None
        assert len(list(s.scalars(select(InboundRecord).where(InboundRecord.text == "Marcó 0")))) == 1


# --- namesakes, a wrong date, the nationality -----------------------------------------------------


def test_namesakes_a_birth_date_that_fits_one_identifies_it(
    caller: Caller, session_factory: sessionmaker[Session]
) -> None:
    to_the_date(caller, "Juan Carlos Pérez Ramírez")
    give_date(caller, "14111998", "14 de noviembre de 1998")
    [event] = disclosures(session_factory)
    assert event.subject_id == str(person_id(session_factory, "DEMO-004"))
    assert any("Estación migratoria provisional" in s for s in said(caller.answer))  # type: ignore[arg-type]
    assert not any("IMSS" in s for s in caller.heard)  # nothing of the other namesake


def test_namesakes_without_a_birth_date_get_the_uniform_case_words(
    caller: Caller, session_factory: sessionmaker[Session]
) -> None:
    to_the_date(caller, "Juan Carlos Pérez Ramírez")
    caller.press("9")  # "no la sé"
    assert caller.prompt() == V.ASK_NATIONALITY
    caller.press("2")  # Honduras: both namesakes are
    assert said(caller.answer)[0] == V.ESCALATED
    [case] = cases(session_factory)
    assert case.reason == "ambiguous" and case.channel == "voice" and case.next_followup_at is None
    assert V.render(V.CASE_REFERENCE, spelled=V.spell(case.reference)) in said(caller.answer)  # type: ignore[arg-type]
    assert disclosures(session_factory) == []


def test_a_wrong_birth_date_is_a_failed_proof_and_the_same_case_words(
    caller: Caller, session_factory: sessionmaker[Session]
) -> None:
    to_the_date(caller, "José Luis Hernández García")
    give_date(caller, "04061990", "4 de junio de 1990")
    assert caller.prompt() == V.ASK_NATIONALITY  # asked short of any disclosure, whatever the roster holds
    caller.press("1")
    assert said(caller.answer)[0] == V.ESCALATED and caller.prompt() == V.OFFER_SMS
    assert not any("Hospital" in s for s in caller.heard)
    [case] = cases(session_factory)
    assert case.reason == "conflicting_details"
    demo_001 = person_id(session_factory, "DEMO-001")
    with session_factory() as s:
        [attempt] = s.scalars(select(ProofAttempt))
        assert attempt.person_id == demo_001 and attempt.channel == "voice"
        assert attempt.stated["birth_date"] == "1990-06-04"
    assert disclosures(session_factory) == []

    # The same number calls again with the right date: what it contradicted stays for a person.
    again = Caller(caller.client, caller.fake, caller.settings, CALLER)
    to_the_date(again, "José Luis Hernández García")
    give_date(again, "03051996", "3 de mayo de 1996")
    again.press("1")
    assert said(again.answer)[0] == V.ESCALATED and disclosures(session_factory) == []


def test_a_name_on_no_record_is_asked_the_same_questions_then_gets_the_case_words(
    caller: Caller, session_factory: sessionmaker[Session]
) -> None:
    to_the_date(caller, "Anacleto Zuñiga Tepaz")
    give_date(caller, "01021990", "1 de febrero de 1990")
    assert caller.prompt() == V.ASK_NATIONALITY
    caller.press("8")
    assert said(caller.answer)[0] == V.ESCALATED
    [case] = cases(session_factory)
    assert case.reason == "no_match"
    assert opened_details(session_factory, case) == {"name": "Anacleto Zuñiga Tepaz", "birth_date": "1990-02-01"}


def test_a_record_without_a_birth_date_is_proven_by_the_age_and_the_nationality_menu(
    caller: Caller, session_factory: sessionmaker[Session]
) -> None:
    # DEMO-012 has an age (34 on the list) and no birth date: a birth date counts as that age.
    with session_factory() as s:
        person = s.get(Person, person_id(session_factory, "DEMO-012"))
        assert person is not None and person.birth_date is None and person.approx_age is not None
        listed = person.approx_age
    today = date.today()
    born = f"0101{today.year - listed - 1}"
    to_the_date(caller, "José Guadalupe Martínez Ixcoy")
    caller.press(born)
    caller.press("1")
    assert caller.prompt() == V.ASK_NATIONALITY
    caller.press("1")  # Guatemala
    [event] = disclosures(session_factory)
    assert event.subject_id == str(person_id(session_factory, "DEMO-012"))


# --- a death: the urgent case, and not one word of it ---------------------------------------------


def test_a_deceased_person_opens_the_urgent_case_and_the_call_says_only_that_the_team_will_call(
    caller: Caller, session_factory: sessionmaker[Session]
) -> None:
    to_the_date(caller, "Francisco Javier del Valle Orellana")
    give_date(caller, "12061985", "12 de junio de 1985")
    assert caller.prompt() == V.ASK_NATIONALITY  # as for any answer short of a disclosure
    caller.press("2")
    [case] = cases(session_factory)
    assert (case.reason, case.priority) == ("death_notification", "urgent")
    assert case.person_id == person_id(session_factory, "DEMO-009")
    assert said(caller.answer) == [V.TEAM_WILL_CALL, V.render(V.CASE_REFERENCE, spelled=V.spell(case.reference)),
                                   V.GOODBYE]
    assert caller.hung_up
    assert caller.spoke_of_death() == []
    assert not any("por este medio" in s for s in caller.heard)
    assert disclosures(session_factory) == []
    with session_factory() as s:
        conv = s.get(Conversation, case.conversation_id)
        assert conv is not None and (conv.channel, conv.address) == ("voice", CALLER)  # the number to call


def test_no_death_word_in_any_sentence_the_voice_line_can_say() -> None:
    from tests.channels.voice_support import DEATH_WORDS

    sentences = [v for k, v in vars(V).items() if k.isupper() and isinstance(v, str)]
    assert sentences
    assert [s for s in sentences if any(w in s.lower() for w in DEATH_WORDS)] == []


# --- silence, 0, a name not understood ------------------------------------------------------------


def test_silence_twice_at_the_name_opens_a_case_and_says_goodbye(
    caller: Caller, session_factory: sessionmaker[Session]
) -> None:
    caller.call()
    caller.silence()
    assert caller.prompt() == V.ASK_NAME_AGAIN
    caller.silence_through_redirect()  # the <Redirect> after the <Gather>: the same step, silence
    [case] = cases(session_factory)
    assert case.reason == "other" and opened_details(session_factory, case) == {"voice": "sin respuesta"}
    assert said(caller.answer)[0] == V.NO_ANSWER and caller.hung_up


def test_silence_twice_at_the_date_opens_a_case(caller: Caller, session_factory: sessionmaker[Session]) -> None:
    to_the_date(caller, "José Luis Hernández García")
    caller.silence()
    assert caller.prompt() == V.ASK_BIRTH_AGAIN
    caller.press("123")  # not a date either
    [case] = cases(session_factory)
    assert case.reason == "other" and opened_details(session_factory, case)["name"] == "José Luis Hernández García"
    assert caller.hung_up and disclosures(session_factory) == []


@pytest.mark.parametrize("where", ["name", "date", "confirm"])
def test_zero_at_any_prompt_asks_for_a_person(
    where: str, caller: Caller, session_factory: sessionmaker[Session]
) -> None:
    if where == "name":
        caller.call()
    elif where == "date":
        to_the_date(caller, "José Luis Hernández García")
    else:
        caller.call()
        caller.speak("José Luis Hernández García")
    caller.press("0")
    [case] = cases(session_factory)
    assert case.reason == "asked_for_person" and case.channel == "voice"
    with session_factory() as s:
        conv = s.get(Conversation, case.conversation_id)
        assert conv is not None and conv.address == CALLER  # the caller's number, for the call back
    assert said(caller.answer) == [V.HUMAN_REQUESTED, V.render(V.CASE_REFERENCE, spelled=V.spell(case.reference)),
                                   V.GOODBYE]
    assert caller.hung_up


def test_a_name_not_understood_twice_is_recorded_for_an_operator(
    caller: Caller, session_factory: sessionmaker[Session], fake_twilio: FakeTwilio
) -> None:
    caller.call()
    caller.speak("José Luis Hernández García", confidence=0.31)  # below the threshold
    assert caller.prompt() == V.ASK_NAME_AGAIN
    caller.speak("mmm", confidence=0.8)  # no name in it
    record = caller.waiting
    assert record.tag == "Record" and record.get("maxLength") == "10"
    assert record.get("recordingStatusCallback") == PUBLIC_URL + VOICE_PATH + "?event=recording"
    assert said(caller.answer) == [V.ASK_RECORDING]

    recording = fake_twilio.record(caller.sid)
    caller.recorded(recording)
    [case] = cases(session_factory)
    assert case.reason == "unreadable_media"
    assert opened_details(session_factory, case)["recording_url"] == recording["RecordingUrl"]
    assert said(caller.answer)[0] == V.RECORDED and caller.prompt() == V.OFFER_SMS
    with session_factory() as s:
        line = s.scalars(select(InboundRecord).where(InboundRecord.media_kind == "recording")).one()
        assert recording["RecordingUrl"] in (line.text or "")
    # The address is the recording itself (Twilio's API, with the account's credentials).
    audio = httpx.get(recording["RecordingUrl"], auth=(fake_twilio.account_sid, fake_twilio.auth_token))
    assert audio.status_code == 200 and audio.content.startswith(b"RIFF")

    # The recording status callback that follows attaches nothing twice.
    headers, form = fake_twilio.recording_status_callback(PUBLIC_URL + VOICE_PATH + "?event=recording",
                                                          caller.sid, recording)
    assert caller.client.post(PUBLIC_URL + VOICE_PATH + "?event=recording", data=form,
                              headers=headers).status_code == 204
    assert len(cases(session_factory)) == 1


def test_a_caller_who_hangs_up_while_recording_still_gets_the_case_from_the_recording_callback(
    caller: Caller, session_factory: sessionmaker[Session], fake_twilio: FakeTwilio
) -> None:
    caller.call()
    caller.speak("eh", confidence=0.2)
    caller.speak("eh", confidence=0.2)
    assert caller.waiting.tag == "Record"
    recording = fake_twilio.record(caller.sid)
    url = PUBLIC_URL + VOICE_PATH + "?event=recording"
    headers, form = fake_twilio.recording_status_callback(url, caller.sid, recording)
    assert caller.client.post(url, data=form, headers=headers).status_code == 204
    [case] = cases(session_factory)
    assert case.reason == "unreadable_media"
    assert opened_details(session_factory, case)["recording_url"] == recording["RecordingUrl"]


def test_the_end_of_the_call_is_in_the_transcript_once(
    caller: Caller, session_factory: sessionmaker[Session], fake_twilio: FakeTwilio
) -> None:
    caller.call()
    url = PUBLIC_URL + VOICE_PATH + "?event=status"
    for _ in range(2):
        headers, form = fake_twilio.call_status_callback(url, caller.sid, CALLER, seconds=42)
        assert caller.client.post(url, data=form, headers=headers).status_code == 204
    with session_factory() as s:
        ended = list(s.scalars(select(InboundRecord.text).where(InboundRecord.provider_id.like("%/end"))))
        assert ended == [V.render(V.CALL_ENDED, status="completed")]


# --- refused requests -----------------------------------------------------------------------------


def test_a_request_without_a_valid_signature_is_refused(caller: Caller, fake_twilio: FakeTwilio) -> None:
    url = PUBLIC_URL + VOICE_PATH
    params = fake_twilio.call_params(fake_twilio.new_call_sid(), CALLER, status="ringing")
    headers, form = fake_twilio.signed_voice(url, params)
    r = caller.client.post(url, data={**form, "From": "+50255500001"}, headers=headers)
    assert r.status_code == 403
    r = caller.client.post(url, data=form, headers={k: v for k, v in headers.items() if k != "X-Twilio-Signature"})
    assert r.status_code == 403
    # Signed for another step than the one posted: the step is part of what Twilio signed.
    headers, form = fake_twilio.signed_voice(url + "?step=1", params)
    assert caller.client.post(url + "?step=2", data=form, headers=headers).status_code == 403


def test_a_call_id_not_in_twilio_shape_is_a_400(caller: Caller, fake_twilio: FakeTwilio) -> None:
    url = PUBLIC_URL + VOICE_PATH
    headers, form = fake_twilio.signed_voice(url, fake_twilio.call_params("CA123", CALLER, status="ringing"))
    r = caller.client.post(url, data=form, headers=headers)
    assert r.status_code == 400 and "CallSid" in r.json()["detail"]


def test_every_answer_of_a_whole_call_is_valid_twiml(caller: Caller) -> None:
    to_the_date(caller, "José Luis Hernández García")
    give_date(caller, "03051996", "3 de mayo de 1996")
    caller.press("2")
    caller.press("2")
    assert caller.hung_up
    # Each answer was checked on arrival (voice_support.check_twiml); the last one again, explicitly.
    check_twiml(caller.body, PUBLIC_URL)


@pytest.mark.parametrize(("digits", "expected"), [
    ("03051996", date(1996, 5, 3)), ("31021990", None), ("0305199", None), ("03051899", None), ("01019999", None),
])
def test_keypad_dates(digits: str, expected: date | None) -> None:
    assert keypad_date(digits, date(2026, 11, 30)) == expected
