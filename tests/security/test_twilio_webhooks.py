"""Finding 8: a valid Twilio signature is not enough. A captured request re-split so that one
parameter swallows the next (``MessageSid=SM…MessagingServiceSidMG…``) still verifies; it must be
refused, and so must a request for another Twilio account, a message id that is not Twilio's shape
and a sender that is not a phone number. Every number and id here is FICTIONAL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator

from api.app import create_app
from db.models import InboundRecord
from tests.channels.helpers import SMS_PATH, STATUS_PATH, channel_settings
from tests.fakes import FakeTwilio
from tests.fakes.twilio_server import new_sid, signed_request

PUBLIC_URL = "https://hotline.example.org"
RELATIVE = "+50255512345"  # fictional


@pytest.fixture
def client(db_url: str, fake_twilio: FakeTwilio) -> Iterator[TestClient]:
    with TestClient(create_app(channel_settings(db_url, PUBLIC_URL, twilio=fake_twilio))) as c:
        yield c


def recorded(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(InboundRecord)) or 0)


def inbound(fake: FakeTwilio, **fields: str) -> dict[str, str]:
    params = fake.inbound_params({"From": RELATIVE, "Body": "Hola"})
    params.update(fields)
    return params


def post(client: TestClient, fake: FakeTwilio, params: dict[str, str], path: str = SMS_PATH,
         signature_of: dict[str, str] | None = None) -> int:
    """POST ``params`` signed as Twilio signs ``signature_of`` (by default, the same params)."""
    headers, _ = signed_request(fake.auth_token, PUBLIC_URL + path, signature_of or params)
    return client.post(path, data=params, headers=headers).status_code


def test_a_re_split_signed_request_is_refused(client: TestClient, fake_twilio: FakeTwilio,
                                              session_factory: sessionmaker[Session]) -> None:
    original = inbound(fake_twilio, MessagingServiceSid=fake_twilio.messaging_service_sid)
    assert post(client, fake_twilio, original) == 200
    assert recorded(session_factory) == 1
    # The same signed bytes, split differently: MessageSid swallows MessagingServiceSid.
    resplit = dict(original)
    del resplit["MessagingServiceSid"]
    resplit["MessageSid"] = original["MessageSid"] + "MessagingServiceSid" + original["MessagingServiceSid"]
    validator = RequestValidator(fake_twilio.auth_token)
    signature = validator.compute_signature(PUBLIC_URL + SMS_PATH, original)
    assert validator.validate(PUBLIC_URL + SMS_PATH, resplit, signature)  # the signature does not see it
    assert post(client, fake_twilio, resplit, signature_of=original) == 400
    assert recorded(session_factory) == 1  # not processed as a new message


def test_a_request_for_another_twilio_account_is_refused(client: TestClient, fake_twilio: FakeTwilio,
                                                         session_factory: sessionmaker[Session]) -> None:
    assert post(client, fake_twilio, inbound(fake_twilio, AccountSid="AC" + "9" * 32)) == 403
    params = inbound(fake_twilio)
    del params["AccountSid"]
    assert post(client, fake_twilio, params) == 403
    assert recorded(session_factory) == 0


# Every Twilio webhook goes through the one check (api/twilio_verification.py).
EVERY_TWILIO_WEBHOOK = [SMS_PATH, STATUS_PATH, "/webhooks/twilio/voice", "/webhooks/twilio/voice?step=1",
                        "/webhooks/twilio/calls/1?event=status"]


@pytest.mark.parametrize("path", EVERY_TWILIO_WEBHOOK)
def test_every_twilio_webhook_refuses_a_missing_or_wrong_signature_and_another_account(
    client: TestClient, fake_twilio: FakeTwilio, path: str, session_factory: sessionmaker[Session]
) -> None:
    params = inbound(fake_twilio, CallSid="CA" + "0" * 32, CallStatus="completed")
    assert client.post(path, data=params).status_code == 403  # unsigned
    assert post(client, fake_twilio, params, path=path, signature_of={**params, "Body": "otro"}) == 403
    assert post(client, fake_twilio, {**params, "AccountSid": "AC" + "9" * 32}, path=path) == 403
    assert recorded(session_factory) == 0


@pytest.mark.parametrize("sid", [
    "SMturns0001", "SM" + "0" * 31, "SM" + "0" * 33, "SM" + "A" * 32, "XX" + "0" * 32, "",
    "SM" + "0" * 32 + "MessagingServiceSidMG" + "0" * 32,
])
def test_a_message_id_not_in_twilios_shape_is_refused(client: TestClient, fake_twilio: FakeTwilio, sid: str,
                                                      session_factory: sessionmaker[Session]) -> None:
    assert post(client, fake_twilio, inbound(fake_twilio, MessageSid=sid, SmsSid=sid, SmsMessageSid=sid)) == 400
    assert recorded(session_factory) == 0


def test_message_ids_that_disagree_are_refused(client: TestClient, fake_twilio: FakeTwilio) -> None:
    assert post(client, fake_twilio, inbound(fake_twilio, MessageSid=new_sid("SM"), SmsSid=new_sid("SM"))) == 400


@pytest.mark.parametrize("sender", ["50255512345", "+0255512345", "+502", "+5025551234567890",
                                    "whatsapp:50255512345", "tel:+50255512345", "+50255512345 ", "", "Juan"])
def test_a_sender_that_is_not_e164_is_refused(client: TestClient, fake_twilio: FakeTwilio, sender: str,
                                              session_factory: sessionmaker[Session]) -> None:
    assert post(client, fake_twilio, inbound(fake_twilio, From=sender)) == 400
    assert recorded(session_factory) == 0


@pytest.mark.parametrize("sender", ["+50255512345", "whatsapp:+50255512345", "+15005550006"])
def test_real_senders_and_media_ids_are_accepted(client: TestClient, fake_twilio: FakeTwilio, sender: str) -> None:
    assert post(client, fake_twilio, inbound(fake_twilio, From=sender)) == 200
    media = new_sid("MM")
    assert post(client, fake_twilio, inbound(fake_twilio, From=sender, MessageSid=media, SmsSid=media,
                                             SmsMessageSid=media)) == 200


def test_status_callbacks_check_the_account_and_the_message_id(client: TestClient, fake_twilio: FakeTwilio) -> None:
    ours = {"MessageSid": new_sid("SM"), "MessageStatus": "delivered", "AccountSid": fake_twilio.account_sid}
    assert post(client, fake_twilio, ours, STATUS_PATH) == 204
    assert post(client, fake_twilio, {**ours, "AccountSid": "AC" + "9" * 32}, STATUS_PATH) == 403
    assert post(client, fake_twilio, {**ours, "MessageSid": "SM123"}, STATUS_PATH) == 400
