"""Held WhatsApp messages keep the outbox's exactly-once promise (issue 13): when the relatives write
again, what was held for them goes out once each, in order, though two workers compete for the rows,
one of them stalls past its leases, or real ``hotline worker`` processes run the turns and the
outbox. The real senders against the fake Twilio over HTTP; what reached the fake is what is counted.
Numbers and texts are FICTIONAL."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.composition import build_senders
from bot.outbox.worker import OutboxWorker, WorkerConfig
from bot.whatsapp_window import TEMPLATE_TEXT, WindowRules
from common.settings import Settings
from db.base import utcnow
from db.models import Conversation, OutboundMessage
from db.repositories import outbox
from tests.channels.helpers import channel_settings, drain, post_sms, provider_env, run_turns, statuses
from tests.fakes import FakeTwilio
from tests.outbox.support import ThreadedWorker, wait_for, worker_processes

PUBLIC_URL = "https://hotline.example.org"
TEMPLATE_SID = "HX" + "3c0d" * 8  # fictional
RELATIVES = [f"whatsapp:+5025558{i:04d}" for i in range(8)]
HELD_EACH = 3


@pytest.fixture
def wa_settings(db_url: str, fake_twilio: FakeTwilio) -> Settings:
    fake_twilio.add_content(TEMPLATE_SID, TEMPLATE_TEXT)
    return channel_settings(db_url, PUBLIC_URL, twilio=fake_twilio, twilio_whatsapp_template_sid=TEMPLATE_SID)


@pytest.fixture
def client(wa_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(wa_settings), base_url=PUBLIC_URL, raise_server_exceptions=False) as c:
        yield c


def texts_for(address: str) -> list[str]:
    return [f"Aviso {n} para {address[-4:]} (ficticio)" for n in range(HELD_EACH)]


def hold_everything(factory: sessionmaker[Session], settings: Settings, fake: FakeTwilio) -> list[str]:
    """Relatives who last wrote 30 hours ago, three messages queued for each: all held, one
    template each. Returns the held texts."""
    then = utcnow() - timedelta(hours=30)
    held: list[str] = []
    with factory.begin() as s:
        for address in RELATIVES:
            conv = Conversation(channel="whatsapp", address=address, state={}, last_inbound_at=then)
            s.add(conv)
            s.flush()
            for text in texts_for(address):
                outbox.enqueue(s, channel="whatsapp", recipient=address, text=text, kind="operator",
                               conversation_id=conv.id)
                held.append(text)
    drain(factory, settings, config=WorkerConfig(concurrency=1, idle_sleep=0.05,
                                                 whatsapp=WindowRules.from_settings(settings)))
    assert statuses(factory) == {"held": len(held), "sent": len(RELATIVES)}
    assert sorted(c["params"]["To"] for c in fake.template_requests()) == sorted(RELATIVES)
    assert fake.messages and all(m["body"] not in held for m in fake.messages)
    return held


def assert_each_once_in_order(fake: FakeTwilio, held: list[str]) -> None:
    received = [m["body"] for m in fake.messages]
    assert {t: n for t, n in Counter(received).items() if t in held and n != 1} == {}
    assert set(held) <= set(received)
    for address in RELATIVES:
        mine = [b for b in fake.bodies_to(address) if b in held]
        assert mine == texts_for(address)  # in the order queued
    assert len(fake.template_requests()) == len(RELATIVES)  # still one template each


def test_two_workers_one_of_them_stalled_send_each_released_message_once(
    client: TestClient, fake_twilio: FakeTwilio, wa_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    held = hold_everything(session_factory, wa_settings, fake_twilio)
    fake_twilio.hand_to_carrier_after(0)  # a send a stalled worker had under way is in Twilio's log
    fake_twilio.delay(0.05)
    for address in RELATIVES:  # every relative answers the template
        assert post_sms(client, fake_twilio, wa_settings, address, "Ya estoy aquí").status_code == 200
    run_turns(session_factory, wa_settings)  # each turn releases that relative's held messages

    rules = WindowRules.from_settings(wa_settings)

    def worker(name: str) -> ThreadedWorker:
        return ThreadedWorker(OutboxWorker(session_factory, build_senders(wa_settings), {},
                                           WorkerConfig(lease_seconds=0.6, idle_sleep=0.05, concurrency=4,
                                                        whatsapp=rules), worker_id=name))

    a, b = worker("worker-a"), worker("worker-b")
    a.start()
    try:
        wait_for(lambda: any(m["body"] in held for m in fake_twilio.messages), 30, "worker A to start sending",
                 0.01)
        a.stall(2.0)  # its leases run out; B takes its rows over
        b.start()
        wait_for(lambda: set(statuses(session_factory)) <= {"sent"}, 60, "every released message to be sent")
        time.sleep(1.0)  # A wakes up and finds what it held no longer its own
    finally:
        a.stop()
        if b.thread.is_alive():
            b.stop()
    assert_each_once_in_order(fake_twilio, held)
    with session_factory() as s:
        senders = set(s.scalars(select(OutboundMessage.claimed_by).where(OutboundMessage.kind == "operator")))
    assert "worker-b" in senders


@pytest.mark.postgres_only
@pytest.mark.slow
def test_real_worker_processes_release_and_send_each_held_message_once(
    client: TestClient, fake_twilio: FakeTwilio, wa_settings: Settings, db_url: str,
    session_factory: sessionmaker[Session]
) -> None:
    held = hold_everything(session_factory, wa_settings, fake_twilio)
    fake_twilio.delay(0.1)
    env = provider_env(twilio=fake_twilio, OUTBOX_LEASE_SECONDS="1", TWILIO_WHATSAPP_TEMPLATE_SID=TEMPLATE_SID,
                       HOTLINE_PUBLIC_URL=PUBLIC_URL)
    with worker_processes(db_url, env, 2):
        for address in RELATIVES:
            assert post_sms(client, fake_twilio, wa_settings, address, "Hola, ya leí").status_code == 200
        # Each relative's turn (in either process) releases their messages; both outboxes send.
        wait_for(lambda: sum(1 for m in fake_twilio.messages if m["body"] in held) >= len(held)
                 and set(statuses(session_factory)) <= {"sent"}, 90, "every held message to be sent")
        time.sleep(1.0)  # nothing more arrives
    assert_each_once_in_order(fake_twilio, held)
