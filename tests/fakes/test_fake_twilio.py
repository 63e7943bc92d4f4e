"""The real twilio SDK client (built by bot.channels.twilio_client) against the fake Twilio REST API.

Responses are checked against Twilio's own OpenAPI description, read from ../shared/specs/ at test
time; signatures against twilio's own RequestValidator. No database. Numbers are fictional.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels.twilio_client import make_twilio_client
from bot.channels.twilio_http import RecordingHttpClient, RedirectingHttpClient, is_twilio_own, rewrite_url
from common.settings import Settings
from tests.fakes import openapi_check
from tests.fakes._http import CaptureServer
from tests.fakes.twilio_server import FakeTwilio, segments

RELATIVE = "+50255512345"
MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
MESSAGE_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"
SID = re.compile(r"^SM[0-9a-f]{32}$")


def settings_for(fake: FakeTwilio, **overrides: Any) -> Settings:
    values = {
        "twilio_account_sid": fake.account_sid,
        "twilio_auth_token": fake.auth_token,
        "twilio_phone_number": fake.phone_number,
        "twilio_api_base_url": fake.url,
        **overrides,
    }
    return Settings(**values)


def client_for(fake: FakeTwilio, **overrides: Any) -> Client:
    return make_twilio_client(settings_for(fake, **overrides))


def last_body(client: Client) -> dict[str, Any]:
    """The raw JSON the fake answered, as the SDK received it."""
    response = client.http_client._test_only_last_response  # noqa: SLF001 - the SDK's own test hook
    assert response is not None
    return json.loads(response.text)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not openapi_check.SPEC_PATH.exists():
        pytest.skip(f"Twilio OpenAPI description not found at {openapi_check.SPEC_PATH}")
    return openapi_check.load_spec(openapi_check.SPEC_PATH)


# -- the adapter ---------------------------------------------------------------------------------


def test_rewrite_url_swaps_scheme_and_host_only() -> None:
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageSize=20"
    assert rewrite_url(url, "http://127.0.0.1:9999") == (
        "http://127.0.0.1:9999/2010-04-01/Accounts/AC1/Messages.json?PageSize=20"
    )
    assert rewrite_url(url, "http://fake.local:80/twilio/") == (
        "http://fake.local:80/twilio/2010-04-01/Accounts/AC1/Messages.json?PageSize=20"
    )
    with pytest.raises(ValueError):
        RedirectingHttpClient("127.0.0.1:9999")


def test_client_does_not_rewrite_urls_for_twilios_own_url(fake_twilio: FakeTwilio) -> None:
    assert is_twilio_own("https://api.twilio.com") and is_twilio_own("https://api.twilio.com/")
    assert not is_twilio_own(fake_twilio.url)
    own = client_for(fake_twilio, twilio_api_base_url="https://api.twilio.com")
    # The SDK's own client (remembering responses per thread, for a 429's Retry-After), no rewriting.
    assert type(own.http_client) is RecordingHttpClient
    assert isinstance(own.http_client, TwilioHttpClient)
    redirected = client_for(fake_twilio)
    assert isinstance(redirected.http_client, RedirectingHttpClient)
    with pytest.raises(ValueError):
        make_twilio_client(Settings(twilio_account_sid=None, twilio_auth_token=None))


# -- sending -------------------------------------------------------------------------------------


def test_create_message_returns_sid_and_status_and_is_recorded(fake_twilio: FakeTwilio) -> None:
    client = client_for(fake_twilio)
    before = datetime.now(UTC)
    message = client.messages.create(
        to=RELATIVE,
        from_=fake_twilio.phone_number,
        body="Su caso GT-0001 fue registrado.",
        status_callback="https://example.invalid/webhooks/twilio/status",
    )
    after = datetime.now(UTC)

    assert SID.match(message.sid)
    assert message.status == "queued"
    assert message.direction == "outbound-api"
    assert message.to == RELATIVE and message.from_ == fake_twilio.phone_number
    assert message.num_segments == "1"
    assert message.account_sid == fake_twilio.account_sid
    assert before.replace(microsecond=0) <= message.date_created <= after

    (call,) = fake_twilio.calls
    assert call["method"] == "messages.create" and call["status"] == 201 and call["sid"] == message.sid
    assert call["to"] == RELATIVE and call["body"] == "Su caso GT-0001 fue registrado."
    assert call["params"]["StatusCallback"] == "https://example.invalid/webhooks/twilio/status"
    assert before <= call["at"] <= after and isinstance(call["monotonic"], float)
    assert fake_twilio.bodies_to(RELATIVE) == ["Su caso GT-0001 fue registrado."]

    fetched = client.messages(message.sid).fetch()
    assert fetched.sid == message.sid and fetched.body == message.body


def test_responses_conform_to_twilios_openapi_description(
    fake_twilio: FakeTwilio, spec: dict[str, Any]
) -> None:
    client = client_for(fake_twilio)
    created_schema = openapi_check.response_schema(spec, MESSAGES_PATH, "post", "201")
    fetched_schema = openapi_check.response_schema(spec, MESSAGE_PATH, "get", "200")
    properties = openapi_check.schema(spec, "api.v2010.account.message")["properties"]

    samples = []
    message = client.messages.create(to=RELATIVE, from_=fake_twilio.phone_number, body="Hola")
    samples.append((last_body(client), created_schema))
    client.messages.create(to=RELATIVE, messaging_service_sid=fake_twilio.messaging_service_sid, body="Hola")
    samples.append((last_body(client), created_schema))
    client.messages.create(
        to=f"whatsapp:{RELATIVE}", from_=f"whatsapp:{fake_twilio.phone_number}", body="Hola"
    )
    samples.append((last_body(client), created_schema))
    client.messages(message.sid).fetch()
    samples.append((last_body(client), fetched_schema))

    for body, schema in samples:
        assert openapi_check.errors(body, schema, spec, strict=True) == []
        assert set(body) == set(properties)  # Twilio sends every documented field, nulls included
    assert samples[1][0]["from"] is None and samples[1][0]["status"] == "accepted"


def test_schema_check_catches_a_wrong_resource(spec: dict[str, Any]) -> None:
    # The check above is only worth something if the checker rejects what Twilio would not send.
    node = openapi_check.schema(spec, "api.v2010.account.message")
    bad = {
        "sid": "XX123",
        "status": "sent-ish",
        "num_segments": 1,
        "date_created": "2024-01-01T00:00:00Z",
        "from_": "+50255500000",
        "error_code": "21610",
    }
    found = "\n".join(openapi_check.errors(bad, node, spec, strict=True))
    for fragment in ("$.sid", "$.status", "$.num_segments", "$.date_created", "'from_'", "$.error_code"):
        assert fragment in found


def test_fake_reads_only_fields_twilio_defines(spec: dict[str, Any]) -> None:
    fields = openapi_check.request_fields(spec, MESSAGES_PATH, "post")
    for name in ("To", "From", "MessagingServiceSid", "Body", "MediaUrl", "StatusCallback"):
        assert name in fields


def test_opted_out_recipient_is_refused_with_21610(fake_twilio: FakeTwilio) -> None:
    client = client_for(fake_twilio)
    fake_twilio.opt_out(RELATIVE)
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=RELATIVE, from_=fake_twilio.phone_number, body="Hola")
    assert caught.value.code == 21610 and caught.value.status == 400
    assert "unsubscribed recipient" in caught.value.msg
    assert last_body(client) == {
        "code": 21610,
        "message": "Attempt to send to unsubscribed recipient",
        "more_info": "https://www.twilio.com/docs/errors/21610",
        "status": 400,
    }
    assert fake_twilio.messages == []
    fake_twilio.opt_in(RELATIVE)
    assert client.messages.create(to=RELATIVE, from_=fake_twilio.phone_number, body="Hola").status == "queued"


@pytest.mark.parametrize(
    ("to", "sender", "body", "code"),
    [
        ("12345", None, "Hola", 21211),
        ("+502 5551 2345", None, "Hola", 21211),
        (RELATIVE, "+50299999999", "Hola", 21606),
        (RELATIVE, None, "x" * 1601, 21617),
    ],
)
def test_invalid_requests_get_twilios_error_codes(
    fake_twilio: FakeTwilio, to: str, sender: str | None, body: str, code: int
) -> None:
    client = client_for(fake_twilio)
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=to, from_=sender or fake_twilio.phone_number, body=body)
    assert caught.value.code == code and caught.value.status == 400
    assert fake_twilio.calls[-1]["error_code"] == code


def test_rate_limit_is_429_with_code_20429(fake_twilio: FakeTwilio) -> None:
    client = client_for(fake_twilio)
    fake_twilio.rate_limit_next(1, retry_after=2)
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=RELATIVE, from_=fake_twilio.phone_number, body="Hola")
    assert (caught.value.status, caught.value.code) == (429, 20429)
    response = client.http_client._test_only_last_response  # noqa: SLF001
    assert response is not None and response.headers["Retry-After"] == "2"
    assert client.messages.create(to=RELATIVE, from_=fake_twilio.phone_number, body="Hola").status == "queued"
    assert [(c["status"], c["outcome"]) for c in fake_twilio.calls] == [
        (429, "fault:rate_limit"),
        (201, None),
    ]


def test_server_errors_and_seeded_failure_ratio(fake_twilio: FakeTwilio) -> None:
    client = client_for(fake_twilio)
    fake_twilio.fail_next(1, status=503)
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=RELATIVE, from_=fake_twilio.phone_number, body="Hola")
    assert caught.value.status == 503
    assert fake_twilio.messages == []

    def pattern(seed: int) -> list[int]:
        fake_twilio.reset_calls()
        fake_twilio.fail_ratio(0.4, seed=seed)
        for _ in range(20):
            try:
                client.messages.create(to=RELATIVE, from_=fake_twilio.phone_number, body="Hola")
            except TwilioRestException as exc:
                assert exc.status == 500 and exc.code == 20500
        return [c["status"] for c in fake_twilio.calls]

    first, again = pattern(5), pattern(5)
    assert first == again and 0 < first.count(500) < 20
    fake_twilio.fail_ratio(0)
    assert client.messages.create(to=RELATIVE, from_=fake_twilio.phone_number, body="Hola").status == "queued"


def test_wrong_credentials_are_refused_with_20003(fake_twilio: FakeTwilio) -> None:
    client = client_for(fake_twilio, twilio_auth_token="0" * 32)
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=RELATIVE, from_=fake_twilio.phone_number, body="Hola")
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert fake_twilio.messages == []
    assert [c["method"] for c in fake_twilio.calls] == ["authenticate"]

    other_account = client_for(fake_twilio, twilio_account_sid="AC" + "0" * 32)
    with pytest.raises(TwilioRestException) as caught:
        other_account.messages.create(to=RELATIVE, from_=fake_twilio.phone_number, body="Hola")
    assert caught.value.status == 401


def test_unknown_message_is_404_with_20404(fake_twilio: FakeTwilio) -> None:
    client = client_for(fake_twilio)
    with pytest.raises(TwilioRestException) as caught:
        client.messages("SM" + "0" * 32).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_held_response_times_out_and_processed_one_still_sends(fake_twilio: FakeTwilio) -> None:
    client = make_twilio_client(settings_for(fake_twilio), timeout=0.5)
    fake_twilio.timeout_next(1)
    with pytest.raises(requests.exceptions.Timeout):
        client.messages.create(to=RELATIVE, from_=fake_twilio.phone_number, body="uno")
    assert fake_twilio.messages == []

    fake_twilio.timeout_next(1, processed=True)
    with pytest.raises(requests.exceptions.Timeout):
        client.messages.create(to=RELATIVE, from_=fake_twilio.phone_number, body="dos")
    assert fake_twilio.bodies_to(RELATIVE) == ["dos"]  # Twilio sent it; only the answer was lost
    assert [c["outcome"] for c in fake_twilio.calls] == ["fault:timeout", "fault:timeout"]


def test_segments_follow_gsm7_and_ucs2_rules() -> None:
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("a" * 306) == 2
    assert segments("¿Dónde está?") == 1
    assert segments("ñ¿¡" * 53) == 1  # GSM-7 has ñ, ¿ and ¡
    assert segments("ó" * 70) == 1 and segments("ó" * 71) == 2  # ó is not GSM-7
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2  # extension table: 2 septets


# -- signed requests in the other direction -------------------------------------------------------


def test_signed_inbound_is_accepted_by_request_validator_and_tampering_is_not(
    fake_twilio: FakeTwilio,
) -> None:
    url = "https://linea.example.org/webhooks/twilio/sms"
    headers, form = fake_twilio.signed_inbound(url, {"From": RELATIVE, "Body": "Busco a Juan Pérez"})
    validator = RequestValidator(fake_twilio.auth_token)
    signature = headers["X-Twilio-Signature"]

    assert validator.validate(url, form, signature)
    assert form["To"] == fake_twilio.phone_number and form["AccountSid"] == fake_twilio.account_sid
    assert SID.match(form["MessageSid"]) and form["SmsSid"] == form["MessageSid"]
    assert form["NumMedia"] == "0" and form["Body"] == "Busco a Juan Pérez"

    assert not validator.validate(url, {**form, "Body": "Busco a otra persona"}, signature)
    assert not validator.validate(url.replace("/sms", "/status"), form, signature)
    assert not RequestValidator("f" * 32).validate(url, form, signature)


def test_signed_inbound_voice_note_and_whatsapp_variants(fake_twilio: FakeTwilio) -> None:
    url = "https://linea.example.org/webhooks/twilio/sms"
    validator = RequestValidator(fake_twilio.auth_token)

    headers, voice = fake_twilio.inbound_sms(
        url, RELATIVE, media=(("audio/ogg", "https://media.invalid/v.ogg"),)
    )
    assert validator.validate(url, voice, headers["X-Twilio-Signature"])
    assert voice["NumMedia"] == "1" and voice["MediaContentType0"] == "audio/ogg"
    assert voice["MessageSid"].startswith("MM")

    wa_sender = f"whatsapp:{RELATIVE}"
    headers, wa = fake_twilio.inbound_sms(url, wa_sender, "hola")
    assert validator.validate(url, wa, headers["X-Twilio-Signature"])
    assert wa["From"] == wa_sender and wa["To"] == f"whatsapp:{fake_twilio.phone_number}"
    assert wa["WaId"] == RELATIVE.removeprefix("+") and wa["MessageType"] == "text"


def test_status_callback_is_delivered_signed_and_updates_the_message(fake_twilio: FakeTwilio) -> None:
    receiver = CaptureServer().start()
    try:
        callback = f"{receiver.url}/webhooks/twilio/status"
        client = client_for(fake_twilio)
        message = client.messages.create(
            to=RELATIVE, from_=fake_twilio.phone_number, body="Hola", status_callback=callback
        )
        response = fake_twilio.deliver_status(message.sid, "delivered")
        assert response.status_code == 200

        (request,) = receiver.requests
        assert request.path == "/webhooks/twilio/status"
        form = {k: v[-1] for k, v in request.form().items()}
        assert RequestValidator(fake_twilio.auth_token).validate(
            callback, form, request.headers["x-twilio-signature"]
        )
        assert form["MessageSid"] == message.sid and form["MessageStatus"] == "delivered"
        assert form["AccountSid"] == fake_twilio.account_sid and form["To"] == RELATIVE
        assert "ErrorCode" not in form

        fetched = client.messages(message.sid).fetch()
        assert fetched.status == "delivered" and fetched.date_sent is not None

        failed = client.messages.create(
            to=RELATIVE, from_=fake_twilio.phone_number, body="x", status_callback=callback
        )
        assert [r.status_code for r in fake_twilio.deliver_pending("undelivered")] == [200]
        assert {k: v[-1] for k, v in receiver.requests[-1].form().items()}["MessageSid"] == failed.sid
        fake_twilio.deliver_status(failed.sid, "failed", error_code=30003)
        last = {k: v[-1] for k, v in receiver.requests[-1].form().items()}
        assert last["MessageStatus"] == "failed" and last["ErrorCode"] == "30003"
        assert client.messages(failed.sid).fetch().error_code == 30003
    finally:
        receiver.stop()


def test_dates_are_rfc2822_gmt(fake_twilio: FakeTwilio) -> None:
    client = client_for(fake_twilio)
    client.messages.create(to=RELATIVE, from_=fake_twilio.phone_number, body="Hola")
    raw = last_body(client)["date_created"]
    assert raw.endswith("+0000")
    assert parsedate_to_datetime(raw).utcoffset().total_seconds() == 0
