"""SMS and WhatsApp end to end: a signed Twilio webhook in, the outbox worker with the real twilio SDK
out, against the fake Twilio. All numbers, names and texts are FICTIONAL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from bot import texts_es as T
from bot.cases.opening import queue_operator_reply
from bot.conversations import render_for_channel
from bot.sms import is_gsm7, to_gsm7
from common.metrics import INBOUND_MESSAGES
from common.settings import Settings
from db.models import Case, Conversation, InboundRecord, OutboundMessage
from db.repositories import outbox
from tests.channels.helpers import (
    PERSON,
    PERSON_BIRTH_MESSAGE,
    PERSON_NAME_MESSAGE,
    SMS_PATH,
    STATUS_PATH,
    add_sought_person,
    audit_actions,
    channel_settings,
    counts,
    drain,
    message_sid,
    post_sms,
    run_turns,
    statuses,
)
from tests.fakes import FakeTwilio

PUBLIC_URL = "https://hotline.example.org"  # what Twilio signs; the TestClient's host does not matter
RELATIVE = "+50255512345"  # fictional


def sms(text: str) -> str:
    return render_for_channel("sms", text)


@pytest.fixture
def sms_settings(db_url: str, fake_twilio: FakeTwilio) -> Settings:
    return channel_settings(db_url, PUBLIC_URL, twilio=fake_twilio)


@pytest.fixture
def client(sms_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(sms_settings), base_url=PUBLIC_URL, raise_server_exceptions=False) as c:
        yield c


def test_a_relative_is_welcomed_asked_and_answered_by_sms(
    client: TestClient, fake_twilio: FakeTwilio, sms_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    add_sought_person(session_factory)

    r = post_sms(client, fake_twilio, sms_settings, RELATIVE, "Hola")
    assert r.status_code == 200 and "<Response>" in r.text
    drain(session_factory, sms_settings)
    assert fake_twilio.bodies_to(RELATIVE) == [sms(T.WELCOME), sms(T.ASK_NAME)]
    sent = fake_twilio.messages
    assert {m["from"] for m in sent} == {fake_twilio.phone_number}
    assert all(m["status"] == "queued" for m in sent)  # accepted by the REST API

    post_sms(client, fake_twilio, sms_settings, RELATIVE, PERSON_NAME_MESSAGE)
    drain(session_factory, sms_settings)
    assert fake_twilio.bodies_to(RELATIVE)[2:] == [sms(T.ASK_BIRTH)]

    post_sms(client, fake_twilio, sms_settings, RELATIVE, PERSON_BIRTH_MESSAGE)
    drain(session_factory, sms_settings)
    disclosure, offer = fake_twilio.bodies_to(RELATIVE)[3:]
    assert disclosure.startswith(sms(f"{PERSON['given_names']} {PERSON['surnames']}: {T.STATUS_TEXT['safe']}"))
    assert sms(PERSON["location"]) in disclosure  # type: ignore[arg-type]
    assert offer == sms(T.OFFER_SUBSCRIPTION)
    # The audit event holds the exact text that went out.
    [event] = audit_actions(session_factory, "disclosure")
    assert event.details["text"] == disclosure and event.details["channel"] == "sms"
    # Every outbound row was sent and carries the provider's id.
    with session_factory() as s:
        rows = list(s.scalars(select(OutboundMessage)))
    assert {r.status for r in rows} == {"sent"}
    assert {r.provider_id for r in rows} == {m["sid"] for m in fake_twilio.messages}


def test_sms_replies_fit_gsm7_and_whatsapp_keeps_accents_and_its_prefix(
    client: TestClient, fake_twilio: FakeTwilio, sms_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    whatsapp = "whatsapp:+50255598765"
    r = post_sms(client, fake_twilio, sms_settings, whatsapp, "Buenas tardes")
    assert r.status_code == 200
    drain(session_factory, sms_settings)
    [welcome, ask] = fake_twilio.messages
    assert (welcome["to"], welcome["from"]) == (whatsapp, f"whatsapp:{fake_twilio.phone_number}")
    assert [welcome["body"], ask["body"]] == [T.WELCOME, T.ASK_NAME]  # WhatsApp is not folded to GSM-7
    with session_factory() as s:
        conv = s.scalars(select(Conversation)).one()
    assert (conv.channel, conv.address) == ("whatsapp", whatsapp)
    # The same relative by plain SMS is another conversation, answered by SMS, folded to GSM-7.
    post_sms(client, fake_twilio, sms_settings, "+50255598765", "Hola")
    drain(session_factory, sms_settings)
    assert fake_twilio.bodies_to("+50255598765") == [sms(T.WELCOME), sms(T.ASK_NAME)]
    assert sms(T.WELCOME) != T.WELCOME


@pytest.mark.parametrize("address", [RELATIVE, "whatsapp:+50255598766"])
def test_an_operators_reply_is_folded_to_gsm7_by_the_sms_sender_and_whatsapp_keeps_it(
    client: TestClient, fake_twilio: FakeTwilio, sms_settings: Settings, session_factory: sessionmaker[Session],
    address: str,
) -> None:
    post_sms(client, fake_twilio, sms_settings, address, "Hola")
    drain(session_factory, sms_settings)
    written = "Le llamamos mañana con información sobre «su familiar» — gracias (ficticio)."
    with session_factory.begin() as s:
        conv = s.scalars(select(Conversation)).one()
        case = Case(reference="SMS-F7K2", conversation_id=conv.id, reason="no_match", status="open",
                    priority="normal", channel=conv.channel)
        s.add(case)
        s.flush()
        row_id = queue_operator_reply(s, case, written, actor="user:olga").id
    drain(session_factory, sms_settings)
    sent = fake_twilio.bodies_to(address)[-1]
    if address.startswith("whatsapp:"):
        assert sent == T.OPERATOR_REPLY_PREFIX + written
    else:
        assert sent == to_gsm7(T.OPERATOR_REPLY_PREFIX + written) != T.OPERATOR_REPLY_PREFIX + written
        assert is_gsm7(sent) and "informacion" in sent and "mañana" in sent  # ñ is GSM-7
    with session_factory() as s:
        row = s.get(OutboundMessage, row_id)
        assert row is not None and row.status == "sent" and row.text == T.OPERATOR_REPLY_PREFIX + written


@pytest.mark.parametrize("sender", [RELATIVE, "whatsapp:+50255511111"])
def test_a_voice_note_gets_the_kind_text_only_reply(
    client: TestClient, fake_twilio: FakeTwilio, sms_settings: Settings, session_factory: sessionmaker[Session],
    sender: str,
) -> None:
    media = (("audio/ogg", "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME0"),)
    r = post_sms(client, fake_twilio, sms_settings, sender, "", media=media)
    assert r.status_code == 200
    drain(session_factory, sms_settings)
    expected = T.MEDIA_UNREADABLE if sender.startswith("whatsapp:") else sms(T.MEDIA_UNREADABLE)
    bodies = fake_twilio.bodies_to(sender)
    assert bodies[-1] == expected and len(bodies) == 2  # the welcome, then only that
    with session_factory() as s:
        assert s.scalars(select(InboundRecord.media_kind)).one() == "voice"


@pytest.mark.parametrize("word", ["STOP", "BAJA", "alto"])
def test_stop_cancels_everything_queued_and_sends_only_the_confirmation(
    client: TestClient, fake_twilio: FakeTwilio, sms_settings: Settings, session_factory: sessionmaker[Session],
    word: str,
) -> None:
    post_sms(client, fake_twilio, sms_settings, RELATIVE, "Hola")
    run_turns(session_factory, sms_settings)  # two replies queued, not yet sent
    with session_factory() as s, s.begin():
        conv = s.scalars(select(Conversation)).one()
        outbox.enqueue(s, channel="sms", recipient=RELATIVE, text="Aviso de prueba (ficticio)",
                       kind="notification", priority=outbox.PRIORITY_BULK, conversation_id=conv.id)
    r = post_sms(client, fake_twilio, sms_settings, RELATIVE, word)
    assert r.status_code == 200
    # In effect before the webhook answered, with no turn worker involved.
    assert statuses(session_factory) == {"cancelled": 3, "queued": 1}
    drain(session_factory, sms_settings)
    assert fake_twilio.bodies_to(RELATIVE) == [sms(T.OPTED_OUT)]
    with session_factory() as s:
        conv = s.scalars(select(Conversation)).one()
    assert conv.opted_out and conv.opted_out_at is not None
    [event] = audit_actions(session_factory, "opt_out")
    assert event.subject_id == str(conv.id)


def test_twilio_21610_marks_the_contact_opted_out_and_is_never_retried(
    client: TestClient, fake_twilio: FakeTwilio, sms_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    fake_twilio.opt_out(RELATIVE)  # the number texted STOP to Twilio itself
    post_sms(client, fake_twilio, sms_settings, RELATIVE, "Hola")
    drain(session_factory, sms_settings)
    refused = fake_twilio.calls_of("messages.create")
    assert refused and all(c["error_code"] == 21610 for c in refused)
    assert len(refused) <= 2  # at most one call per row
    with session_factory() as s:
        rows = list(s.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))
        conv = s.scalars(select(Conversation)).one()
    assert conv.opted_out
    assert rows[0].status == "failed" and "21610" in (rows[0].last_error or "")
    assert {r.status for r in rows[1:]} <= {"failed", "cancelled"}
    assert all(r.attempts <= 1 for r in rows)
    # Nothing more is attempted later, even with an idle worker running again.
    drain(session_factory, sms_settings)
    assert len(fake_twilio.calls_of("messages.create")) == len(refused)
    assert fake_twilio.messages == []


def test_delivery_status_callback_marks_the_row_delivered_and_an_unsigned_one_is_refused(
    client: TestClient, fake_twilio: FakeTwilio, sms_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    post_sms(client, fake_twilio, sms_settings, RELATIVE, "Hola")
    drain(session_factory, sms_settings)
    welcome = fake_twilio.messages[0]
    url, headers, form = fake_twilio.status_callback_request(welcome["sid"], "delivered")
    assert url == PUBLIC_URL + STATUS_PATH  # the worker asked for callbacks at our public URL

    unsigned = client.post(STATUS_PATH, data=form)
    assert unsigned.status_code == 403
    forged = client.post(STATUS_PATH, data={**form, "MessageStatus": "failed"}, headers=headers)
    assert forged.status_code == 403
    with session_factory() as s:
        assert s.scalars(select(OutboundMessage.status).where(
            OutboundMessage.provider_id == welcome["sid"])).one() == "sent"

    assert client.post(STATUS_PATH, data=form, headers=headers).status_code == 204
    with session_factory() as s:
        row = s.scalars(select(OutboundMessage).where(OutboundMessage.provider_id == welcome["sid"])).one()
        other = s.scalars(select(OutboundMessage).where(OutboundMessage.provider_id != welcome["sid"])).one()
    assert row.status == "delivered" and row.delivered_at is not None
    assert other.status == "sent"


def test_unsigned_or_mis_signed_sms_is_refused_and_leaves_no_trace(
    client: TestClient, fake_twilio: FakeTwilio, sms_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    url = PUBLIC_URL + SMS_PATH
    headers, form = fake_twilio.inbound_sms(url, RELATIVE, "Hola")
    assert client.post(SMS_PATH, data=form).status_code == 403  # no signature
    tampered = {**form, "Body": "José Luis Hernández"}
    assert client.post(SMS_PATH, data=tampered, headers=headers).status_code == 403
    other_url_headers, other_form = fake_twilio.inbound_sms("https://elsewhere.example.org" + SMS_PATH,
                                                            RELATIVE, "Hola")
    assert client.post(SMS_PATH, data=other_form, headers=other_url_headers).status_code == 403
    wrong_token = FakeTwilio(auth_token="0" * 32)
    bad_headers, bad_form = wrong_token.inbound_sms(url, RELATIVE, "Hola")
    assert client.post(SMS_PATH, data=bad_form, headers=bad_headers).status_code == 403
    assert counts(session_factory) == {"conversations": 0, "inbound": 0, "outbound": 0, "cases": 0,
                                       "disclosures": 0}
    # The genuine one still goes through.
    assert client.post(SMS_PATH, data=form, headers=headers).status_code == 200
    assert counts(session_factory)["inbound"] == 1


def test_a_redelivered_message_sid_is_handled_once(
    client: TestClient, fake_twilio: FakeTwilio, sms_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    add_sought_person(session_factory)
    turns = [(message_sid("a1"), "Hola"), (message_sid("a2"), PERSON_NAME_MESSAGE),
             (message_sid("a3"), PERSON_BIRTH_MESSAGE), (message_sid("a4"), "HUMANO")]
    duplicates_before = INBOUND_MESSAGES.labels("sms", "yes")._value.get()
    for sid, body in turns:
        for _ in range(3):  # Twilio retries when it does not see our answer in time
            assert post_sms(client, fake_twilio, sms_settings, RELATIVE, body, sid=sid).status_code == 200
    assert INBOUND_MESSAGES.labels("sms", "yes")._value.get() - duplicates_before == 8  # counted in /metrics
    drain(session_factory, sms_settings)
    c = counts(session_factory)
    assert c["inbound"] == 4 and c["conversations"] == 1
    assert c["disclosures"] == 1 and c["cases"] == 1
    bodies = fake_twilio.bodies_to(RELATIVE)
    assert len(bodies) == len(set(bodies)) == c["outbound"]
    assert bodies[:3] == [sms(T.WELCOME), sms(T.ASK_NAME), sms(T.ASK_BIRTH)]
