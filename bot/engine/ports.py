"""What the dialogue reads from the outside world, as a protocol: the service layer implements it
over the database (bot/conversations.py), the tests in memory (tests/dialogue/memory_ports.py).
The dialogue itself does no I/O, and writes nothing through its ports: what a turn changes is
returned as values (bot/engine/effects.py) that the service applies."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.policy import Candidate


class Ports(Protocol):
    today: date
    tz: ZoneInfo

    def find_candidates(self, name: str) -> list[Candidate]: ...

    def persons_looked_up(self) -> set[int]:
        """The persons this conversation looked up with a proof within the lookup window (stored)."""
        ...

    def open_case_reference(self, reason: str, person_id: int | None, details: dict[str, Any]) -> str | None:
        """The reference of this conversation's open case that a case for (reason, person, details)
        joins (bot.cases.opening.reusable_case), or None when it would be a new case."""
        ...

    def new_case_reference(self) -> str:
        """A fresh case reference, not yet taken (the case is opened with it when the turn is applied)."""
        ...

    def case_status(self, reference: str) -> str | None:
        """The status of a case of THIS conversation, or None (never another relative's case)."""
        ...

    def callback_number_known(self) -> bool:
        """Whether the channel itself carries a number a person can call (SMS, WhatsApp, voice)."""
        ...
