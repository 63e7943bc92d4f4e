"""A relative talking to the hotline against the fictional demo roster (bot/roster/demo_roster.csv;
see docs/roster.md for its notable rows): ``relative`` through the real service, database and engine
(the end-to-end set, on both databases), ``mem_relative`` to the engine over in-memory ports (the
dialogue-only tests, no database)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations import handle_inbound
from bot.roster.demo import ensure_demo_roster
from common.settings import Settings
from db.models import AuditEvent, Case, Conversation, Person
from db.session import session_scope
from tests.dialogue.memory_ports import MemoryRelative, memory_relative
from tests.dialogue.support import today

_ids = itertools.count(1)


@dataclass
class Relative:
    factory: sessionmaker[Session]
    settings: Settings
    channel: str
    address: str
    transcript: list[tuple[str, list[str]]] = field(default_factory=list)

    def say(self, text: str | None, media_kind: str | None = None) -> list[str]:
        with session_scope(self.factory) as session:
            result = handle_inbound(session, self.settings, channel=self.channel, address=self.address,
                                    provider_id=f"test-{next(_ids)}", text=text, media_kind=media_kind)
        self.transcript.append((text or f"<{media_kind}>", result.replies))
        return result.replies

    def said(self, text: str) -> str:
        """The replies to ``text`` joined in one string (for `in` assertions)."""
        return "\n".join(self.say(text))

    def cases(self) -> list[Case]:
        """This relative's cases, oldest first."""
        with self.factory() as s:
            return list(s.scalars(
                select(Case).join(Conversation, Conversation.id == Case.conversation_id)
                .where(Conversation.channel == self.channel, Conversation.address == self.address)
                .order_by(Case.id)))

    def person_id(self, external_id: str) -> int:
        return person_id(self.factory, external_id)

    def disclosures(self) -> list[AuditEvent]:
        """Disclosures made to this relative."""
        with self.factory() as s:
            conv_id = s.scalars(select(Conversation.id).where(
                Conversation.channel == self.channel, Conversation.address == self.address)).first()
            events = s.scalars(select(AuditEvent).where(AuditEvent.action == "disclosure"))
            return [e for e in events if e.details.get("conversation_id") == conv_id]


@pytest.fixture
def demo(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    assert ensure_demo_roster(session_factory) == 68
    return session_factory


@pytest.fixture
def relative(demo: sessionmaker[Session], settings: Settings) -> Callable[..., Relative]:
    def make(channel: str = "local", address: str | None = None, **overrides: object) -> Relative:
        s = settings.model_copy(update=overrides) if overrides else settings
        return Relative(demo, s, channel, address or f"relative-{next(_ids)}")
    return make


@pytest.fixture
def mem_relative() -> Callable[..., MemoryRelative]:
    """A relative talking to the engine over the demo roster in memory (tests/dialogue/memory_ports.py):
    the same ``say``/``cases``/``disclosures`` as ``relative``, no database, milliseconds a test."""
    on = today()

    def make(channel: str = "local", address: str | None = None, **overrides: int) -> MemoryRelative:
        return memory_relative(channel, address, today=on, **overrides)
    return make


def person_id(factory: sessionmaker[Session], external_id: str) -> int:
    with factory() as s:
        return s.scalars(select(Person.id).where(Person.external_id == external_id)).one()
