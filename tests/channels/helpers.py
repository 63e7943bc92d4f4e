"""Shared by the channel and outbox tests: settings aimed at the fake providers, a fictional roster,
signed webhook posts, draining the outbox with the real senders, and counting rows.

Every person, number and chat here is FICTIONAL.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.composition import build_limits, build_senders
from bot.matching.keys import person_keys
from bot.outbox.worker import OutboxWorker, WorkerConfig
from bot.turns import TurnProcessor
from common.settings import Settings
from db.models import (
    AuditEvent,
    Case,
    Conversation,
    InboundRecord,
    Incident,
    OutboundMessage,
    Person,
)
from db.repositories.status import NewReport, append_report
from tests.fakes import FakeTelegram, FakeTwilio

TELEGRAM_SECRET = "secreto-de-prueba-123"  # fictional
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SMS_PATH = "/webhooks/twilio/sms"
STATUS_PATH = "/webhooks/twilio/status"
TELEGRAM_PATH = "/webhooks/telegram"

# The fictional person the conversations look for (not in the demo roster).
PERSON = {
    "given_names": "Rigoberto Andrés",
    "surnames": "Quiñónez Paredes",
    "nationality": "GT",
    "birth_date": date(1994, 7, 15),
    "status": "safe",
    "location": "Albergue temporal San Martín (ficticio), Ciudad Juárez",
    "source": "Cruz Roja (FICTICIO), lista de personas ilesas",
}
PERSON_NAME_MESSAGE = "Rigoberto Andrés Quiñónez Paredes"
PERSON_BIRTH_MESSAGE = "15 de julio de 1994"


def channel_settings(db_url: str, public_url: str, twilio: FakeTwilio | None = None,
                     telegram: FakeTelegram | None = None, **overrides: Any) -> Settings:
    """Settings with the channels pointed at the fakes. Rate limits are off unless overridden, so
    that conversation tests do not wait; the rate-limit tests set them."""
    values: dict[str, Any] = {
        "database_url": db_url,
        "hotline_public_url": public_url,
        "twilio_messages_per_second": 0,
        "telegram_messages_per_second": 0,
        "telegram_per_chat_per_second": 0,
    }
    if twilio is not None:
        values.update(twilio_account_sid=twilio.account_sid, twilio_auth_token=twilio.auth_token,
                      twilio_phone_number=twilio.phone_number, twilio_api_base_url=twilio.url)
    if telegram is not None:
        values.update(telegram_bot_token=telegram.token, telegram_webhook_secret=TELEGRAM_SECRET,
                      telegram_api_base_url=telegram.url)
    values.update(overrides)
    return Settings(**values)


def provider_env(twilio: FakeTwilio | None = None, telegram: FakeTelegram | None = None,
                 **extra: str) -> dict[str, str]:
    """The same, as environment variables for ``hotline`` subprocesses."""
    env: dict[str, str] = {
        "TWILIO_MESSAGES_PER_SECOND": "0",
        "TELEGRAM_MESSAGES_PER_SECOND": "0",
        "TELEGRAM_PER_CHAT_PER_SECOND": "0",
        "LOG_LEVEL": "WARNING",
    }
    if twilio is not None:
        env.update(TWILIO_ACCOUNT_SID=twilio.account_sid, TWILIO_AUTH_TOKEN=twilio.auth_token,
                   TWILIO_PHONE_NUMBER=twilio.phone_number, TWILIO_API_BASE_URL=twilio.url)
    if telegram is not None:
        env.update(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
                   TELEGRAM_API_BASE_URL=telegram.url)
    env.update(extra)
    return env


def add_person(factory: sessionmaker[Session], *, given_names: str, surnames: str, nationality: str | None,
               birth_date: date | None, status: str, location: str | None, source: str | None,
               restricted: bool = False) -> int:
    """Insert one fictional person with its first status report (through append_report)."""
    with factory() as s, s.begin():
        incident = s.scalars(select(Incident).where(Incident.name == "Incidente de prueba (ficticio)")).first()
        if incident is None:
            incident = Incident(name="Incidente de prueba (ficticio)")
            s.add(incident)
            s.flush()
        person = Person(incident_id=incident.id, given_names=given_names, surnames=surnames,
                        nationality=nationality, birth_date=birth_date, restricted=restricted,
                        **person_keys(given_names, surnames))
        s.add(person)
        s.flush()
        if status != "unconfirmed" or source:
            append_report(s, person, NewReport(status=status, location=location, source=source,
                                               verified_at=datetime(2026, 11, 20, 16, 0, tzinfo=UTC)),
                          actor="test")
        return person.id


def add_sought_person(factory: sessionmaker[Session]) -> int:
    return add_person(factory, **PERSON)


# --- webhooks -----------------------------------------------------------------------------------


def message_sid(label: str) -> str:
    """A Twilio message id (SM and 32 hex digits, as the webhook requires) named by ``label``: the
    same label gives the same id, so a test can redeliver a message."""
    return "SM" + hashlib.sha256(label.encode()).hexdigest()[:32]


def post_sms(client: Any, fake: FakeTwilio, settings: Settings, sender: str, body: str = "", *,
             sid: str | None = None, media: tuple[tuple[str, str], ...] = ()) -> httpx.Response:
    """A signed inbound message, as Twilio posts it, through ``client`` (TestClient or httpx)."""
    url = settings.hotline_public_url.rstrip("/") + SMS_PATH
    params = {"From": sender, "Body": body, "NumMedia": str(len(media))}
    if sid:
        params["MessageSid"] = sid
    for i, (ctype, media_url) in enumerate(media):
        params[f"MediaContentType{i}"] = ctype
        params[f"MediaUrl{i}"] = media_url
    headers, form = fake.signed_inbound(url, params)
    return client.post(SMS_PATH, data=form, headers=headers)


def post_update(client: Any, update: dict[str, Any], secret: str | None = TELEGRAM_SECRET) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return client.post(TELEGRAM_PATH, content=json.dumps(update).encode(), headers=headers)


# --- the outbox ---------------------------------------------------------------------------------


def pending(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(OutboundMessage)
                            .where(OutboundMessage.status.in_(("queued", "sending")))) or 0)


def run_turns(factory: sessionmaker[Session], settings: Settings) -> int:
    """Run the dialogue turns of every recorded message (what a turn worker does); how many ran."""
    return asyncio.run(TurnProcessor(factory, settings).run_until_idle())


def drain(factory: sessionmaker[Session], settings: Settings, *, config: WorkerConfig | None = None,
          timeout: float = 60.0, limits: bool = True) -> OutboxWorker:
    """Run the turns of the recorded messages, then an OutboxWorker with the real senders
    (build_senders) until nothing is queued or in flight."""
    worker = OutboxWorker(factory, build_senders(settings), build_limits(settings) if limits else {},
                          config or WorkerConfig(concurrency=1, idle_sleep=0.05))
    turns = TurnProcessor(factory, settings)

    async def go() -> None:
        deadline = time.monotonic() + timeout
        while True:
            await turns.run_until_idle()
            claimed = await worker.run_once()
            if not claimed:
                if await asyncio.to_thread(pending, factory) == 0:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"outbox not drained in {timeout}s: {statuses(factory)}")
                await asyncio.sleep(0.02)

    asyncio.run(go())
    return worker


def statuses(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as s:
        rows = s.execute(select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status))
        return {status: int(n) for status, n in rows}


def counts(factory: sessionmaker[Session]) -> dict[str, int]:
    """Rows per table that a handled inbound message writes."""
    with factory() as s:
        def n(model: type) -> int:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)
        return {
            "conversations": n(Conversation),
            "inbound": n(InboundRecord),
            "outbound": n(OutboundMessage),
            "cases": n(Case),
            "disclosures": int(s.scalar(select(func.count()).select_from(AuditEvent)
                                        .where(AuditEvent.action == "disclosure")) or 0),
        }


def audit_actions(factory: sessionmaker[Session], action: str) -> list[AuditEvent]:
    with factory() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def duplicates(texts: list[str]) -> dict[str, int]:
    return {t: n for t, n in Counter(texts).items() if n > 1}
