"""What the dialogue needs from the outside world, as a protocol: the service layer implements it
over the database (bot/conversations.py). The dialogue itself does no I/O."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.policy import Candidate


class Ports(Protocol):
    today: date
    tz: ZoneInfo

    def find_candidates(self, name: str) -> list[Candidate]: ...

    def persons_looked_up(self) -> set[int]: ...

    def record_inquiry(self, details: dict[str, Any], person_id: int | None, outcome: str) -> None: ...

    def open_case(self, reason: str, priority: str, person_id: int | None, details: dict[str, Any]) -> str:
        """Open (or reuse this conversation's open) case; returns its reference."""
        ...

    def record_disclosure(self, person_id: int, text: str) -> None: ...

    def record_failed_proof(self, person_id: int, details: dict[str, Any]) -> None:
        """A message failed the knowledge proof about this person (SPEC 5, rule 6): counted across
        all contacts; the person is locked when they reach the limit. Idempotent per conversation
        and statement."""
        ...

    def subscribe(self, person_id: int | None, case_reference: str | None) -> None: ...

    def case_status(self, reference: str) -> str | None:
        """The status of a case of THIS conversation, or None (never another relative's case)."""
        ...

    def opt_out(self) -> None: ...

    def callback_number_known(self) -> bool:
        """Whether the channel itself carries a number a person can call (SMS, WhatsApp, voice)."""
        ...

    def set_callback_phone(self, reference: str, phone: str) -> None:
        """The number (E.164) the relative gave for the call back of this conversation's case."""
        ...
