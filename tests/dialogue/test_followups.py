"""Work against silence (SPEC section 5): while a case is open, the relative hears from us at the
follow-up interval; never twice for one period, never after the case is closed, never after BAJA,
never on a death-notification case (a person will call). Fictional demo roster."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import notifications
from bot import texts_es as T
from bot.cases import linking
from bot.cases.opening import queue_operator_reply
from bot.outbox.worker import OutboxWorker, WorkerConfig
from bot.scheduler import followup_job
from common.settings import Settings
from db.base import utcnow
from db.models import Case, OutboundMessage
from db.session import session_scope

UNKNOWN = "Busco a Pedro Inventado Ninguno, hondureño, nacio el 1 de enero de 1990"


def _followups(factory: sessionmaker[Session]) -> list[OutboundMessage]:
    with factory() as s:
        return list(s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "followup")
                              .order_by(OutboundMessage.id)))


def _run(factory: sessionmaker[Session], settings: Settings, hours: float) -> int:
    with session_scope(factory) as s:
        return notifications.send_due_followups(s, settings, now=utcnow() + timedelta(hours=hours))


def test_a_silent_open_case_gets_one_followup_with_its_reference(relative, demo, settings) -> None:
    r = relative()
    r.say(UNKNOWN)
    [case] = r.cases()
    assert _run(demo, settings, 11) == 0  # not yet: the interval is 12 hours
    assert _run(demo, settings, 13) == 1
    assert _run(demo, settings, 13) == 0  # the same period never twice
    [message] = _followups(demo)
    assert message.text == T.render(T.FOLLOWUP, reference=case.reference)
    assert (message.channel, message.recipient, message.status) == ("local", r.address, "queued")
    assert _run(demo, settings, 26) == 1  # the next period, 12 hours after the first follow-up


def test_the_interval_setting_is_honoured(relative, demo, settings) -> None:
    short = settings.model_copy(update={"followup_interval_hours": 2.0})
    r = relative(followup_interval_hours=2.0)
    r.say(UNKNOWN)
    assert _run(demo, short, 1.5) == 0
    assert _run(demo, short, 2.5) == 1
    assert _run(demo, short, 3.5) == 0
    assert _run(demo, short, 4.6) == 1


def test_no_followup_for_resolved_opted_out_or_death_notification_cases(relative, demo, settings) -> None:
    resolved, gone, bereaved = relative(), relative(), relative()
    resolved.say(UNKNOWN)
    gone.say(UNKNOWN)
    gone.say("BAJA")
    bereaved.say("Francisco Javier del Valle Orellana, nació el 12 de junio de 1985")
    assert bereaved.cases()[-1].reason == "death_notification"
    with session_scope(demo) as s:
        case = s.get(Case, resolved.cases()[-1].id)
        linking.resolve_case(s, case, actor="user:ana", note="Respondido por teléfono (ficticio).")
    assert _run(demo, settings, 13) == 0
    assert _followups(demo) == []


def test_an_operators_reply_moves_the_followup_back(relative, demo, settings) -> None:
    r = relative()
    r.say(UNKNOWN)
    with session_scope(demo) as s:
        case = s.get(Case, r.cases()[-1].id)
        queue_operator_reply(s, case, "Estamos revisando su caso (mensaje ficticio).", actor="user:ana")
        case.last_contact_at = utcnow() + timedelta(hours=6)  # the reply went out six hours in
    assert _run(demo, settings, 13) == 0  # only seven hours of silence
    assert _run(demo, settings, 19) == 1


def test_the_outbox_worker_sends_followups_as_a_periodic_job(relative, demo, settings) -> None:
    r = relative()
    r.say(UNKNOWN)
    with session_scope(demo) as s:
        case = s.get(Case, r.cases()[-1].id)
        past = utcnow() - timedelta(hours=13)
        case.next_followup_at = case.last_contact_at = past
        case.conversation.last_inbound_at = past  # type: ignore[union-attr]
    worker = OutboxWorker(demo, {}, config=WorkerConfig(periodic=[followup_job(settings, every_seconds=0)]))

    async def twice() -> None:
        await worker.run_periodic()
        await worker.run_periodic()

    asyncio.run(twice())
    [message] = _followups(demo)
    assert r.cases()[-1].reference in message.text


@pytest.mark.postgres_only
def test_two_workers_at_once_never_send_the_same_followup(relative, demo, settings, backend) -> None:
    r = relative()
    r.say(UNKNOWN)
    now = utcnow() + timedelta(hours=13)
    first, second = demo(), demo()
    try:
        assert notifications.send_due_followups(first, settings, now=now) == 1  # holds the case's row lock
        assert notifications.send_due_followups(second, settings, now=now) == 0  # skips the locked case
        first.commit()
        second.commit()
    finally:
        first.close()
        second.close()
    assert len(_followups(demo)) == 1
