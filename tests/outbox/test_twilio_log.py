"""Twilio's message log, as the outbox reads it to settle a send that a dying worker left in doubt:
the fake's list endpoint as Twilio describes it (OpenAPI), and ``TwilioSender.find_sent`` through
the real SDK. Numbers and texts are FICTIONAL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from twilio.rest import Client

from bot.channels.twilio_channel import TwilioSender
from bot.channels.twilio_http import RedirectingHttpClient
from bot.outbox.senders import SendError
from tests.fakes import FakeTwilio, openapi_check

LIST_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"


def _sender(fake: FakeTwilio) -> TwilioSender:
    client = Client(fake.account_sid, fake.auth_token, http_client=RedirectingHttpClient(fake.url))
    return TwilioSender(client, fake.phone_number, status_callback=None)


def _list(fake: FakeTwilio, **params: str) -> dict[str, Any]:
    r = httpx.get(f"{fake.url}/2010-04-01/Accounts/{fake.account_sid}/Messages.json", params=params,
                  auth=(fake.account_sid, fake.auth_token))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_the_fake_lists_messages_by_recipient_and_sent_date_as_twilio_describes(fake_twilio: FakeTwilio) -> None:
    sender = _sender(fake_twilio)
    fake_twilio.hand_to_carrier_after(0)
    for i in range(3):
        asyncio.run(sender.send("+50255581001", f"aviso {i} (ficticio)"))
    asyncio.run(sender.send("+50255581002", "otro (ficticio)"))
    today = datetime.now(UTC).date()
    page = _list(fake_twilio, To="+50255581001", **{"DateSent>": today.isoformat(), "PageSize": "2"})
    assert [m["body"] for m in page["messages"]] == ["aviso 2 (ficticio)", "aviso 1 (ficticio)"]  # newest first
    assert page["next_page_uri"] and "Page=1" in page["next_page_uri"]
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert _list(fake_twilio, To="+50255581001", **{"DateSent>": tomorrow})["messages"] == []
    if openapi_check.SPEC_PATH.exists():
        spec = openapi_check.load_spec(openapi_check.SPEC_PATH)
        schema = openapi_check.response_schema(spec, LIST_PATH, "get", "200")
        assert openapi_check.errors(page, schema, spec, strict=True) == []


def test_a_message_twilio_has_not_sent_yet_has_no_sent_date_to_match(fake_twilio: FakeTwilio) -> None:
    asyncio.run(_sender(fake_twilio).send("+50255581003", "en cola (ficticio)"))
    today = datetime.now(UTC).date().isoformat()
    assert _list(fake_twilio, To="+50255581003", **{"DateSent>": today})["messages"] == []
    fake_twilio.hand_to_carrier_after(0)
    assert len(_list(fake_twilio, To="+50255581003", **{"DateSent>": today})["messages"]) == 1


def test_find_sent_matches_the_exact_text_to_that_recipient_from_our_number(fake_twilio: FakeTwilio) -> None:
    sender = _sender(fake_twilio)
    fake_twilio.hand_to_carrier_after(0)
    since = datetime.now(UTC) - timedelta(minutes=5)
    sid = asyncio.run(sender.send("+50255581004", "Su consulta JRZ-TEST (ficticia)"))
    asyncio.run(sender.send("+50255581004", "Otro texto (ficticio)"))
    asyncio.run(sender.send("+50255581005", "Su consulta JRZ-TEST (ficticia)"))
    assert asyncio.run(sender.find_sent("+50255581004", "Su consulta JRZ-TEST (ficticia)", since)) == [sid]
    assert asyncio.run(sender.find_sent("+50255581004", "Nunca enviado (ficticio)", since)) == []
    whatsapp = sender.for_channel("whatsapp")
    wa_sid = asyncio.run(whatsapp.send("whatsapp:+50255581004", "Su consulta JRZ-TEST (ficticia)"))
    assert asyncio.run(whatsapp.find_sent("whatsapp:+50255581004", "Su consulta JRZ-TEST (ficticia)",
                                          since)) == [wa_sid]
    [call] = [c for c in fake_twilio.calls_of("messages.list")][-1:]
    assert call["status"] == 200


def test_an_unreadable_log_is_a_send_error(fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(1, 503, method="messages.list")
    with pytest.raises(SendError):
        asyncio.run(_sender(fake_twilio).find_sent("+50255581006", "x", datetime.now(UTC)))


def test_an_sms_row_with_accents_is_found_in_the_log_as_the_sender_folded_it(fake_twilio: FakeTwilio) -> None:
    sender = _sender(fake_twilio)
    fake_twilio.hand_to_carrier_after(0)
    since = datetime.now(UTC) - timedelta(minutes=5)
    row_text = "Mensaje del equipo: le llamamos mañana con información — gracias (ficticio)"
    sid = asyncio.run(sender.send("+50255581007", row_text))
    assert fake_twilio.bodies_to("+50255581007") == ["Mensaje del equipo: le llamamos mañana con informacion - "
                                                     "gracias (ficticio)"]
    # The row keeps what was queued: a send in doubt is still recognised in the log, not sent twice.
    assert asyncio.run(sender.find_sent("+50255581007", row_text, since)) == [sid]
