"""The durable spool (bot/spool.py) and the webhook's use of it (api/intake.py).

When the database does not answer, a webhook writes the message to this host's spool and still
answers 200 (Twilio never redelivers an inbound message); a replayer moves it into the database in
arrival order, once per provider id. Here: the file on disk (atomic, private, whole), the order,
idempotent replays, a message both spooled and redelivered, a bad file set aside rather than
looped on, an opt-out that takes effect when replayed, and the SMS and Telegram webhooks against a
database that refuses connections (a closed port; SQLite: a file that cannot be opened).
The real recording path and real databases throughout. Every number and text is FICTIONAL.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.intake import Intake
from bot.messages import InboundMessage
from bot.spool import QUARANTINE_DIR, STALE_TEMP_SECONDS, Spool
from common.settings import Settings
from db.models import Conversation
from db.models import InboundRecord as InboundRow
from db.session import database_unreachable, make_engine
from tests.channels.helpers import channel_settings, post_sms, post_update
from tests.fakes import FakeTwilio
from tests.support import free_port

PUBLIC_URL = "https://hotline.example.org"
RELATIVE = "+50255570001"  # fictional
OTHER = "+50255570002"  # fictional
SID_1, SID_2 = f"SM{1:032x}", f"SM{2:032x}"  # Twilio's shape: SM and 32 hex digits


def sms(provider_id: str, body: str = "Hola", address: str = RELATIVE) -> InboundMessage:
    return InboundMessage(channel="sms", address=address, provider_id=provider_id, text=body)


def rows(factory: sessionmaker[Session]) -> list[InboundRow]:
    with factory() as s:
        return list(s.scalars(select(InboundRow).order_by(InboundRow.id)))


def dead_database_url(backend: str, tmp_path: Path) -> str:
    """A database that does not answer: nothing listens on the port; SQLite: no such directory."""
    if backend == "postgresql":
        return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/hotline_gone"
    return f"sqlite:///{tmp_path / 'no-such-dir' / 'hotline.db'}"


@pytest.fixture
def spool_dir(tmp_path: Path) -> Path:
    return tmp_path / "spool"


@pytest.fixture
def live_intake(settings: Settings, engine: Engine, session_factory: sessionmaker[Session],
                spool_dir: Path) -> Iterator[Intake]:
    intake = Intake.for_app(settings.model_copy(update={"hotline_spool_dir": spool_dir}), engine, session_factory)
    yield intake
    intake.dispose()


@pytest.fixture
def dead_intake(backend: str, tmp_path: Path, spool_dir: Path) -> Iterator[Intake]:
    settings = Settings(database_url=dead_database_url(backend, tmp_path), hotline_spool_dir=spool_dir)
    engine = make_engine(settings.database_url)
    intake = Intake.for_app(settings, engine, sessionmaker(bind=engine))
    yield intake
    intake.dispose()
    engine.dispose()


def replay(intake: Intake) -> tuple[int, int, int]:
    result = intake.replayer().replay_once()
    return result.recorded, result.duplicates, result.quarantined


# --- the file on disk (no database) -------------------------------------------------------------


def test_a_spooled_message_is_one_whole_private_file_that_reads_back(spool_dir: Path) -> None:
    spool = Spool(spool_dir)
    assert spool.names() == [] and not spool_dir.exists()  # nothing is created until needed
    at = datetime(2026, 11, 21, 8, 30, tzinfo=UTC)
    message = InboundMessage("whatsapp", "whatsapp:+50255570003", "SMspool01", "Busco a mi hermano ñandú", None)
    name = spool.write(message, at)
    assert stat.S_IMODE(spool_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((spool_dir / name).stat().st_mode) == 0o600
    assert os.listdir(spool_dir) == [name]  # no temporary file left behind: written, then renamed
    item = spool.read(name)
    assert item.message == message and item.received_at == at
    assert spool.depth() == 1 and spool.oldest() is not None
    assert abs((spool.oldest() - datetime.now(UTC)).total_seconds()) < 60  # type: ignore[operator]


def test_a_directory_made_with_wider_rights_is_narrowed(spool_dir: Path) -> None:
    spool_dir.mkdir(mode=0o755)
    os.chmod(spool_dir, 0o755)
    Spool(spool_dir).write(sms("SMspool02"))
    assert stat.S_IMODE(spool_dir.stat().st_mode) == 0o700


def test_a_half_written_file_is_never_a_message_and_is_cleared_once_stale(spool_dir: Path) -> None:
    spool = Spool(spool_dir)
    spool.write(sms("SMspool03"))
    # A writer killed before its rename leaves a temporary file: it was never answered 200.
    half = spool_dir / ".00000000000000000001-1-000000000.json.tmp"
    half.write_bytes(b'{"version": 1, "chan')
    assert len(spool.names()) == 1
    spool.remove_stale_temporaries()
    assert half.exists()  # may still be being written
    old = time.time() - STALE_TEMP_SECONDS - 10
    os.utime(half, (old, old))
    spool.remove_stale_temporaries()
    assert not half.exists() and len(spool.names()) == 1


def test_names_are_in_arrival_order(spool_dir: Path) -> None:
    spool = Spool(spool_dir)
    written = [spool.write(sms(f"SMorder{i:02d}")) for i in range(12)]
    assert spool.names() == written
    assert [spool.read(n).message.provider_id for n in spool.names()] == [f"SMorder{i:02d}" for i in range(12)]


def test_the_backlog_mark_keeps_new_messages_behind_the_spooled_ones(spool_dir: Path) -> None:
    spool = Spool(spool_dir)
    assert spool.write_if_backlog(sms("SMback01")) is None  # nothing waits: record directly
    first = spool.write(sms("SMback02"))
    assert spool.has_backlog
    second = spool.write_if_backlog(sms("SMback03"))
    assert second is not None and spool.names() == [first, second]
    assert not spool.settle()  # files wait
    spool.remove(first)
    spool.remove(second)
    assert spool.settle() and not spool.has_backlog
    # A new process finds what an earlier one left.
    spool.write(sms("SMback04"))
    assert Spool(spool_dir).has_backlog


def test_one_replayer_per_directory_at_a_time(spool_dir: Path) -> None:
    spool = Spool(spool_dir)
    spool.write(sms("SMlock01"))
    other = Spool(spool_dir)  # as another process on this host would open it
    with spool.replay_lock() as mine:
        assert mine
        with other.replay_lock() as theirs:
            assert not theirs
    with other.replay_lock() as theirs:
        assert theirs


# --- replaying into the database (both databases) -----------------------------------------------


def test_replay_records_in_arrival_order_and_deletes_each_file(
    live_intake: Intake, session_factory: sessionmaker[Session],
) -> None:
    spool = live_intake.spool
    t0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    for i, (address, body) in enumerate([(RELATIVE, "Hola"), (OTHER, "Buenas"), (RELATIVE, "Busco a Juan"),
                                         (RELATIVE, "Pérez López")]):
        spool.write(sms(f"SMreplay{i}", body, address), t0 + timedelta(seconds=i))
    assert replay(live_intake) == (4, 0, 0)
    recorded = rows(session_factory)
    assert [r.provider_id for r in recorded] == [f"SMreplay{i}" for i in range(4)]  # ids in arrival order
    assert [r.text for r in recorded if r.address == RELATIVE] == ["Hola", "Busco a Juan", "Pérez López"]
    assert {r.state for r in recorded} == {"pending"}
    # Recorded as received by the webhook, not when replayed: waiting times stay true.
    assert [r.received_at.replace(tzinfo=UTC) for r in recorded] == [t0 + timedelta(seconds=i) for i in range(4)]
    assert spool.names() == [] and spool.settle()


def test_a_file_replayed_twice_is_recorded_once(live_intake: Intake, session_factory: sessionmaker[Session],
                                                spool_dir: Path) -> None:
    spool = live_intake.spool
    name = spool.write(sms("SMtwice01"))
    content = (spool_dir / name).read_bytes()
    assert replay(live_intake) == (1, 0, 0)
    # A crash after the commit, before the delete: the file is still there at the next start.
    (spool_dir / name).write_bytes(content)
    assert replay(live_intake) == (0, 1, 0)
    assert [r.provider_id for r in rows(session_factory)] == ["SMtwice01"]
    assert spool.names() == []


def test_a_message_spooled_here_and_redelivered_elsewhere_is_recorded_once(
    dead_intake: Intake, live_intake: Intake, session_factory: sessionmaker[Session],
) -> None:
    # This host could not reach the database and spooled the message...
    assert asyncio.run(dead_intake.record(sms("SMboth01", "Hola"))) is True
    assert dead_intake.spool.depth() == 1
    # ...the provider did not get our answer in time and delivered it again to a host that could.
    assert asyncio.run(live_intake.record(sms("SMboth01", "Hola"))) is True  # (this one records directly)
    assert len(rows(session_factory)) == 1
    assert replay(live_intake) == (0, 1, 0)
    assert [r.provider_id for r in rows(session_factory)] == ["SMboth01"]
    assert live_intake.spool.depth() == 0


def test_the_webhook_path_spools_when_the_database_refuses_connections_and_replays_later(
    dead_intake: Intake, live_intake: Intake, session_factory: sessionmaker[Session],
) -> None:
    for i in range(3):
        assert asyncio.run(dead_intake.record(sms(f"SMdown{i}", f"mensaje {i}"))) is True
    # Replaying while the database is still down keeps every file and says why.
    result = dead_intake.replayer().replay_once()
    assert result.database_unreachable and result.moved == 0 and dead_intake.spool.depth() == 3
    assert replay(live_intake) == (3, 0, 0)
    assert [r.text for r in rows(session_factory)] == ["mensaje 0", "mensaje 1", "mensaje 2"]


def test_an_opt_out_spooled_during_an_outage_takes_effect_when_replayed(
    dead_intake: Intake, live_intake: Intake, session_factory: sessionmaker[Session],
) -> None:
    assert asyncio.run(live_intake.record(sms("SMstop01", "Hola"))) is True
    assert asyncio.run(dead_intake.record(sms("SMstop02", "BAJA"))) is True
    assert replay(live_intake) == (1, 0, 0)
    with session_factory() as s:
        conversation = s.scalars(select(Conversation).where(Conversation.address == RELATIVE)).one()
    assert conversation.opted_out  # through the webhooks' own opt-out path: its turn ran at once
    assert {r.provider_id: r.state for r in rows(session_factory)} == {"SMstop01": "done", "SMstop02": "done"}


def test_an_unreadable_file_is_quarantined_and_the_others_go_on(
    live_intake: Intake, session_factory: sessionmaker[Session], spool_dir: Path,
) -> None:
    spool = live_intake.spool
    spool.write(sms("SMbad01", "primero"))
    # A file that is not ours (or cut short by a disk fault), between two good ones.
    (spool_dir / f"{time.time_ns():020d}-1-000000000.json").write_bytes(b"\x00\x01 not json")
    time.sleep(0.001)
    spool.write(sms("SMbad02", "segundo"))
    assert replay(live_intake) == (2, 0, 1)
    assert [r.text for r in rows(session_factory)] == ["primero", "segundo"]
    assert spool.names() == [] and spool.quarantined() == 1
    assert len(os.listdir(spool_dir / QUARANTINE_DIR)) == 1
    assert replay(live_intake) == (0, 0, 0)  # set aside, not looped on


def test_a_file_the_database_keeps_refusing_is_quarantined_after_a_few_tries(
    live_intake: Intake, engine: Engine, session_factory: sessionmaker[Session],
) -> None:
    from tests.turns.test_turn_workers import injected_fault

    spool = live_intake.spool
    spool.write(sms("SMrefused", "rechazado"))
    spool.write(sms("SMafter", "detrás"))
    replayer = live_intake.replayer()
    with injected_fault(engine, "BEFORE INSERT ON inbound_messages", "NEW.provider_id = 'SMrefused'"):
        first = replayer.replay_once()
        # Refused, not unreachable: the ones behind it wait (order), for a few tries only.
        assert first.held_back and not first.database_unreachable and first.moved == 0
        assert replayer.replay_once().held_back
        third = replayer.replay_once()
    assert (third.quarantined, third.recorded) == (1, 1)
    assert [r.provider_id for r in rows(session_factory)] == ["SMafter"]
    assert spool.quarantined() == 1 and spool.names() == []


def test_the_replayer_task_drains_the_spool_by_itself_and_wakes_the_turn_worker(
    live_intake: Intake, session_factory: sessionmaker[Session],
) -> None:
    woken: list[int] = []
    live_intake.on_recorded = lambda: woken.append(1)
    for i in range(3):
        live_intake.spool.write(sms(f"SMtask{i}"))

    async def scenario() -> None:
        replayer = live_intake.replayer()
        task = asyncio.create_task(replayer.run())
        deadline = time.monotonic() + 10
        while live_intake.spool.depth() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        replayer.stop()
        await asyncio.wait_for(task, 5)

    asyncio.run(scenario())
    assert len(rows(session_factory)) == 3 and woken
    assert not live_intake.spool.has_backlog  # the webhooks record directly again


def test_a_constraint_error_is_not_taken_for_an_unreachable_database(engine: Engine) -> None:
    with pytest.raises(Exception) as caught, engine.begin() as conn:
        conn.execute(text("INSERT INTO inbound_messages (id) VALUES (NULL)"))
    assert not database_unreachable(caught.value)


# --- the webhooks -------------------------------------------------------------------------------


def test_sms_and_telegram_webhooks_answer_200_while_the_database_is_down_then_replay(
    backend: str, db_url: str, tmp_path: Path, fake_twilio: FakeTwilio, session_factory: sessionmaker[Session],
    spool_dir: Path,
) -> None:
    from tests.fakes import FakeTelegram

    telegram = FakeTelegram()
    telegram.start()
    try:
        down = channel_settings(dead_database_url(backend, tmp_path), PUBLIC_URL, twilio=fake_twilio,
                                telegram=telegram, hotline_spool_dir=spool_dir)
        with TestClient(create_app(down), base_url=PUBLIC_URL, raise_server_exceptions=False) as client:
            r = post_sms(client, fake_twilio, down, RELATIVE, "Hola", sid=SID_1)
            assert r.status_code == 200 and "<Response>" in r.text
            r = post_sms(client, fake_twilio, down, "whatsapp:+50255570004", "Buenas", sid=SID_2)
            assert r.status_code == 200
            update = {"update_id": 870001, "message": {
                "message_id": 1, "date": int(time.time()), "text": "Hola",
                "chat": {"id": 870000001, "type": "private"}, "from": {"id": 870000001, "is_bot": False,
                                                                     "first_name": "Prueba"}}}
            assert post_update(client, update).status_code == 200
            # A bad signature is still refused: the spool is behind the same checks.
            bad = client.post("/webhooks/twilio/sms", data={"From": OTHER, "Body": "x", "MessageSid": "SMforged"},
                              headers={"X-Twilio-Signature": "forged"})
            assert bad.status_code == 403
            assert post_update(client, update, secret="wrong").status_code == 403
        spooled = Spool(spool_dir)
        assert spooled.depth() == 3
        assert json.loads((spool_dir / spooled.names()[0]).read_text())["provider_id"] == SID_1

        # The database is back: a process started on this host replays the spool in its lifespan.
        up = channel_settings(db_url, PUBLIC_URL, twilio=fake_twilio, telegram=telegram,
                              hotline_spool_dir=spool_dir)
        with TestClient(create_app(up), base_url=PUBLIC_URL):
            deadline = time.monotonic() + 15
            while len(rows(session_factory)) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
        assert [(r.channel, r.provider_id) for r in rows(session_factory)] == [
            ("sms", SID_1), ("whatsapp", SID_2), ("telegram", "870001")]
        assert Spool(spool_dir).depth() == 0
    finally:
        telegram.stop()


def test_the_spool_is_in_metrics_and_on_the_dashboard(
    settings: Settings, spool_dir: Path, session_factory: sessionmaker[Session],
) -> None:
    from bot.auth import create_token, create_user
    from tests.console.conftest import PASSWORD, login

    app = create_app(settings.model_copy(update={"hotline_spool_dir": spool_dir}))
    with session_factory.begin() as s:
        _, token = create_token(s, name="scraper (prueba)", role="viewer")
        create_user(s, "vera", "viewer", PASSWORD, actor="test")
    # Without its lifespan: no replayer runs, so what is written stays for the reading.
    client = TestClient(app)

    def scrape() -> dict[str, float]:
        r = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
        return {line.split()[0]: float(line.split()[1]) for line in r.text.splitlines()
                if line.startswith("hotline_spool_") and not line.startswith("hotline_spool_events")}

    assert scrape() == {"hotline_spool_messages": 0, "hotline_spool_oldest_seconds": 0,
                        "hotline_spool_quarantined": 0}
    login(client, "vera")
    page = client.get("/console/dashboard").text
    assert '<p class="muted" id="spool">Ninguno en este servidor.</p>' in page
    spool = app.state.intake.spool
    spool.write(sms("SMmetric01"))
    (spool_dir / QUARANTINE_DIR).mkdir()
    (spool_dir / QUARANTINE_DIR / "00000000000000000001-1-000000000.json").write_text("{}")
    time.sleep(0.05)
    metrics = scrape()
    assert metrics["hotline_spool_messages"] == 1 and metrics["hotline_spool_quarantined"] == 1
    assert 0 < metrics["hotline_spool_oldest_seconds"] < 60
    page = client.get("/console/dashboard").text
    assert '<p id="spool" class="error" role="alert">' in page
    assert "1 en este servidor" in page and "1 apartados" in page


def test_two_lifespans_of_one_app_at_once_each_run_their_own_replayer(
    settings: Settings, spool_dir: Path, session_factory: sessionmaker[Session],
) -> None:
    """(Tests enter one app with several clients, each on its own event loop.) Each lifespan has
    its own replayer; they take turns on the spool, and stopping one leaves the other working."""
    app = create_app(settings.model_copy(update={"hotline_spool_dir": spool_dir}))
    spool = app.state.intake.spool
    with TestClient(app):
        with TestClient(app):
            spool.write(sms("SMtwo01"))
            deadline = time.monotonic() + 10
            while spool.depth() and time.monotonic() < deadline:
                time.sleep(0.02)
        spool.write(sms("SMtwo02"))  # the first lifespan's replayer is still at work
        deadline = time.monotonic() + 10
        while spool.depth() and time.monotonic() < deadline:
            time.sleep(0.02)
    assert [r.provider_id for r in rows(session_factory)] == ["SMtwo01", "SMtwo02"]
