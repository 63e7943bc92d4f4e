"""WhatsApp's 24-hour window end to end (SPEC 6, issue 13): signed Twilio webhooks in, the outbox
worker with the real twilio SDK out, against the fake Twilio over HTTP, on both databases.

Outside the window nothing goes as free text: the text is held, one neutral template (ContentSid +
ContentVariables, checked against Twilio's OpenAPI description) tells the relative a message waits,
and the held texts go out once, in order, when they write again. Twilio's 63016 holds too.
Every number, name and text is FICTIONAL."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.console.format import local_time
from bot import texts_es as T
from bot import whatsapp_window
from bot.auth import create_token, create_user
from bot.cases import opening as case_service
from bot.outbox.worker import WorkerConfig
from bot.whatsapp_window import TEMPLATE_TEXT, WindowRules
from common.settings import Settings
from db.base import utcnow
from db.models import Case, Conversation, OutboundMessage
from db.repositories import outbox
from tests.channels.helpers import STATUS_PATH, channel_settings, drain, post_sms, run_turns, statuses
from tests.console.conftest import PASSWORD, login
from tests.fakes import FakeTwilio, openapi_check

PUBLIC_URL = "https://hotline.example.org"
RELATIVE = "whatsapp:+50255587001"  # fictional
TEMPLATE_SID = "HX" + "7e3a" * 8  # fictional
MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
# Words that would tell a status, or hint at a death, in Spanish (any form): never in a template.
STATUS_WORDS = ("fallec", "muert", "muri", "defunc", "difunt", "cadáver", "cuerpo", "hospital", "médic",
                "herid", "lesion", "traslad", "libert", "liberad", "deport", "regreso", "retorn", "a salvo",
                "con vida", "vivo", "detenid", "custodia", "verificad", "novedad", "lament", "pésame",
                "condolenc", "urgente", "llamar", "llamada")


@pytest.fixture
def wa_settings(db_url: str, fake_twilio: FakeTwilio) -> Settings:
    fake_twilio.add_content(TEMPLATE_SID, TEMPLATE_TEXT)  # registered and approved as docs/channels.md says
    return channel_settings(db_url, PUBLIC_URL, twilio=fake_twilio, twilio_whatsapp_template_sid=TEMPLATE_SID)


@pytest.fixture
def client(wa_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(wa_settings), base_url=PUBLIC_URL, raise_server_exceptions=False) as c:
        yield c


def send(factory: sessionmaker[Session], settings: Settings) -> None:
    """Run the turns and the outbox as ``hotline worker`` does (its WhatsApp rules included)."""
    drain(factory, settings, config=WorkerConfig(concurrency=1, idle_sleep=0.05,
                                                 whatsapp=WindowRules.from_settings(settings)))


def write(client: TestClient, fake: FakeTwilio, settings: Settings, body: str) -> None:
    r = post_sms(client, fake, settings, RELATIVE, body)
    assert r.status_code == 200, r.text


def last_wrote(factory: sessionmaker[Session], fake: FakeTwilio, hours_ago: float) -> None:
    """The relative's last message was this long ago (for the hotline and for Twilio alike)."""
    then = utcnow() - timedelta(hours=hours_ago)
    with factory.begin() as s:
        s.execute(update(Conversation).where(Conversation.address == RELATIVE).values(last_inbound_at=then))
    fake.note_inbound(RELATIVE, at=then)


def the_case(factory: sessionmaker[Session]) -> Case:
    with factory() as s:
        return s.scalars(select(Case)).one()


def reply(factory: sessionmaker[Session], text: str) -> int:
    """An operator's reply, through the console's and the API's service (framed as the team's)."""
    with factory.begin() as s:
        case = s.scalars(select(Case)).one()
        return case_service.queue_operator_reply(s, case, text, actor="user:test").id


def team(text: str) -> str:
    return T.OPERATOR_REPLY_PREFIX + text


