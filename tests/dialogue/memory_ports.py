"""The dialogue's ports in memory (bot/engine/ports.py), and a chat that pushes a message and pops
the replies and effects: the engine tested errbot-style, in milliseconds, no database.

The reads mirror what bot/conversations.py ``DbPorts`` reads (a simple name match stands in for
the retrieval, which tests/matching covers); ``apply`` keeps what later turns read (open cases,
proven lookups), as the service's transaction would. Every person here is FICTIONAL.
"""

from __future__ import annotations

import functools
import io
import itertools
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.engine import effects as fx
from bot.engine.dialogue import Inbound, Turn, respond
from bot.matching.keys import fold
from bot.matching.score import score
from bot.policy import PROVEN_OUTCOMES, Candidate, PolicyConfig
from bot.roster.demo import demo_roster_bytes
from bot.roster.parse import detect_format, read_rows
from bot.sms import to_gsm7
from db.repositories import case_store

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
    inquiry: dict[str, Any] | None = None  # the details of the inquiry the case points at


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
    prefix: str | None = None  # draw references as the service does (db.repositories.case_store)
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
        # bot.cases.opening.reusable_case: about no record, only the case of the same search (the name of
        # the inquiry the case points at), or one with no inquiry to tell them apart.
        name = details.get("name")
        for case in open_:
            previous = (case.inquiry or {}).get("name")
            if case.person_id == person_id and (person_id is not None or not name or not previous
                                                or fold(previous) == fold(name)):
                return case.reference
        return None

    def new_case_reference(self) -> str:
        if self.prefix is None:
            return f"T-{next(self._numbers):04d}"
        taken = {c.reference for c in self.cases}
        while (reference := case_store.new_reference(self.prefix)) in taken:
            pass
        return reference

    def case_status(self, reference: str) -> str | None:
        return next((c.status for c in self.cases if c.reference == reference), None)

    def callback_number_known(self) -> bool:
        return self.channel in ("sms", "whatsapp", "voice")

    # --- what the service's transaction would keep

    def apply(self, effects: list[fx.Effect]) -> None:
        opened: OpenedCase | None = None  # the case this turn opened or joined last (DbPorts._opened_case)
        for effect in effects:
            match effect:
                case fx.OpenCase(reference=ref, reason=reason, priority=priority, person_id=pid, details=details):
                    opened = next((c for c in self.cases if c.reference == ref), None)
                    if opened is None:
                        opened = OpenedCase(ref, reason, priority, pid, details.get("name"))
                        self.cases.append(opened)
                case fx.RecordInquiry(details=details, person_id=pid, outcome=outcome):
                    if opened is not None and opened.inquiry is None:
                        opened.inquiry = dict(details)
                    if pid is not None and outcome in PROVEN_OUTCOMES:
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


# --- the FICTIONAL demo roster in memory, and a relative talking to it ------------------------------
#
# The conversation tests that check only what the dialogue says (texts, proof, namesakes, language,
# policy branches) run here, with no database: the demo roster (bot/roster/demo_roster.csv) is read
# by the importer's own parser (bot.roster.parse) into the candidates the service would hand to the
# policy, as bot/roster/importer.py stores them (a death as confirmed by the demo's second person).
# The name search scores every row with the real scorer (bot.matching.score); retrieval, which only
# narrows the pool in the database, is covered by tests/matching. The same flows run end to end on
# both databases in tests/dialogue/test_conversations*.py (``relative``).


@dataclass(frozen=True)
class RosterEntry:
    external_id: str
    given_names: str
    surnames: str
    candidate: Candidate


@functools.cache
def demo_roster(today: date) -> tuple[RosterEntry, ...]:
    """The demo roster's rows, ids 1..68 in file order, listed ``today`` (the import's day)."""
    data = demo_roster_bytes()
    fmt = detect_format(lambda: io.BytesIO(data))
    assert fmt is not None
    now = datetime.now(UTC)
    entries = []
    for person_id, row in enumerate(read_rows(lambda: io.BytesIO(data), fmt, today=today, now=now), start=1):
        assert row.external_id is not None
        stated = row.states_status
        candidate = Candidate(
            person_id=person_id, name=f"{row.given_names} {row.surnames}", score=0.0, strong=False,
            nationality=row.nationality, birth_date=row.birth_date, approx_age=row.age,
            restricted=bool(row.restricted), status=row.effective_status if stated else "unconfirmed",
            location=row.location if stated else None, source=row.source if stated else None,
            verified_at=(row.verified_at or (now if row.source else None)) if stated else None,
            listed_on=today)
        entries.append(RosterEntry(row.external_id, row.given_names, row.surnames, candidate))
    return tuple(entries)


CASE_PREFIX = "JRZ"  # common.settings.Settings.hotline_case_prefix
CANDIDATE_LIMIT = 10  # as many as the service asks the search for (bot/conversations.py)


@dataclass
class RosterPorts(MemoryPorts):
    """MemoryPorts over the demo roster, the name search scored as the service's search scores it."""

    entries: tuple[RosterEntry, ...] = ()

    def find_candidates(self, name: str) -> list[Candidate]:
        found = []
        for entry in self.entries:
            result = score(name, entry.given_names, entry.surnames)
            if result.score > 0:
                found.append(dc_replace(entry.candidate, score=result.score, strong=result.strong))
        found.sort(key=lambda c: (-c.score, c.person_id))
        return found[:CANDIDATE_LIMIT]


@dataclass
class Disclosed:
    person_id: int
    text: str


@dataclass
class MemoryRelative:
    """The in-memory twin of tests/dialogue/conftest.py ``Relative``: ``say`` pushes a message and
    returns the replies as the channel sends them (SMS folded to GSM-7, as the service does)."""

    chat: Chat
    channel: str
    address: str
    transcript: list[tuple[str, list[str]]] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)

    @property
    def ports(self) -> RosterPorts:
        assert isinstance(self.chat.ports, RosterPorts)
        return self.chat.ports

    def say(self, text: str | None, media_kind: str | None = None) -> list[str]:
        turn = self.chat.send(text, media_kind)
        replies = [to_gsm7(r) if self.channel == "sms" else r for r in turn.replies]
        self.turns.append(turn)
        self.transcript.append((text or f"<{media_kind}>", replies))
        return replies

    def said(self, text: str) -> str:
        return "\n".join(self.say(text))

    def cases(self) -> list[OpenedCase]:
        return list(self.ports.cases)

    def disclosures(self) -> list[Disclosed]:
        return [Disclosed(pid, text) for pid, text in self.ports.disclosures]

    def inquiries(self) -> list[str]:
        """The outcome of every inquiry recorded, in order."""
        return [e.outcome for t in self.turns for e in t.effects if isinstance(e, fx.RecordInquiry)]

    def person_id(self, external_id: str) -> int:
        return next(e.candidate.person_id for e in self.ports.entries if e.external_id == external_id)


_addresses = itertools.count(1)


def memory_relative(channel: str = "local", address: str | None = None, *, today: date,
                    lookup_limit_persons: int = 5) -> MemoryRelative:
    ports = RosterPorts(roster=[], channel=channel, today=today, prefix=CASE_PREFIX, entries=demo_roster(today))
    return MemoryRelative(Chat(ports, PolicyConfig(lookup_limit=lookup_limit_persons)), channel,
                          address or f"memory-relative-{next(_addresses)}")
