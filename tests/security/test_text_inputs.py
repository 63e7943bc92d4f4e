"""Findings 9 and 11 where text enters other than the API: the roster importer names the line, the
column and the character; webhooks record a relative's message without control characters or lone
surrogates, and a Telegram update carrying one is answered 200 once, never a 500 Telegram would
redeliver forever. Every name, number and chat here is FICTIONAL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from bot.roster.importer import import_roster
from common.text import forbidden_character, strip_forbidden
from db.models import InboundRecord
from tests.channels.helpers import SECRET_HEADER, TELEGRAM_PATH, TELEGRAM_SECRET, channel_settings, post_sms
from tests.fakes import FakeTelegram, FakeTwilio

PUBLIC_URL = "https://hotline.example.org"


def test_the_importer_names_the_line_the_column_and_the_character(
        tmp_path: Path, session_factory: sessionmaker[Session]) -> None:
    roster = tmp_path / "lista.csv"
    roster.write_text("nombres;apellidos;ubicacion;verificado_en\n"
                      "Ana;Pérez López;Albergue;\n"
                      "José\x07Luis;Hernández;Albergue;\n"
                      "Rosa;Díaz\x7f;Hospital\x85Ficticio;\n"
                      "Luis;Mora;Albergue;0001-01-01T00:00:00+14:00\n", encoding="utf-8")
    report = import_roster(session_factory, str(roster), incident_name="Lista ficticia")
    assert not report.written
    messages = [str(e) for e in report.errors]
    assert "line 3, column nombres: contains a control character (U+0007)" in messages
    assert "line 4, column apellidos: contains a control character (U+007F)" in messages
    assert "line 4, column ubicacion: contains a control character (U+0085)" in messages
    assert any(m.startswith("line 5, column verificado_en: ") for m in messages)  # not a crash


@pytest.fixture
def telegram_client(db_url: str, fake_telegram: FakeTelegram) -> Iterator[TestClient]:
    with TestClient(create_app(channel_settings(db_url, PUBLIC_URL, telegram=fake_telegram))) as c:
        yield c


def texts(factory: sessionmaker[Session]) -> list[str | None]:
    with factory() as s:
        return list(s.scalars(select(InboundRecord.text).order_by(InboundRecord.id)))


def test_a_telegram_update_with_a_lone_surrogate_is_answered_200_once_and_recorded_clean(
        telegram_client: TestClient, session_factory: sessionmaker[Session]) -> None:
    update = {"update_id": 910001, "message": {"message_id": 1, "date": 1_700_000_000,
                                               "chat": {"id": 700000001, "type": "private"},
                                               "from": {"id": 700000001, "is_bot": False, "first_name": "Ficticia"},
                                               "text": "Busco a Ana \ud83d P\x00érez\x07"}}
    body = json.dumps(update).encode()  # "\ud83d" escaped, as Telegram sends it
    headers = {"Content-Type": "application/json", SECRET_HEADER: TELEGRAM_SECRET}
    for _ in range(3):  # Telegram would redeliver anything but a 2xx
        assert telegram_client.post(TELEGRAM_PATH, content=body, headers=headers).status_code == 200
    assert texts(session_factory) == ["Busco a Ana  Pérez"]


@pytest.fixture
def sms_client(db_url: str, fake_twilio: FakeTwilio) -> Iterator[TestClient]:
    with TestClient(create_app(channel_settings(db_url, PUBLIC_URL, twilio=fake_twilio))) as c:
        yield c


def test_an_sms_with_control_characters_is_recorded_without_them(
        sms_client: TestClient, fake_twilio: FakeTwilio, db_url: str, session_factory: sessionmaker[Session]) -> None:
    settings = channel_settings(db_url, PUBLIC_URL, twilio=fake_twilio)
    r = post_sms(sms_client, fake_twilio, settings, "+50255512345", "Hola\x00\x1b[2J\x7f\nBusco a Ana")
    assert r.status_code == 200
    assert texts(session_factory) == ["Hola[2J\nBusco a Ana"]


@pytest.mark.parametrize("text", ["\x00", "a\x08b", "\x1b", "\x7f", "\x85", "\ud800", "\udfff", "\ufffe", "\uffff"])
def test_every_character_xml_or_a_database_cannot_hold_is_caught(text: str) -> None:
    assert forbidden_character(text) is not None
    assert forbidden_character(strip_forbidden(text)) is None


@pytest.mark.parametrize("text", ["José Hernández", "Línea 1\nLínea 2\tcon tab\r\n", "ñ ü ¿¡ 😀", "\u00a0"])
def test_what_people_write_is_kept(text: str) -> None:
    assert forbidden_character(text) is None and strip_forbidden(text) == text


@pytest.mark.parametrize("message", [
    {"chat": 5, "text": "Hola"},
    {"chat": [], "text": "Hola"},
    {"chat": {"id": True, "type": "private"}, "text": "Hola"},
    {"chat": {"id": "700000002", "type": "private"}, "text": "Hola"},
    {"chat": {"id": 700000002, "type": ["private"]}, "text": "Hola"},
    {"chat": {"id": 700000002, "type": "private"}, "text": 5},
    "no es un mensaje",
])
def test_a_malformed_telegram_update_is_answered_200_and_recorded_nowhere(
        telegram_client: TestClient, session_factory: sessionmaker[Session], message: object) -> None:
    body = json.dumps({"update_id": 910002, "message": message}).encode()
    headers = {"Content-Type": "application/json", SECRET_HEADER: TELEGRAM_SECRET}
    assert telegram_client.post(TELEGRAM_PATH, content=body, headers=headers).status_code == 200
    assert texts(session_factory) == []
