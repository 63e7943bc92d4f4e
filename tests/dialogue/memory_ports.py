"""The dialogue's ports in memory (bot/engine/ports.py), and a chat that pushes a message and pops
the replies and effects: the engine tested errbot-style, in milliseconds, no database.

The reads mirror what bot/conversations.py ``DbPorts`` reads (a simple name match stands in for
the retrieval, which tests/matching covers); ``apply`` keeps what later turns read (open cases,
proven lookups), as the service's transaction would. Every person here is FICTIONAL.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.engine import effects as fx
from bot.engine.dialogue import Inbound, Turn, respond
from bot.matching.keys import fold
from bot.policy import Candidate, PolicyConfig

TODAY = date(2023, 3, 29)
TZ = ZoneInfo("America/Ciudad_Juarez")
VERIFIED = datetime(2023, 3, 28, 20, 0, tzinfo=UTC)


def person(person_id: int, name: str, *, born: date | None = None, status: str = "hospitalized",
           nationality: str | None = "GT", restricted: bool = False, source: str | None = "Lista de prueba (ficticia)",
           approx_age: int | None = None) -> Candidate:
    """A fictional roster record as the search hands it to the policy."""
    return Candidate(person_id=person_id, name=name, score=1.0, strong=True, nationality=nationality,
                     birth_date=born, approx_age=approx_age, restricted=restricted, status=status,
                     location="Hospital General (ficticio), Ciudad Juárez", source=source,
                     verified_at=VERIFIED, listed_on=TODAY if approx_age is not None else None)


@dataclass
class OpenedCase:
    reference: str
    reason: str
    priority: str
    person_id: int | None
    name: str | None
    status: str = "open"
    callback_phone: str | None = None


@dataclass
class MemoryPorts:
    roster: list[Candidate]
    channel: str = "telegram"
    today: date = TODAY
    tz: ZoneInfo = TZ
    cases: list[OpenedCase] = field(default_factory=list)
    looked_up: set[int] = field(default_factory=set)
    subscriptions: list[tuple[int | None, str | None]] = field(default_factory=list)
    failed_proofs: list[int] = field(default_factory=list)
    disclosures: list[tuple[int, str]] = field(default_factory=list)
    opted_out: bool = False
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # --- reads

    def find_candidates(self, name: str) -> list[Candidate]:
        wanted = set(fold(name).split())
        return [c for c in self.roster if wanted and wanted <= set(fold(c.name).split())]

    def persons_looked_up(self) -> set[int]:
        return set(self.looked_up)

    def open_case_reference(self, reason: str, person_id: int | None, details: dict[str, Any]) -> str | None:
        open_ = [c for c in reversed(self.cases) if c.status != "resolved"]
        if reason == "asked_for_person" and open_:
            return open_[0].reference
        name = details.get("name")
        for case in open_:
            if case.person_id == person_id and (person_id is not None or not name or not case.name
                                                or fold(case.name) == fold(name)):
                return case.reference
        return None

    def new_case_reference(self) -> str:
        return f"T-{next(self._numbers):04d}"

    def case_status(self, reference: str) -> str | None:
        return next((c.status for c in self.cases if c.reference == reference), None)

    def callback_number_known(self) -> bool:
        return self.channel in ("sms", "whatsapp", "voice")

    # --- what the service's transaction would keep

    def apply(self, effects: list[fx.Effect]) -> None:
        for effect in effects:
            match effect:
                case fx.OpenCase(reference=ref, reason=reason, priority=priority, person_id=pid, details=details):
                    known = next((c for c in self.cases if c.reference == ref), None)
                    if known is None:
                        self.cases.append(OpenedCase(ref, reason, priority, pid, details.get("name")))
                case fx.RecordInquiry(person_id=pid, outcome=outcome) if pid is not None:
                    if outcome in fx.PROVEN_OUTCOMES:
                        self.looked_up.add(pid)
                case fx.RecordDisclosure(person_id=pid, text=text):
                    self.disclosures.append((pid, text))
                case fx.FailedProof(person_id=pid):
                    self.failed_proofs.append(pid)
                case fx.Subscribe(person_id=pid, case_reference=ref):
                    self.subscriptions.append((pid, ref))
                case fx.OptOut():
                    self.opted_out = True
                case fx.SetCallbackPhone(reference=ref, phone=phone):
                    for case in self.cases:
                        if case.reference == ref:
                            case.callback_phone = phone


@dataclass
class Chat:
    """One relative's conversation: ``send`` pushes a message and pops that turn."""

    ports: MemoryPorts
    config: PolicyConfig = field(default_factory=PolicyConfig)
    state: dict[str, Any] = field(default_factory=dict)

    def send(self, text: str | None, media_kind: str | None = None) -> Turn:
        turn = respond(self.state, Inbound(text=text, media_kind=media_kind), self.ports, self.config)
        self.ports.apply(turn.effects)
        self.state = turn.state
        return turn
