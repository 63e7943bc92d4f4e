"""Content templates and WhatsApp's window at the fake Twilio, through the real twilio SDK over HTTP:
the parameters are Twilio's (ContentSid, ContentVariables, checked against its OpenAPI description),
and the fake answers each combination as the real API does. ``TwilioSender`` (the outbox's) sends
the template and turns 63016 into ``WindowClosed``. No database. Numbers and texts are FICTIONAL."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.channels.twilio_channel import TwilioSender
from bot.channels.twilio_client import make_twilio_client
from bot.outbox.senders import PermanentError, WindowClosed
from common.settings import Settings
from tests.fakes import openapi_check
from tests.fakes._http import CaptureServer
from tests.fakes.twilio_server import FakeTwilio

RELATIVE = "whatsapp:+50255587101"
TEMPLATE_SID = "HX" + "5a1e" * 8
TEMPLATE = "Tiene un mensaje sobre su consulta {{1}}. Responda a este mensaje para leerlo."
MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"


def client_for(fake: FakeTwilio) -> Client:
    return make_twilio_client(Settings(twilio_account_sid=fake.account_sid, twilio_auth_token=fake.auth_token,
                                       twilio_phone_number=fake.phone_number, twilio_api_base_url=fake.url))


def sender_for(fake: FakeTwilio, template_sid: str | None = TEMPLATE_SID) -> TwilioSender:
    return TwilioSender(client_for(fake), fake.phone_number, None, "whatsapp", template_sid)


@pytest.fixture
def fake(fake_twilio: FakeTwilio) -> FakeTwilio:
    fake_twilio.add_content(TEMPLATE_SID, TEMPLATE)
    return fake_twilio


def create(fake: FakeTwilio, **params: Any) -> Any:
    return client_for(fake).messages.create(to=RELATIVE, from_=f"whatsapp:{fake.phone_number}", **params)


def refusal(fake: FakeTwilio, **params: Any) -> int:
    with pytest.raises(TwilioRestException) as caught:
        create(fake, **params)
    assert caught.value.status == 400
    return int(caught.value.code)


def test_a_template_is_rendered_into_the_message_and_both_sides_match_twilios_description(fake: FakeTwilio) -> None:
    message = create(fake, content_sid=TEMPLATE_SID, content_variables=json.dumps({"1": "JRZ-4F7K"}))
    assert message.body == "Tiene un mensaje sobre su consulta JRZ-4F7K. Responda a este mensaje para leerlo."
    assert message.status == "queued" and message.to == RELATIVE
    [call] = fake.template_requests()
    assert call["params"]["ContentSid"] == TEMPLATE_SID and "Body" not in call["params"]
    if not openapi_check.SPEC_PATH.exists():
        pytest.skip("Twilio's OpenAPI description is not here")
    spec = openapi_check.load_spec(openapi_check.SPEC_PATH)
    fields = openapi_check.request_fields(spec, MESSAGES_PATH, "post")
    for name, value in call["params"].items():  # what the SDK sent: Twilio's own parameter names
        assert name in fields and openapi_check.errors(value, fields[name], spec) == [], name
    created = openapi_check.response_schema(spec, MESSAGES_PATH, "post", "201")
    [stored] = fake.messages
    assert openapi_check.errors(stored, created, spec, strict=True) == []


def test_a_body_given_with_a_content_sid_is_superseded_by_the_template(fake: FakeTwilio) -> None:
    message = create(fake, content_sid=TEMPLATE_SID, body="Texto libre que no debe salir")
    assert message.body == TEMPLATE  # no variables given: the placeholder stays
    assert fake.bodies_to(RELATIVE) == [TEMPLATE]


@pytest.mark.parametrize(("params", "code"), [
    ({"content_sid": TEMPLATE_SID, "content_variables": '{"1": "x"}', "body": "y"}, 35127),  # Body with variables
    ({"content_variables": '{"1": "x"}', "body": "y"}, 21654),  # variables without a ContentSid
    ({"content_sid": "HX" + "0" * 32}, 21655),  # no such template
    ({"content_sid": "HX123"}, 21655),  # not a ContentSid at all
    ({"content_sid": TEMPLATE_SID, "content_variables": "[1, 2]"}, 21656),  # not a JSON object
    ({"content_sid": TEMPLATE_SID, "content_variables": "{no es json"}, 21656),
    ({}, 21619),  # neither Body, MediaUrl nor ContentSid
])
def test_what_the_real_api_refuses_the_fake_refuses_with_the_same_code(
    fake: FakeTwilio, params: dict[str, Any], code: int
) -> None:
    assert refusal(fake, **params) == code
    assert fake.messages == []


def test_free_text_outside_the_window_is_63016_and_a_template_is_not(fake: FakeTwilio) -> None:
    fake.whatsapp_window(3600)
    assert refusal(fake, body="Texto libre (ficticio)") == 63016
    assert create(fake, content_sid=TEMPLATE_SID, content_variables='{"1": "JRZ-4F7K"}').sid
    fake.signed_inbound("https://linea.example.org/webhooks/twilio/sms", {"From": RELATIVE, "Body": "Hola"})
    assert create(fake, body="Ahora sí (ficticio)").body == "Ahora sí (ficticio)"  # the relative wrote
    fake.note_inbound(RELATIVE, at=datetime.now(UTC) - timedelta(hours=2))
    assert refusal(fake, body="Otra vez fuera (ficticio)") == 63016
    # SMS has no window.
    assert client_for(fake).messages.create(to="+50255587101", from_=fake.phone_number, body="SMS").sid


def test_refused_by_callback_the_message_is_accepted_then_failed_with_63016(fake: FakeTwilio) -> None:
    receiver = CaptureServer().start()
    try:
        fake.whatsapp_window(3600, refuse="callback")
        callback = f"{receiver.url}/webhooks/twilio/status"
        message = create(fake, body="Aceptado y rechazado (ficticio)", status_callback=callback)
        assert message.status == "queued"
        assert [r.status_code for r in fake.deliver_window_refusals()] == [200]
        form = {k: v[-1] for k, v in receiver.requests[-1].form().items()}
        assert form["MessageSid"] == message.sid and form["MessageStatus"] == "failed"
        assert form["ErrorCode"] == "63016"
        assert fake.deliver_window_refusals() == []  # once
    finally:
        receiver.stop()


def test_the_outbox_sender_sends_the_template_and_reads_63016_as_a_closed_window(fake: FakeTwilio) -> None:
    sender = sender_for(fake)
    since = datetime.now(UTC) - timedelta(minutes=5)
    fake.hand_to_carrier_after(0)
    sid = asyncio.run(sender.send_template(RELATIVE, {"1": "JRZ-4F7K"}))
    [call] = fake.template_requests()
    assert call["sid"] == sid and json.loads(call["params"]["ContentVariables"]) == {"1": "JRZ-4F7K"}
    assert call["params"]["From"] == f"whatsapp:{fake.phone_number}"
    # A template in doubt is found in Twilio's log whatever words it was rendered with.
    assert asyncio.run(sender.find_sent(RELATIVE, None, since)) == [sid]
    assert asyncio.run(sender.find_sent(RELATIVE, "otro texto", since)) == []

    fake.whatsapp_window(3600)
    with pytest.raises(WindowClosed):
        asyncio.run(sender.send(RELATIVE, "Texto libre (ficticio)"))
    with pytest.raises(PermanentError, match="no WhatsApp template configured"):
        asyncio.run(sender_for(fake, None).send_template(RELATIVE, {"1": "JRZ-4F7K"}))