def rows(factory: sessionmaker[Session]) -> list[OutboundMessage]:
    with factory() as s:
        return list(s.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def bodies(fake: FakeTwilio) -> list[str]:
    return fake.bodies_to(RELATIVE)


def free_text_requests(fake: FakeTwilio) -> list[dict[str, Any]]:
    return [c for c in fake.calls_of("messages.create") if "ContentSid" not in c["params"]]


def a_case_on_whatsapp(client: TestClient, fake: FakeTwilio, settings: Settings,
                       factory: sessionmaker[Session]) -> Case:
    """The relative writes, asks for a person (a case with a reference), and is answered."""
    write(client, fake, settings, "Hola")
    write(client, fake, settings, "HUMANO")
    send(factory, settings)
    return the_case(factory)


def assert_template_request(call: dict[str, Any], reference: str) -> None:
    """What the hotline asked Twilio for: the approved template and its one variable, never a Body,
    every parameter as Twilio's OpenAPI description defines it."""
    params = call["params"]
    assert call["status"] == 201
    assert "Body" not in params and "MediaUrl" not in params
    assert params["ContentSid"] == TEMPLATE_SID
    assert json.loads(params["ContentVariables"]) == {"1": reference}
    assert params["To"] == RELATIVE and params["From"] == f"whatsapp:{call_from_number(call)}"
    if openapi_check.SPEC_PATH.exists():
        spec = openapi_check.load_spec(openapi_check.SPEC_PATH)
        fields = openapi_check.request_fields(spec, MESSAGES_PATH, "post")
        for name, value in params.items():
            assert name in fields, f"{name} is no parameter of Twilio's Messages create"
            assert openapi_check.errors(value, fields[name], spec) == [], name
    text = " ".join(params.values()).lower()
    assert not [w for w in STATUS_WORDS if w in text], text


def call_from_number(call: dict[str, Any]) -> str:
    return str(call["params"]["From"]).removeprefix("whatsapp:")


# --- inside the window ---------------------------------------------------------------------------


def test_inside_the_window_replies_and_operator_messages_go_as_free_text(
    client: TestClient, fake_twilio: FakeTwilio, wa_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    fake_twilio.whatsapp_window(24 * 3600)  # Twilio would refuse free text outside it
    case = a_case_on_whatsapp(client, fake_twilio, wa_settings, session_factory)
    reply(session_factory, "Buenas tardes, soy Olga, del equipo. Revisamos su caso (ficticio).")
    send(session_factory, wa_settings)
    assert fake_twilio.template_requests() == []
    assert bodies(fake_twilio)[0] == T.WELCOME
    assert bodies(fake_twilio)[-1] == team("Buenas tardes, soy Olga, del equipo. Revisamos su caso (ficticio).")
    assert all("Body" in c["params"] and c["status"] == 201 for c in fake_twilio.calls_of("messages.create"))
    assert statuses(session_factory) == {"sent": len(bodies(fake_twilio))}
    assert case.reference in " ".join(bodies(fake_twilio))


# --- outside the window --------------------------------------------------------------------------


def test_outside_the_window_one_template_then_the_held_texts_once_in_order_when_the_relative_writes(
    client: TestClient, fake_twilio: FakeTwilio, wa_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    fake_twilio.whatsapp_window(24 * 3600)
    case = a_case_on_whatsapp(client, fake_twilio, wa_settings, session_factory)
    answered = len(bodies(fake_twilio))
    last_wrote(session_factory, fake_twilio, 25)

    first = reply(session_factory, "Primer mensaje del equipo (ficticio).")
    second = reply(session_factory, "Segundo mensaje del equipo (ficticio).")
    send(session_factory, wa_settings)
    # No free text was even tried: the hotline knew the window was closed.
    assert len(free_text_requests(fake_twilio)) == answered
    [template] = fake_twilio.template_requests()
    assert_template_request(template, case.reference)
    assert bodies(fake_twilio)[answered:] == [TEMPLATE_TEXT.replace("{{1}}", case.reference)]
    by_id = {r.id: r for r in rows(session_factory)}
    assert by_id[first].status == by_id[second].status == "held"  # held, not failed
    [template_row] = [r for r in by_id.values() if r.kind == "template"]
    assert template_row.status == "sent" and template_row.template_variables == {"1": case.reference}

    # More while it is closed: held too, and no second template for the same batch.
    third = reply(session_factory, "Tercer mensaje del equipo (ficticio).")
    send(session_factory, wa_settings)
    assert len(fake_twilio.template_requests()) == 1
    assert {r.id: r.status for r in rows(session_factory)}[third] == "held"

    # The relative answers the template: everything held goes, in order, and is the whole reply
    # (the dialogue does not take "Quiero leer el mensaje" for a name to look up).
    write(client, fake_twilio, wa_settings, "Quiero leer el mensaje")
    send(session_factory, wa_settings)
    assert bodies(fake_twilio)[answered + 1:] == [
        team("Primer mensaje del equipo (ficticio)."), team("Segundo mensaje del equipo (ficticio)."),
        team("Tercer mensaje del equipo (ficticio).")]
    send(session_factory, wa_settings)  # nothing left to send: each went exactly once
    assert Counter(bodies(fake_twilio)).most_common(1)[0][1] == 1
    assert "held" not in statuses(session_factory)
    assert len(fake_twilio.template_requests()) == 1
    assert all(c["status"] == 201 for c in fake_twilio.calls_of("messages.create"))


def test_a_message_of_substance_releases_the_held_texts_and_is_answered_after_them(
    client: TestClient, fake_twilio: FakeTwilio, wa_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    a_case_on_whatsapp(client, fake_twilio, wa_settings, session_factory)
    last_wrote(session_factory, fake_twilio, 48)
    reply(session_factory, "Seguimos con su caso (ficticio).")
    send(session_factory, wa_settings)
    answered = len(bodies(fake_twilio))
    write(client, fake_twilio, wa_settings, "Busco también a Rigoberto Andrés Quiñónez Paredes")
    send(session_factory, wa_settings)
    after = bodies(fake_twilio)[answered:]
    assert after[0] == team("Seguimos con su caso (ficticio).") and len(after) >= 2  # then the dialogue's answer
    assert statuses(session_factory).get("held", 0) == 0


@pytest.mark.parametrize(("text", "state", "only_asks"), [
    ("ok", {}, True), ("Leer", {}, True), ("Quiero leer el mensaje", {}, True), ("👍", {}, True),
    ("Gracias, buenas tardes", {}, True), ("Sí", {}, True), ("Sí", {"awaiting": "subscription"}, False),
    ("No", {}, False), ("Busco a José Luis Hernández", {}, False), ("HUMANO", {}, False),
    ("STOP", {}, False), (None, {}, False),
])
def test_what_counts_as_only_asking_to_read(text: str | None, state: dict[str, object], only_asks: bool) -> None:
    assert whatsapp_window.asks_to_read(text, state) is only_asks


def test_a_short_window_setting_closes_on_time(
    client: TestClient, fake_twilio: FakeTwilio, db_url: str, session_factory: sessionmaker[Session]
) -> None:
    fake_twilio.add_content(TEMPLATE_SID, TEMPLATE_TEXT)
    settings = channel_settings(db_url, PUBLIC_URL, twilio=fake_twilio, twilio_whatsapp_template_sid=TEMPLATE_SID,
                                whatsapp_window_hours=4 / 3600)
    write(client, fake_twilio, settings, "Hola")
    run_turns(session_factory, settings)  # the welcome is queued...
    time.sleep(4.2)  # ...and the window (4 s here) closes before it goes
    send(session_factory, settings)
    assert bodies(fake_twilio) == [TEMPLATE_TEXT.replace("{{1}}", whatsapp_window.NEUTRAL_SUBJECT)]
    [template] = fake_twilio.template_requests()
    assert json.loads(template["params"]["ContentVariables"]) == {"1": "en curso"}  # no case: neutral
    assert statuses(session_factory) == {"held": 2, "sent": 1}
    write(client, fake_twilio, settings, "Hola otra vez")
    send(session_factory, settings)
    assert bodies(fake_twilio)[1:3] == [T.WELCOME, T.ASK_NAME]


def test_no_status_and_no_hint_of_a_death_ever_reaches_a_template(
    client: TestClient, fake_twilio: FakeTwilio, wa_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    case = a_case_on_whatsapp(client, fake_twilio, wa_settings, session_factory)
    answered = len(bodies(fake_twilio))
    with session_factory.begin() as s:
        row = s.get(Case, case.id)
        assert row is not None
        # The family was told by phone; the team then writes, days later.
        row.reason, row.death_notified_at, row.death_notified_by = "death_notification", utcnow(), "user:test"
    last_wrote(session_factory, fake_twilio, 72)
    held = ("Lamentamos mucho el fallecimiento de Rigoberto (ficticio). Le acompañamos.",
            "El cuerpo está en el Hospital General Ficticio; le llamaremos para el traslado.")
    for text in held:
        reply(session_factory, text)
    with session_factory.begin() as s:
        conv = s.scalars(select(Conversation)).one()
        outbox.enqueue(s, channel="whatsapp", recipient=RELATIVE, conversation_id=conv.id, kind="notification",
                       text=f"Rigoberto Andrés Quiñónez Paredes: {T.STATUS_TEXT['hospitalized']} (ficticio).",
                       priority=outbox.PRIORITY_BULK)
    send(session_factory, wa_settings)
    [template] = fake_twilio.template_requests()
    assert_template_request(template, case.reference)
    sent = " ".join(bodies(fake_twilio)[answered:]).lower()
    assert "fallecimiento" not in sent and "hospital" not in sent and "con vida" not in sent
    assert statuses(session_factory)["held"] == 3


# --- Twilio's 63016 --------------------------------------------------------------------------------


def test_63016_from_the_api_call_holds_the_text_and_sends_the_template_once(
    client: TestClient, fake_twilio: FakeTwilio, wa_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    case = a_case_on_whatsapp(client, fake_twilio, wa_settings, session_factory)
    # The hotline believes the window open; Twilio's clock says it closed (it refuses at once).
    fake_twilio.whatsapp_window(24 * 3600, refuse="create")
    fake_twilio.note_inbound(RELATIVE, at=utcnow() - timedelta(hours=30))
    first = reply(session_factory, "Un mensaje que Twilio rechaza (ficticio).")
    second = reply(session_factory, "Otro detrás de él (ficticio).")
    send(session_factory, wa_settings)
    refused = [c for c in fake_twilio.calls_of("messages.create") if c["error_code"] == 63016]
    assert len(refused) == 1  # the second waited behind the first instead of being refused too
    [template] = fake_twilio.template_requests()
    assert_template_request(template, case.reference)
    by_id = {r.id: r for r in rows(session_factory)}
    assert by_id[first].status == by_id[second].status == "held"
    assert by_id[first].attempts == 0  # nothing went out: no attempt counted
    assert "failed" not in statuses(session_factory) and "dead" not in statuses(session_factory)

    write(client, fake_twilio, wa_settings, "Aquí estoy")
    send(session_factory, wa_settings)
    assert bodies(fake_twilio).count(team("Un mensaje que Twilio rechaza (ficticio).")) == 1
    assert bodies(fake_twilio).count(team("Otro detrás de él (ficticio).")) == 1
    assert len(fake_twilio.template_requests()) == 1


def test_63016_by_status_callback_turns_the_sent_row_into_a_held_one_and_sends_the_template_once(
    client: TestClient, fake_twilio: FakeTwilio, wa_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    case = a_case_on_whatsapp(client, fake_twilio, wa_settings, session_factory)
    fake_twilio.whatsapp_window(24 * 3600, refuse="callback")  # accepted, then failed
    fake_twilio.note_inbound(RELATIVE, at=utcnow() - timedelta(hours=30))
    held_id = reply(session_factory, "Mensaje aceptado y luego rechazado (ficticio).")
    send(session_factory, wa_settings)
    assert {r.id: r.status for r in rows(session_factory)}[held_id] == "sent"
    [refused_sid] = [m["sid"] for m in fake_twilio.messages
                     if m["body"] == team("Mensaje aceptado y luego rechazado (ficticio).")]
    url, headers, form = fake_twilio.status_callback_request(refused_sid, "failed", error_code=63016)
    assert url == PUBLIC_URL + STATUS_PATH
    for _ in range(2):  # Twilio may call back twice: still one held row, one template
        assert client.post(STATUS_PATH, data=form, headers=headers).status_code == 204
    row = {r.id: r for r in rows(session_factory)}[held_id]
    assert row.status == "held" and row.provider_id == refused_sid
    send(session_factory, wa_settings)
    [template] = fake_twilio.template_requests()
    assert_template_request(template, case.reference)

    write(client, fake_twilio, wa_settings, "Hola de nuevo")
    send(session_factory, wa_settings)
    assert bodies(fake_twilio).count(team("Mensaje aceptado y luego rechazado (ficticio).")) == 2  # refused, then read
    row = {r.id: r for r in rows(session_factory)}[held_id]
    assert row.status == "sent" and row.provider_id != refused_sid
    # A late copy of the old callback changes nothing now.
    assert client.post(STATUS_PATH, data=form, headers=headers).status_code == 204
    assert {r.id: r.status for r in rows(session_factory)}[held_id] == "sent"
    assert len(fake_twilio.template_requests()) == 1


# --- without a template --------------------------------------------------------------------------


def test_without_a_template_configured_the_text_is_held_never_tried_and_the_console_says_so(
    fake_twilio: FakeTwilio, db_url: str, session_factory: sessionmaker[Session]
) -> None:
    settings = channel_settings(db_url, PUBLIC_URL, twilio=fake_twilio)  # no TWILIO_WHATSAPP_TEMPLATE_SID
    with TestClient(create_app(settings), base_url=PUBLIC_URL, raise_server_exceptions=False) as client:
        case = a_case_on_whatsapp(client, fake_twilio, settings, session_factory)
        calls = len(fake_twilio.calls_of("messages.create"))
        last_wrote(session_factory, fake_twilio, 25)
        reply(session_factory, "Mensaje sin plantilla (ficticio).")
        send(session_factory, settings)
        assert len(fake_twilio.calls_of("messages.create")) == calls  # neither free text nor a template
        assert statuses(session_factory)["held"] == 1
        page = console_case_page(client, session_factory, case.id)
        assert "No hay plantilla de WhatsApp configurada" in page
        assert "1 mensaje, el más antiguo del" in page


# --- the console and the API ---------------------------------------------------------------------


def console_case_page(client: TestClient, factory: sessionmaker[Session], case_id: int) -> str:
    with factory.begin() as s:
        create_user(s, "olga", "operator", PASSWORD, actor="test")
    login(client, "olga")
    r = client.get(f"/console/cases/{case_id}")
    assert r.status_code == 200, r.text
    return r.text


def test_the_console_and_the_api_show_the_window_and_what_is_held(
    client: TestClient, fake_twilio: FakeTwilio, wa_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    case = a_case_on_whatsapp(client, fake_twilio, wa_settings, session_factory)
    with session_factory() as s:
        conv = s.scalars(select(Conversation)).one()
    closes = conv.last_inbound_at + timedelta(hours=24)  # type: ignore[operator]
    page = console_case_page(client, session_factory, case.id)
    assert f"abierta</span> hasta {local_time(closes, wa_settings.hotline_timezone)}" in page
    assert 'id="whatsapp-held">ninguno' in page

    last_wrote(session_factory, fake_twilio, 30)
    reply(session_factory, "Mensaje retenido uno (ficticio).")
    reply(session_factory, "Mensaje retenido dos (ficticio).")
    send(session_factory, wa_settings)
    held = [r for r in rows(session_factory) if r.status == "held"]
    with session_factory() as s:
        conv = s.scalars(select(Conversation)).one()
    closed = conv.last_inbound_at + timedelta(hours=24)  # type: ignore[operator]
    page = client.get(f"/console/cases/{case.id}").text
    assert f"cerrada</span> desde {local_time(closed, wa_settings.hotline_timezone)}" in page
    assert f"2 mensajes, el más antiguo del {local_time(held[0].created_at, wa_settings.hotline_timezone)}" in page
    assert "aviso por plantilla: enviado" in page
    assert page.count("retenido hasta que el familiar escriba") == 2  # the transcript says it per message
    assert "plantilla de WhatsApp" in page

    with session_factory.begin() as s:
        _, secret = create_token(s, "panel de prueba", "viewer", actor="test")
    r = client.get(f"/api/v1/cases/{case.id}", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 200, r.text
    window = r.json()["whatsapp"]
    assert window["open"] is False and window["held"] == 2 and window["template_configured"] is True
    assert window["template_status"] == "sent" and window["closes_at"] is not None
    assert window["oldest_held_at"] is not None
    listed = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).json()
    assert listed["items"][0]["whatsapp"] is None
