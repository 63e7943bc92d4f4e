"""Calling the family through the hotline (``POST /api/v1/cases/{id}/calls``), against the fake
Twilio: the operator's phone rings first, then the relative is dialled with the hotline's number as
caller id; the legs, the duration and the outcome come back through signed status callbacks.

All numbers, names and texts are FICTIONAL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from bot.auth import create_token, create_user
from common.settings import Settings
from db.models import AuditEvent, Case, CaseCall, Conversation
from tests.channels.helpers import channel_settings
from tests.fakes import FakeTwilio

OPERATOR_PHONE = "+50255590100"  # fictional
ACCOUNT_PHONE = "+50255590200"  # fictional
CALLBACK = "+50254123456"  # fictional: the number a web-chat relative gave
SMS_RELATIVE = "+50255510999"  # fictional
PASSWORD = "contraseña-de-prueba-1"  # fictional


@pytest.fixture
def twilio_settings(db_url: str, fake_twilio: FakeTwilio) -> Settings:
    return channel_settings(db_url, "http://testserver", twilio=fake_twilio)


@pytest.fixture
def api(twilio_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(twilio_settings), raise_server_exceptions=True) as c:
        yield c


@dataclass
class World:
    webchat_case: int  # death notification on the web chat, a call-back number given
    sms_case: int  # death notification by SMS: the conversation's number
    no_number_case: int  # web chat, no number given
    resolved_case: int
    integration: dict[str, str]  # a token of no console user
    olga: dict[str, str]  # a token of the console user olga, whose account has a phone
    viewer: dict[str, str]


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    with session_factory.begin() as s:
        olga = create_user(s, "olga", "operator", PASSWORD, actor="test", phone=ACCOUNT_PHONE)
        _, integration = create_token(s, "centralita", "operator", actor="test")
        _, mine = create_token(s, "olga", "operator", actor="test", user=olga)
        _, viewer = create_token(s, "consulta", "viewer", actor="test")
        web = Conversation(channel="local", address="web-5f1c0de0a1b2c3d4")
        web2 = Conversation(channel="local", address="web-99aa00bb11cc22dd")
        sms = Conversation(channel="sms", address=SMS_RELATIVE)
        s.add_all([web, web2, sms])
        s.flush()
        cases = [
            Case(reference="TST-CALL", conversation_id=web.id, reason="death_notification", priority="urgent",
                 status="open", channel="local", callback_phone=CALLBACK),
            Case(reference="TST-CSMS", conversation_id=sms.id, reason="death_notification", priority="urgent",
                 status="open", channel="sms"),
            Case(reference="TST-NONR", conversation_id=web2.id, reason="death_notification", priority="urgent",
                 status="open", channel="local"),
            Case(reference="TST-RESV", conversation_id=sms.id, reason="other", priority="normal", status="resolved",
                 channel="sms"),
        ]
        s.add_all(cases)
        s.flush()

        def bearer(secret: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {secret}"}

        return World(cases[0].id, cases[1].id, cases[2].id, cases[3].id, bearer(integration), bearer(mine),
                     bearer(viewer))


def poster(client: TestClient):  # type: ignore[no-untyped-def]
    """How the fake reaches the app: TestClient takes the absolute URLs Twilio signed."""
    return lambda url, headers, form: client.post(url, data=form, headers=headers)


def test_a_call_rings_the_operator_then_the_family_through_the_hotline_number(
    api: TestClient, world: World, fake_twilio: FakeTwilio, session_factory: sessionmaker[Session]
) -> None:
    r = api.post(f"/api/v1/cases/{world.webchat_case}/calls", json={"operator_phone": "+502 5559 0100"},
                 headers=world.integration)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["operator_status"] == "queued" and body["outcome"] is None
    assert body["operator_phone"] == "+502 ****0100" and body["relative_phone"] == "+502 ****3456"
    assert CALLBACK not in r.text and OPERATOR_PHONE not in r.text

    [create] = fake_twilio.calls_of("calls.create")
    assert create["params"]["To"] == OPERATOR_PHONE  # Twilio rings the operator first...
    assert create["params"]["From"] == fake_twilio.phone_number  # ...from the hotline's number
    assert CALLBACK not in json.dumps(create["params"])  # the relative's number is not even in the request
    assert set(create["events"]) == {"initiated", "ringing", "answered", "completed"}

    responses = fake_twilio.run_call(create["sid"], poster(api), seconds=187)
    assert all(resp.status_code in (200, 204) for resp in responses), [resp.text for resp in responses]
    answer = next(resp.text for resp in responses if "<Dial" in resp.text)
    assert "Le comunicamos con la familia del caso T S T, C A L L" in answer
    assert f'callerId="{fake_twilio.phone_number}"' in answer

    # The fake recorded both legs: each side saw only the hotline's number.
    parent, child = fake_twilio.call_legs
    assert (parent["to"], parent["from"], parent["status"]) == (OPERATOR_PHONE, fake_twilio.phone_number, "completed")
    assert (child["to"], child["from"], child["parent_sid"]) == (CALLBACK, fake_twilio.phone_number, parent["sid"])
    assert (child["status"], child["duration"]) == ("completed", 187)

    with session_factory() as s:
        call = s.scalars(select(CaseCall)).one()
        assert (call.operator_status, call.relative_status, call.relative_seconds, call.outcome) == (
            "completed", "completed", 187, "connected")
        assert call.parent_sid == parent["sid"] and call.child_sid == child["sid"]
        assert call.connected_at is not None and call.ended_at is not None
        case = s.get(Case, world.webchat_case)
        assert case is not None and case.last_contact_at is not None
        events = s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "case",
                                                    AuditEvent.subject_id == str(world.webchat_case))
                           .order_by(AuditEvent.id)).all()
    actions = [e.action for e in events]
    assert actions == ["call_placed", "call_leg_ended", "call_leg_ended", "call_ended"]
    assert events[0].details["relative_phone"] == "+502 ****3456"
    assert events[-1].details["outcome"] == "connected" and events[-1].details["relative_seconds"] == 187
    assert CALLBACK not in json.dumps([e.details for e in events])

    listed = api.get(f"/api/v1/cases/{world.webchat_case}/calls", headers=world.viewer)
    assert listed.status_code == 200
    [shown] = listed.json()
    assert shown["outcome"] == "connected" and shown["outcome_text"] == "Conversación con la familia"
    assert CALLBACK not in listed.text and OPERATOR_PHONE not in listed.text

    # A redelivered final callback changes nothing and audits nothing twice.
    again = fake_twilio._leg_params(parent["sid"], OPERATOR_PHONE, fake_twilio.phone_number, "completed",
                                    "outbound-api", CallDuration="300")
    url = f"http://testserver/webhooks/twilio/calls/{shown['id']}?event=status"
    assert api.post(url, data=again, headers=fake_twilio._signed(url, again)[0]).status_code == 204
    with session_factory() as s:
        assert s.scalars(select(CaseCall)).one().operator_seconds == 192
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.action == "call_ended")).all()) == 1


def test_the_sms_number_and_the_accounts_phone_are_used_by_default(
    api: TestClient, world: World, fake_twilio: FakeTwilio, session_factory: sessionmaker[Session]
) -> None:
    r = api.post(f"/api/v1/cases/{world.sms_case}/calls", headers=world.olga)
    assert r.status_code == 202, r.text
    [create] = fake_twilio.calls_of("calls.create")
    assert create["params"]["To"] == ACCOUNT_PHONE
    fake_twilio.run_call(create["sid"], poster(api), relative="no-answer")
    parent, child = fake_twilio.call_legs
    assert child["to"] == SMS_RELATIVE and child["from"] == fake_twilio.phone_number
    with session_factory() as s:
        call = s.scalars(select(CaseCall)).one()
        assert (call.outcome, call.user_id is not None, call.placed_by.startswith("token:")) == (
            "relative_no-answer", True, True)


@pytest.mark.parametrize("presses", [None, "2", "9"], ids=["voicemail-silence", "pressed-2", "pressed-9"])
def test_a_phone_that_answers_without_pressing_1_never_gets_the_family_dialled(
    api: TestClient, world: World, fake_twilio: FakeTwilio, session_factory: sessionmaker[Session],
    presses: str | None,
) -> None:
    """A voicemail or an answering machine picks up the operator's phone: it must not be put through
    to a family (about a death, perhaps), and it must not record anything about the case."""
    assert api.post(f"/api/v1/cases/{world.webchat_case}/calls", headers=world.olga).status_code == 202
    [create] = fake_twilio.calls_of("calls.create")
    responses = fake_twilio.run_call(create["sid"], poster(api), presses=presses)
    first = next(resp.text for resp in responses if "<Gather" in resp.text)
    assert "pulse 1" in first and "<Dial" not in first and "T S T" not in first and CALLBACK not in first
    assert not any("<Dial" in resp.text for resp in responses)
    assert len(fake_twilio.call_legs) == 1  # the operator's leg only: the family's phone never rang
    with session_factory() as s:
        call = s.scalars(select(CaseCall)).one()
        assert (call.relative_status, call.outcome) == (None, "operator_hung_up")
    shown = api.get(f"/api/v1/cases/{world.webchat_case}/calls", headers=world.viewer).json()[0]
    assert "pulsó 1" in shown["outcome_text"]


def test_an_operator_who_does_not_answer_never_gets_the_family_dialled(
    api: TestClient, world: World, fake_twilio: FakeTwilio, session_factory: sessionmaker[Session]
) -> None:
    assert api.post(f"/api/v1/cases/{world.sms_case}/calls", headers=world.olga).status_code == 202
    [create] = fake_twilio.calls_of("calls.create")
    fake_twilio.run_call(create["sid"], poster(api), operator="no-answer")
    assert len(fake_twilio.call_legs) == 1
    with session_factory() as s:
        assert s.scalars(select(CaseCall)).one().outcome == "operator_no-answer"


@pytest.mark.parametrize(("case_attr", "headers_attr", "body", "reason", "code"), [
    ("no_number_case", "integration", {"operator_phone": OPERATOR_PHONE}, "no number of the family is known",
     "no_family_number"),
    ("resolved_case", "integration", {"operator_phone": OPERATOR_PHONE}, "the case is resolved", "case_closed"),
    ("sms_case", "integration", None, "no operator phone", "no_operator_phone"),
    ("sms_case", "integration", {"operator_phone": "12345"}, "not a valid number", "operator_phone_invalid"),
])
def test_a_call_that_cannot_be_made_is_a_409_in_english(
    api: TestClient, world: World, fake_twilio: FakeTwilio, session_factory: sessionmaker[Session],
    case_attr: str, headers_attr: str, body: dict[str, str] | None, reason: str, code: str,
) -> None:
    r = api.post(f"/api/v1/cases/{getattr(world, case_attr)}/calls", json=body, headers=getattr(world, headers_attr))
    assert r.status_code == 409 and reason in r.json()["detail"] and r.json()["code"] == code
    assert fake_twilio.calls_of("calls.create") == []
    with session_factory() as s:
        assert s.scalars(select(CaseCall)).all() == []


def test_twilio_off_is_a_409(settings: Settings, world: World) -> None:
    with TestClient(create_app(settings)) as client:
        r = client.post(f"/api/v1/cases/{world.sms_case}/calls", headers=world.olga)
    assert r.status_code == 409 and "Twilio is off" in r.json()["detail"]


def test_a_call_twilio_refuses_is_recorded_and_a_409(
    api: TestClient, world: World, fake_twilio: FakeTwilio, session_factory: sessionmaker[Session]
) -> None:
    fake_twilio.reject_to(ACCOUNT_PHONE, 13227, "Geo Permission configuration is not permitting call")
    r = api.post(f"/api/v1/cases/{world.sms_case}/calls", headers=world.olga)
    assert r.status_code == 409 and "Twilio refused the call (error 13227)" in r.json()["detail"]
    assert r.json()["code"] == "provider_refused"
    with session_factory() as s:
        call = s.scalars(select(CaseCall)).one()
        assert (call.outcome, call.ended_at is not None) == ("not_placed", True)
        # What the console shows with the call, and the audit trail, keep the operator's words.
        assert call.error is not None and call.error.startswith("Twilio no aceptó la llamada (error 13227)")
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "call_failed")).one()


def test_call_webhooks_are_signed_and_ignore_other_calls(
    api: TestClient, world: World, fake_twilio: FakeTwilio, session_factory: sessionmaker[Session]
) -> None:
    r = api.post(f"/api/v1/cases/{world.webchat_case}/calls", json={"operator_phone": OPERATOR_PHONE},
                 headers=world.integration)
    call_id = r.json()["id"]
    [create] = fake_twilio.calls_of("calls.create")
    url = f"http://testserver/webhooks/twilio/calls/{call_id}?event=answer"
    form = fake_twilio._leg_params(create["sid"], OPERATOR_PHONE, fake_twilio.phone_number, "in-progress",
                                   "outbound-api")
    assert api.post(url, data=form).status_code == 403  # unsigned
    # Another call's sid (signed, but not this row's) is not dialled to the family.
    other = dict(form, CallSid=fake_twilio.new_call_sid())
    answered = api.post(url, data=other, headers=fake_twilio._signed(url, other)[0])
    assert answered.status_code == 200 and "<Dial" not in answered.text and CALLBACK not in answered.text
    bad = dict(form, CallSid="CA-not-a-sid")
    assert api.post(url, data=bad, headers=fake_twilio._signed(url, bad)[0]).status_code == 400
    missing = "http://testserver/webhooks/twilio/calls/999999?event=status"
    assert api.post(missing, data=form, headers=fake_twilio._signed(missing, form)[0]).status_code == 404
