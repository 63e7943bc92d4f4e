""""Llamar" on the case page (HTTP level, SQLite and PostgreSQL), against the fake Twilio: the call
rings the operator's phone, then the family through the hotline's number; the page never shows the
family's whole number; a completed call fills the death-notification form. All data FICTIONAL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from common.settings import Settings
from db.models import Case, CaseCall, Conversation, InboundRecord, User
from tests.channels.helpers import channel_settings
from tests.console.conftest import USERS, login, page_csrf
from tests.fakes import FakeTwilio

CALLBACK = "+50254123456"  # fictional: what a web-chat relative gave
TYPED_PHONE = "+50255590100"  # fictional: the phone an operator types for one call
ACCOUNT_PHONE = "+50255590200"  # fictional


@pytest.fixture
def twilio_app(db_url: str, fake_twilio: FakeTwilio):  # type: ignore[no-untyped-def]
    settings: Settings = channel_settings(db_url, "http://testserver", twilio=fake_twilio)
    return create_app(settings)


@pytest.fixture
def olga(twilio_app, accounts: dict[str, int], session_factory: sessionmaker[Session]) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with session_factory.begin() as s:
        s.execute(update(User).where(User.id == accounts["operator"]).values(phone=ACCOUNT_PHONE))
    with TestClient(twilio_app) as client:
        yield login(client, USERS["operator"])


@pytest.fixture
def cases(session_factory: sessionmaker[Session]) -> dict[str, int]:
    with session_factory.begin() as s:
        web = Conversation(channel="local", address="web-5f1c0de0a1b2c3d4")
        silent = Conversation(channel="telegram", address="987650001")
        s.add_all([web, silent])
        s.flush()
        death = Case(reference="TST-LLAM", conversation_id=web.id, reason="death_notification", priority="urgent",
                     status="open", channel="local", callback_phone=CALLBACK)
        no_number = Case(reference="TST-SINN", conversation_id=silent.id, reason="death_notification",
                         priority="urgent", status="open", channel="telegram")
        s.add_all([death, no_number])
        s.flush()
        return {"death": death.id, "no_number": no_number.id}


def test_an_operator_calls_the_family_and_the_call_fills_the_death_notification(
    olga: TestClient, cases: dict[str, int], fake_twilio: FakeTwilio, session_factory: sessionmaker[Session]
) -> None:
    path = f"/console/cases/{cases['death']}"
    page = olga.get(path)
    assert "+502 ****3456" in page.text and CALLBACK not in page.text
    assert 'id="call-form"' in page.text and "+502 ****0200" in page.text  # the account's phone, masked

    r = olga.post(f"{path}/call", data={"csrf_token": page_csrf(olga, path), "operator_phone": TYPED_PHONE},
                  follow_redirects=True)
    assert r.status_code == 200 and "Llamada en curso" in r.text
    [create] = fake_twilio.calls_of("calls.create")
    assert create["params"]["To"] == TYPED_PHONE and create["params"]["From"] == fake_twilio.phone_number

    fake_twilio.run_call(create["sid"], lambda url, headers, form: olga.post(url, data=form, headers=headers),
                         seconds=187)
    assert fake_twilio.call_legs[1]["to"] == CALLBACK

    page = olga.get(path)
    assert CALLBACK not in page.text and TYPED_PHONE not in page.text
    table = page.text[page.text.index('id="calls-table"'):]
    assert "Conversación con la familia" in table and "3 min 07 s" in table and "olga" in table
    draft = re.search(r'<textarea name="note" rows="4"[^>]*>([^<]*)</textarea>', page.text)
    assert draft is not None
    assert draft.group(1).startswith("olga llamó a la familia (+502 ****3456) por la línea el ")
    assert "conversación de 3 min 07 s. Se dijo:" in draft.group(1)

    note = draft.group(1) + "se informó del fallecimiento con cuidado (ficticio)."
    r = olga.post(f"{path}/death-notification", data={"csrf_token": page_csrf(olga, path), "note": note},
                  follow_redirects=True)
    assert "Notificación de fallecimiento registrada." in r.text
    r = olga.post(f"{path}/resolve", data={"csrf_token": page_csrf(olga, path), "note": "familia informada"},
                  follow_redirects=True)
    assert "Caso resuelto." in r.text
    with session_factory() as s:
        case = s.get(Case, cases["death"])
        assert case is not None and case.status == "resolved" and case.death_notified_by == "user:olga"
        assert s.scalars(select(CaseCall)).one().outcome == "connected"


def test_without_a_number_there_is_no_call_button_and_a_posted_call_is_refused(
    olga: TestClient, cases: dict[str, int], fake_twilio: FakeTwilio
) -> None:
    path = f"/console/cases/{cases['no_number']}"
    page = olga.get(path)
    assert 'id="no-call-number"' in page.text and 'id="call-form"' not in page.text
    r = olga.post(f"{path}/call", data={"csrf_token": page_csrf(olga, path)})
    assert r.status_code == 409 and "No hay número de la familia" in r.text
    assert fake_twilio.calls_of("calls.create") == []


def test_the_accounts_phone_rings_when_none_is_typed(
    olga: TestClient, cases: dict[str, int], fake_twilio: FakeTwilio
) -> None:
    path = f"/console/cases/{cases['death']}"
    olga.post(f"{path}/call", data={"csrf_token": page_csrf(olga, path), "operator_phone": ""})
    [create] = fake_twilio.calls_of("calls.create")
    assert create["params"]["To"] == ACCOUNT_PHONE
    fake_twilio.run_call(create["sid"], lambda url, headers, form: olga.post(url, data=form, headers=headers),
                         operator="no-answer")
    page = olga.get(path)
    assert "Su teléfono no contestó" in page.text
    assert "Rellenado con la última llamada" not in page.text  # nobody spoke with the family yet


def test_a_number_the_relative_wrote_is_masked_on_the_case_page_and_its_live_transcript(
    olga: TestClient, cases: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    """The whole number is for Twilio only: the transcript shows what the relative wrote with any
    phone number in it masked, and keeps a birth date written as digits."""
    written = ["mi número es +502 5412 3456, llámenme por favor", "o al 5412-3456 de mi hermana",
               "nació el 12031988, o 12/03/1988"]
    with session_factory.begin() as s:
        case = s.get(Case, cases["death"])
        assert case is not None
        for n, text in enumerate(written):
            s.add(InboundRecord(conversation_id=case.conversation_id, channel="local",
                                 address="web-5f1c0de0a1b2c3d4", provider_id=f"mask-{n}", text=text,
                                 state="done"))
    path = f"/console/cases/{cases['death']}"
    for page in (olga.get(path), olga.get(f"{path}/transcript", headers={"X-Console-Refresh": "1"})):
        assert page.status_code == 200
        shown = re.sub(r"\s+", " ", page.text)
        assert "5412 3456" not in shown and "5412-3456" not in shown and "54123456" not in shown
        assert "+502 ****3456" in shown and "al ****3456" in shown
        assert "12031988" in shown and "12/03/1988" in shown  # a birth date is not a phone number
