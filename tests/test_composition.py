"""What the composition root decides from the settings alone (api/composition.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from api.composition import build_turn_processor
from bot.turns import TurnConfig
from common.settings import Settings


def test_sqlite_gets_one_turn_lane_and_postgresql_the_default(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    lanes = build_turn_processor(settings, session_factory).config.concurrency
    # SQLite runs one write transaction at a time: more lanes would only queue for its lock.
    assert lanes == (1 if settings.is_sqlite else TurnConfig().concurrency)
    assert settings.is_sqlite == settings.database_url.startswith("sqlite")
    assert TurnConfig().concurrency > 1
