"""Wiring channels to services: which senders and limits a worker gets from the settings.

Only composition roots (the app factory, the CLI, the worker) import this.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot

from bot.outbox.ratelimit import ChannelLimits
from bot.outbox.senders import Sender
from bot.outbox.worker import OutboxWorker, WorkerConfig
from bot.turns import TurnConfig, TurnProcessor
from bot.whatsapp_window import WindowRules
from common.settings import Settings
from db import notify
from db.notify import Listener


class BackgroundWorker(Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


def build_senders(settings: Settings, telegram_bot: Bot | None = None) -> dict[str, Sender]:
    # The local channels (terminal, web chat) deliver their own rows (db.repositories.local_channel).
    senders: dict[str, Sender] = {}
    if settings.telegram_enabled:
        from bot.channels.telegram_channel import TelegramSender

        senders["telegram"] = TelegramSender(telegram_bot) if telegram_bot else TelegramSender.from_settings(settings)
    if settings.twilio_enabled:
        from bot.channels.twilio_channel import TwilioSender

        twilio = TwilioSender.from_settings(settings)
        senders["sms"] = twilio
        senders["whatsapp"] = twilio.for_channel("whatsapp")
    return senders


def build_limits(settings: Settings) -> dict[str, ChannelLimits]:
    return {
        "telegram": ChannelLimits(
            per_second=settings.telegram_messages_per_second,
            per_recipient_interval=1.0 / settings.telegram_per_chat_per_second
            if settings.telegram_per_chat_per_second > 0 else 0.0,
        ),
        "sms": ChannelLimits(per_second=settings.twilio_messages_per_second),
        "whatsapp": ChannelLimits(per_second=settings.twilio_messages_per_second),
    }


def build_worker_config(settings: Settings) -> WorkerConfig:
    from bot.scheduler import followup_job

    # Every worker also sends the follow-ups to silent cases (safe with several workers).
    return WorkerConfig(lease_seconds=settings.outbox_lease_seconds, periodic=[followup_job(settings)],
                        whatsapp=WindowRules.from_settings(settings), redis_url=settings.redis_url,
                        redis_key_prefix=settings.redis_key_prefix)


def build_outbox_worker(settings: Settings, factory: sessionmaker[Session],
                        telegram_bot: Bot | None = None) -> OutboxWorker:
    return OutboxWorker(factory, build_senders(settings, telegram_bot), build_limits(settings),
                        build_worker_config(settings))


def build_turn_processor(settings: Settings, factory: sessionmaker[Session]) -> TurnProcessor:
    config = TurnConfig()
    if settings.is_sqlite:
        # SQLite runs one write transaction at a time: more lanes would only queue for the lock.
        config.concurrency = 1
    return TurnProcessor(factory, settings, config)


def build_workers(settings: Settings, factory: sessionmaker[Session],
                  telegram_bot: Bot | None = None) -> tuple[TurnProcessor, OutboxWorker]:
    """What ``hotline worker`` (and ``hotline serve`` in-process) runs: the turns of recorded
    messages and the outbox; a turn's replies wake the outbox worker. ``telegram_bot``: the web
    process's Application's bot, to send with (else one is built from the settings)."""
    turns = build_turn_processor(settings, factory)
    outbox_worker = build_outbox_worker(settings, factory, telegram_bot)
    turns.after_turn = outbox_worker.wake
    # PostgreSQL: one LISTEN connection per process wakes both at once when another process records
    # a message or queues outbox rows (db/notify.py); the turn processor runs it.
    listener = Listener.for_database(settings.database_url)
    if listener is not None:
        listener.subscribe(notify.INBOUND, turns.wake)
        listener.subscribe(notify.OUTBOX, outbox_worker.wake)
        turns.listener = listener
    return turns, outbox_worker
