"""What a turn changes in the world, as plain values: the engine returns them in its result (the
chat's ``Turn``, the call's ``Outcome``) and the service applies them, in order, in the turn's
transaction (bot/conversations.py ``DbPorts.apply``). The engine reads through its ports and never
writes through them, so a test pushes a message and pops the reply and these values, in
milliseconds (tests/dialogue/memory_ports.py).

A case's reference goes into the reply's words before anything is written, so it is settled here:
the case this would join (one opened earlier in this turn, else the conversation's open case, read
through ``ports.open_case_reference``) or a fresh one the ports draw (``ports.new_case_reference``).
The service opens or joins the case with exactly that reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.engine.ports import Ports
from bot.matching.keys import fold
from bot.policy import PROVEN_OUTCOMES


@dataclass(frozen=True)
class OpenCase:
    """Open a case with ``reference``, or join the conversation's open case that carries it."""

    reference: str
    reason: str
    priority: str
    person_id: int | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordInquiry:
    """What the relative asked and how it ended; it becomes the inquiry of a case opened just before."""

    details: dict[str, Any]
    person_id: int | None
    outcome: str


@dataclass(frozen=True)
class RecordDisclosure:
    """The exact words that stated a person's status (audited)."""

    person_id: int
    text: str


@dataclass(frozen=True)
class FailedProof:
    """A statement failed the knowledge proof about this person (SPEC 5, rule 6)."""

    person_id: int
    details: dict[str, Any]


@dataclass(frozen=True)
class Subscribe:
    """The relative agreed to updates about a person or a case."""

    person_id: int | None
    case_reference: str | None


@dataclass(frozen=True)
class SubscribeSms:
    """A caller agreed to updates by SMS on the number they call from (the voice line)."""

    person_id: int | None
    case_reference: str | None


@dataclass(frozen=True)
class OptOut:
    """The relative asked for silence (BAJA, STOP): bot/opt_out.py."""


@dataclass(frozen=True)
class SetCallbackPhone:
    """The number (E.164) the relative gave for the call back of this conversation's case."""

    reference: str
    phone: str


Effect = OpenCase | RecordInquiry | RecordDisclosure | FailedProof | Subscribe | SubscribeSms | OptOut | SetCallbackPhone


def looked_up_in(effects: Sequence[Effect]) -> set[int]:
    """The persons this turn already looked up with a proof (several persons in one message): the
    lookup limit counts them as the stored inquiries would."""
    return {e.person_id for e in effects
            if isinstance(e, RecordInquiry) and e.person_id is not None and e.outcome in PROVEN_OUTCOMES}


def open_case(effects: list[Effect], ports: Ports, reason: str, priority: str, person_id: int | None,
              details: dict[str, Any]) -> str:
    """Add an ``OpenCase`` to ``effects`` and return the reference the relative is told."""
    reference = (_joined_in_turn(effects, reason, person_id, details)
                 or ports.open_case_reference(reason, person_id, details)
                 or _fresh(effects, ports))
    effects.append(OpenCase(reference, reason, priority, person_id, dict(details)))
    return reference


def _joined_in_turn(effects: Sequence[Effect], reason: str, person_id: int | None,
                    details: dict[str, Any]) -> str | None:
    """A case opened earlier in this turn that this one joins, by the rule of bot.cases.opening.reusable_case:
    HUMANO joins any case; otherwise the same person, or (about no record) the same search."""
    for i in range(len(effects) - 1, -1, -1):
        e = effects[i]
        if not isinstance(e, OpenCase):
            continue
        if reason == "asked_for_person":
            return e.reference
        if e.person_id != person_id:
            continue
        if person_id is not None or _same_search(_inquiry_name(effects, i), details.get("name")):
            return e.reference
    return None


def _inquiry_name(effects: Sequence[Effect], opened_at: int) -> str | None:
    """The name of the inquiry a new case points at: the first one recorded after it."""
    inquiry = next((e for e in effects[opened_at + 1:] if isinstance(e, RecordInquiry)), None)
    return (inquiry.details or {}).get("name") if inquiry else None


def _same_search(previous: str | None, name: str | None) -> bool:
    return not name or not previous or fold(previous) == fold(name)


def _fresh(effects: Sequence[Effect], ports: Ports) -> str:
    taken = {e.reference for e in effects if isinstance(e, OpenCase)}
    for _ in range(20):
        reference = ports.new_case_reference()
        if reference not in taken:
            return reference
    raise RuntimeError("could not draw a fresh case reference")
