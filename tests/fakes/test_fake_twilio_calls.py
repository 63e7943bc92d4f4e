"""The fake Twilio's Calls API (the console's "Llamar") with the real twilio SDK: the Call resource
against Twilio's OpenAPI description, Twilio's errors, and ``run_call`` playing a call's legs and
signed callbacks to a capture server. No database. Numbers are fictional."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Dial, VoiceResponse

from tests.fakes import openapi_check
from tests.fakes._http import CaptureServer, FakeRequest, FakeResponse
from tests.fakes.test_fake_twilio import client_for, last_body
from tests.fakes.twilio_server import FakeTwilio

OPERATOR = "+50255590100"
RELATIVE = "+50254123456"
CALLS_PATH = "/2010-04-01/Accounts/{AccountSid}/Calls.json"
CALL_PATH = "/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not openapi_check.SPEC_PATH.exists():
        pytest.skip(f"Twilio OpenAPI description not found at {openapi_check.SPEC_PATH}")
    return openapi_check.load_spec(openapi_check.SPEC_PATH)


def test_call_resources_conform_to_twilios_openapi_description(fake_twilio: FakeTwilio, spec: dict[str, Any]) -> None:
    client = client_for(fake_twilio)
    call = client.calls.create(to=OPERATOR, from_=fake_twilio.phone_number, url="https://example.org/answer",
                               status_callback="https://example.org/status",
                               status_callback_event=["initiated", "answered", "completed"])
    created = last_body(client)
    client.calls(call.sid).fetch()
    fetched = last_body(client)
    properties = openapi_check.schema(spec, "api.v2010.account.call")["properties"]
    for body, schema in ((created, openapi_check.response_schema(spec, CALLS_PATH, "post", "201")),
                         (fetched, openapi_check.response_schema(spec, CALL_PATH, "get", "200"))):
        assert openapi_check.errors(body, schema, spec, strict=True) == []
        assert set(body) == set(properties)
    assert (created["status"], created["direction"], created["to"]) == ("queued", "outbound-api", OPERATOR)
    [recorded] = fake_twilio.calls_of("calls.create")
    assert recorded["events"] == ["initiated", "answered", "completed"]  # repeated parameters, all kept
    fields = openapi_check.request_fields(spec, CALLS_PATH, "post")
    for name in ("To", "From", "Url", "Method", "StatusCallback", "StatusCallbackEvent", "StatusCallbackMethod",
                 "Timeout"):
        assert name in fields


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"to": "5559", "url": "https://example.org/a"}, 21211),
    ({"to": OPERATOR}, 21205),
    ({"to": OPERATOR, "url": "https://example.org/a", "from_": "+50255511111"}, 21210),
])
def test_invalid_calls_get_twilios_error_codes(fake_twilio: FakeTwilio, kwargs: dict[str, str], code: int) -> None:
    client = client_for(fake_twilio)
    kwargs = {"from_": fake_twilio.phone_number, **kwargs}
    with pytest.raises(TwilioRestException) as raised:
        client.calls.create(**kwargs)
    assert raised.value.code == code and raised.value.status == 400


class AnswerServer(CaptureServer):
    """Stands in for the app: answers Url with a <Dial> to the relative, everything else 204."""

    def __init__(self, fake: FakeTwilio) -> None:
        super().__init__()
        self.fake = fake

    def _dispatch(self, request: FakeRequest) -> FakeResponse:
        with self._lock:
            self.requests.append(request)
        if request.query.get("event") != "answer":
            return FakeResponse(204)
        response = VoiceResponse()
        response.say("Conectando.")
        dial = Dial(caller_id=self.fake.phone_number, action=f"{self.url}/hook?event=dial")
        dial.number(RELATIVE, status_callback=f"{self.url}/hook?event=leg",
                    status_callback_event="initiated ringing answered completed")
        response.append(dial)
        return FakeResponse(200, str(response).encode(), {"Content-Type": "application/xml"})


def test_run_call_plays_both_legs_with_signed_callbacks(fake_twilio: FakeTwilio) -> None:
    app = AnswerServer(fake_twilio).start()
    base = app.url
    try:
        client = client_for(fake_twilio)
        call = client.calls.create(to=OPERATOR, from_=fake_twilio.phone_number, url=f"{app.url}/hook?event=answer",
                                   status_callback=f"{app.url}/hook?event=status",
                                   status_callback_event=["initiated", "ringing", "answered", "completed"])
        fake_twilio.run_call(call.sid, lambda url, headers, form: httpx.post(url, data=form, headers=headers),
                             seconds=42)
    finally:
        app.stop()
    validator = RequestValidator(fake_twilio.auth_token)
    seen = []
    for request in app.requests:
        form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        url = f"{base}{request.path}?event={request.query['event']}"
        assert validator.validate(url, form, request.headers["x-twilio-signature"]), url
        seen.append((request.query["event"], form["CallStatus"], form.get("CallDuration")))
    assert seen == [
        ("status", "initiated", None), ("status", "ringing", None), ("status", "in-progress", None),
        ("answer", "in-progress", None),
        ("leg", "initiated", None), ("leg", "ringing", None), ("leg", "in-progress", None), ("leg", "completed", "42"),
        ("dial", "in-progress", None),
        ("status", "completed", "47"),
    ]
    parent, child = fake_twilio.call_legs
    assert (parent["to"], parent["from"], parent["status"]) == (OPERATOR, fake_twilio.phone_number, "completed")
    assert (child["to"], child["from"], child["parent_sid"], child["duration"]) == (
        RELATIVE, fake_twilio.phone_number, call.sid, 42)
    assert json.loads(json.dumps(fake_twilio.outbound_call(call.sid)))["duration"] == "47"
