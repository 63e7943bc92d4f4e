"""Redelivered webhooks arriving at the same moment, from several threads, against a real
``hotline serve`` process: exactly one inbound row, one reply, no second case or disclosure. Numbers,
chats and names are FICTIONAL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import texts_es as T
from bot.conversations import render_for_channel
from tests.channels.helpers import (
    PERSON_BIRTH_MESSAGE,
    PERSON_NAME_MESSAGE,
    SMS_PATH,
    add_sought_person,
    channel_settings,
    counts,
    drain,
    message_sid,
    post_update,
    provider_env,
    run_turns,
)
from tests.fakes import FakeTelegram, FakeTwilio
from tests.support import free_port, hotline_env, running_hotline

THREADS = 8


@pytest.fixture
def live(db_url: str, fake_twilio: FakeTwilio, fake_telegram: FakeTelegram) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = hotline_env(db_url, HOTLINE_PUBLIC_URL=base, **provider_env(twilio=fake_twilio, telegram=fake_telegram))
    with running_hotline(["serve", "--no-worker", "--port", str(port)], env, port) as url:
        yield url


def _all_at_once(n: int, call: Callable[[], httpx.Response]) -> list[int]:
    """Run ``call`` from ``n`` threads released together; the status codes."""
    barrier = threading.Barrier(n)
    codes: list[int] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        code = call().status_code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return codes


def test_concurrent_sms_redeliveries_produce_one_reply_one_case_one_disclosure(
    live: str, db_url: str, fake_twilio: FakeTwilio, session_factory: sessionmaker[Session]
) -> None:
    add_sought_person(session_factory)
    relative = "+50255577777"
    turns = [(message_sid("live1"), "Hola"), (message_sid("live2"), PERSON_NAME_MESSAGE),
             (message_sid("live3"), PERSON_BIRTH_MESSAGE), (message_sid("live4"), "HUMANO")]
    with httpx.Client(base_url=live, timeout=30) as client:
        for sid, body in turns:
            headers, form = fake_twilio.signed_inbound(live + SMS_PATH,
                                                       {"From": relative, "Body": body, "MessageSid": sid})

            def post(headers: dict[str, str] = headers, form: dict[str, Any] = form) -> httpx.Response:
                return client.post(SMS_PATH, data=form, headers=headers)

            assert _all_at_once(THREADS, post) == [200] * THREADS
    # The webhook only recorded (once per MessageSid); no turn has run in a --no-worker server.
    assert counts(session_factory)["inbound"] == 4 and counts(session_factory)["outbound"] == 0
    settings = channel_settings(db_url, live, twilio=fake_twilio)
    assert run_turns(session_factory, settings) == 4
    c = counts(session_factory)
    assert (c["conversations"], c["inbound"], c["disclosures"], c["cases"]) == (1, 4, 1, 1)

    drain(session_factory, settings)
    bodies = fake_twilio.bodies_to(relative)
    assert len(bodies) == len(set(bodies)) == c["outbound"]
    assert bodies[:3] == [render_for_channel("sms", t) for t in (T.WELCOME, T.ASK_NAME, T.ASK_BIRTH)]

    # The delivery callback for a reply reaches the live server, signed for its public URL.
    first = fake_twilio.messages[0]
    assert fake_twilio.deliver_status(first["sid"], "delivered").status_code == 204
    unsigned = httpx.post(live + "/webhooks/twilio/status", data={"MessageSid": first["sid"],
                                                                  "MessageStatus": "failed"})
    assert unsigned.status_code == 403


def test_concurrent_telegram_redeliveries_produce_one_reply(
    live: str, db_url: str, fake_telegram: FakeTelegram, session_factory: sessionmaker[Session]
) -> None:
    chat = 700_000_077
    update = fake_telegram.updates.text(chat, "Hola")
    with httpx.Client(base_url=live, timeout=30) as client:
        assert _all_at_once(THREADS, lambda: post_update(client, update)) == [200] * THREADS
        # Many different chats at once are all served too.
        others = [fake_telegram.updates.text(chat + i, "Buenos días") for i in range(1, THREADS + 1)]
        it = iter(others)
        lock = threading.Lock()

        def next_update() -> httpx.Response:
            with lock:
                u = next(it)
            return post_update(client, u)

        assert _all_at_once(THREADS, next_update) == [200] * THREADS
    settings = channel_settings(db_url, live, telegram=fake_telegram)
    assert run_turns(session_factory, settings) == 1 + THREADS
    c = counts(session_factory)
    assert (c["conversations"], c["inbound"], c["outbound"]) == (1 + THREADS, 1 + THREADS, 2 * (1 + THREADS))
    drain(session_factory, settings)
    assert fake_telegram.sent_to(chat) == [T.WELCOME, T.ASK_NAME]
