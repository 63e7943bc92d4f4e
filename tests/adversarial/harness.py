"""Plays FICTIONAL personas through the real service (``bot.conversations.handle_inbound``, the path of
the local channels) and database, and scores every reply against the oracle (SPEC section 5).

Each persona is a fresh contact. Before each message the oracle says, from what has been said about
each sought person so far, which disclosures are allowed; after it the harness reads what the bot
did: the disclosures recorded in the audit log (and any reply carrying a record's place or status
words), the team-will-call sentence said only for deaths, death words, questions and case
references. A reply is recognised by the words of the catalogue (bot/texts_es.py), never by the
engine's state.

Scores per sought person (an "inquiry" in SPEC 3):
- wrong disclosure: a disclosure the oracle does not allow at that moment (before the proof, with a
  conflicting detail, another record, restricted / unconfirmed / deceased, over the lookup limit,
  under a proof lock), or a text that is not the record's own;
- death hint: the team-will-call sentence when no deceased record's proof has passed (or under a
  lock), and any death word in any reply;
- recall: the persona's knowledge allows a disclosure (``expected``) and the bot made it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import texts_es as T
from bot.conversations import handle_inbound
from common.settings import Settings
from db.models import AuditEvent, Case
from db.session import session_scope
from tests.adversarial import render as W
from tests.adversarial.inquiries import Episode, Knowledge, Message, Persona
from tests.adversarial.oracle import Facts, Fit, Oracle, Said, Verdict
from tests.adversarial.roster import Record

CHANNEL = "local"
MAX_ANSWERS = 8
# No reply may state or hint at a death (SPEC 5); "forense" is also in every deceased record's place.
DEATH_WORDS = ("fallec", "muert", "murió", "murio", "sin vida", "lament", "defunc", "forense", "cadáver", "cadaver",
               "pésame", "pesame", "descanse", "deceso", "perdió la vida", "perdio la vida", "sepelio", "funeral",
               "condolenc", "velorio", "restos mortales", "q.e.p.d")
REFERENCE = re.compile(r"\b[A-Z]{2,6}-[0-9A-Z]{4}\b")
DONT_KNOW = ("no sé", "no se", "no sé cuándo nació", "no la sé", "no lo sé", "no me acuerdo", "no sabemos")


def today_for(settings: Settings) -> date:
    """Today on the hotline's clock, as the service computes it."""
    return datetime.now(ZoneInfo(settings.hotline_timezone)).date()


class Replies:
    """Recognises the bot's replies by the catalogue's words."""

    def __init__(self, roster: Sequence[Record]) -> None:
        parts = [p for p in re.split(r"\{[^}]*\}", T.TEAM_WILL_CALL) if len(p.strip()) >= 12]
        self.call_marks = [p.strip() for p in parts]
        self.status_words = tuple(getattr(T, "STATUS_TEXT", {}).values())
        self.places = {r.location: r.external_id for r in roster if r.location}

    def is_call(self, text: str) -> bool:
        return bool(self.call_marks) and any(mark in text for mark in self.call_marks)

    def disclosed_places(self, text: str) -> list[str]:
        return [ext for place, ext in self.places.items() if place in text]

    def looks_like_disclosure(self, text: str) -> bool:
        return "verificada el" in text or any(w in text for w in self.status_words) or bool(self.disclosed_places(text))

    def kind(self, text: str) -> str:
        low = text.lower()
        if self.is_call(text):
            return "call"
        if self.looks_like_disclosure(text):
            return "disclosure"
        if REFERENCE.search(text):
            return "case"
        if "fecha" in low or "nacimiento" in low:
            return "ask_birth"
        if "país" in low or "pais" in low:
            return "ask_country"
        if "nombre" in low:
            return "ask_name"
        return "other"


@dataclass
class Event:
    """Something the oracle objects to, with enough to reproduce it."""

    kind: str  # "wrong" or "death"
    cause: str
    record: str | None
    message_index: int
    reply: str


@dataclass
class TargetResult:
    family: str
    persona: str
    intent: str
    index: int
    knowledge: Knowledge
    expected: Verdict  # from what the persona knows, at its start
    disclosed: list[str] = field(default_factory=list)
    called: bool = False
    events: list[Event] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.expected.must is not None

    @property
    def answered(self) -> bool:
        return self.expected.must is not None and self.expected.must in self.disclosed


@dataclass
class PersonaRun:
    persona: Persona
    address: str
    transcript: list[tuple[str, list[str]]] = field(default_factory=list)
    targets: list[TargetResult] = field(default_factory=list)
    cases: list[tuple[str, str, str | None]] = field(default_factory=list)  # (reason, priority, external id)
    repeated_question: int = 0  # the most times one question text was asked

    @property
    def family(self) -> str:
        return self.persona.family


class Harness:
    def __init__(self, factory: sessionmaker[Session], settings: Settings, roster: Sequence[Record],
                 person_ids: dict[str, int], *, today: date | None = None) -> None:
        self.factory = factory
        self.settings = settings
        self.roster = {r.external_id: r for r in roster}
        self.external = {pid: ext for ext, pid in person_ids.items()}
        self.today = today or today_for(settings)
        self.oracle = Oracle(list(roster), self.today, lookup_limit=settings.lookup_limit_persons,
                             lock_attempts=getattr(settings, "proof_lock_attempts", 3))
        self.replies = Replies(roster)
        self._last_audit = 0
        self._ids = 0
        self.looked: set[str] = set()  # persons the current contact certainly looked up (the bot disclosed them)
        self.maybe_looked: set[str] = set()  # persons the oracle allowed it (did the bot look them up?)

    # --- running ------------------------------------------------------------------------------------
    def run(self, episodes: Iterable[Episode]) -> list[PersonaRun]:
        return [self.play(p) for episode in episodes for p in episode]

    def play(self, persona: Persona) -> PersonaRun:
        run = PersonaRun(persona, address=f"adv-{persona.key}-{random.Random(persona.seed).randrange(1 << 30):08x}")
        state = _PersonaState(persona)
        looked: set[str] = set()
        maybe: set[str] = set()
        for i, k in enumerate(persona.targets):
            expected = self.oracle.verdict(_facts_of(k), looked, maybe)
            looked.update(x for x in (expected.must, expected.call) if x)
            maybe.update(expected.may | expected.call_may)
            run.targets.append(TargetResult(persona.family, persona.key, persona.intent, i, k, expected))
        self.looked, self.maybe_looked = set(), set()
        for message in persona.opening:
            self.send(run, state, message)
        for _ in range(MAX_ANSWERS):
            if state.current >= len(persona.targets):
                break
            last = run.transcript[-1][1] if run.transcript else []
            nxt = persona.next_search.get(state.current)
            if nxt and state.current not in state.started:
                state.started.add(state.current)
                for message in nxt:
                    self.send(run, state, message)
                continue
            question = next((kind for kind in map(self.replies.kind, last) if kind.startswith("ask_")), None)
            answer = state.answer(question) if question else None
            if answer is None and any("SÍ o NO" in reply or "SI o NO" in reply for reply in last):
                # Someone else still to ask about: the relative answers the offer of news, as people do.
                answer = state.yes_or_no()
            if answer is None:
                break
            self.send(run, state, answer)
        self._collect_cases(run)
        return run

    def send(self, run: PersonaRun, state: _PersonaState, message: Message) -> None:
        failures = []
        for index, said in message.about:
            before = state.facts[index]
            after = before.merged(said)
            failure = self.oracle.failed_proof(before, after, said)
            if failure is not None:
                failure.contact = run.address
                failures.append(failure)
            state.facts[index] = after
            state.note(index, said)
        verdicts = [self.oracle.verdict(f, self.looked, self.maybe_looked) for f in state.facts]
        self._ids += 1
        with session_scope(self.factory) as session:
            result = handle_inbound(session, self.settings, channel=CHANNEL, address=run.address,
                                    provider_id=f"adv-{run.address}-{self._ids}", text=message.text)
        replies = list(result.replies)
        run.transcript.append((message.text, replies))
        position = len(run.transcript) - 1
        self._judge(run, position, verdicts, replies, self._new_disclosures(result.conversation_id), state)
        for failure in failures:
            self.oracle.record_failure(failure)
        for v in verdicts:
            self.maybe_looked.update(x for x in (v.must, v.call) if x)
        for reply in replies:
            state.asked(reply, self.replies.kind(reply))
        run.repeated_question = max(run.repeated_question, state.most_asked)
        finals = sum(1 for reply in replies if self.replies.kind(reply) in ("disclosure", "call", "case"))
        state.current = min(len(run.persona.targets), state.current + finals)

    def _new_disclosures(self, conversation_id: int) -> list[tuple[str | None, str]]:
        with self.factory() as session:
            events = list(session.scalars(select(AuditEvent).where(
                AuditEvent.action == "disclosure", AuditEvent.id > self._last_audit).order_by(AuditEvent.id)))
        found = []
        for e in events:
            self._last_audit = max(self._last_audit, e.id)
            if (e.details or {}).get("conversation_id") == conversation_id:
                pid = int(e.subject_id) if e.subject_id and e.subject_id.isdigit() else None
                found.append((self.external.get(pid) if pid is not None else None, str((e.details or {}).get("text", ""))))
        return found

    # --- judging --------------------------------------------------------------------------------------
    def _judge(self, run: PersonaRun, position: int, verdicts: list[Verdict], replies: list[str],
               audited: list[tuple[str | None, str]], state: _PersonaState) -> None:
        disclosed: dict[str, str] = {}
        for ext, text in audited:
            disclosed[ext or "?"] = text
        for reply in replies:
            if self.replies.looks_like_disclosure(reply) and not self.replies.is_call(reply):
                places = self.replies.disclosed_places(reply) or ["?"]
                for ext in places:
                    if ext not in disclosed:
                        disclosed[ext] = reply
                        if not audited:
                            self._event(run, "wrong", "disclosure text without an audit event", ext, position, reply)
        allowed = set().union(*(v.may for v in verdicts)) if verdicts else set()
        for ext, text in disclosed.items():
            target = self._target_for(run, ext)
            target.disclosed.append(ext)
            self.looked.add(ext)
            if ext not in allowed:
                self._event(run, "wrong", self.explain(ext, state.facts, verdicts), ext, position, text)
                continue
            record = self.roster[ext]
            if (record.location or "") not in text or record.full_name not in text:
                self._event(run, "wrong", "disclosure text is not the record's own (name or place)", ext, position, text)
        call_allowed = set().union(*(v.call_may for v in verdicts)) if verdicts else set()
        cursor = state.current  # which sought person a reply is about: the next one after each outcome
        for reply in replies:
            kind = self.replies.kind(reply)
            if kind == "call":
                target = run.targets[min(cursor, len(run.targets) - 1)]
                target.called = True
                if not call_allowed:
                    cause = "team-will-call sentence without a passed proof on a deceased record"
                    if any(self.oracle.locked(ext) == Fit.YES for ext in self._deceased_named(state.facts)):
                        cause = "team-will-call sentence under a proof lock"
                    target.events.append(Event("death", cause, None, position, reply))
            words = [w for w in DEATH_WORDS if w in reply.lower()]
            if words:
                target = run.targets[min(cursor, len(run.targets) - 1)]
                target.events.append(Event("death", f"death word in a reply ({', '.join(words)})", None, position, reply))
            if kind in ("disclosure", "call", "case"):
                cursor += 1

    def _event(self, run: PersonaRun, kind: str, cause: str, ext: str | None, position: int, reply: str) -> None:
        target = self._target_for(run, ext)
        target.events.append(Event(kind, cause, ext, position, reply))

    def _target_for(self, run: PersonaRun, ext: str | None) -> TargetResult:
        for t in run.targets:
            if ext is not None and (t.knowledge.record == ext or t.expected.must == ext):
                return t
        return run.targets[0]

    def _deceased_named(self, facts: list[Facts]) -> list[str]:
        found = []
        for f in facts:
            if f.name is not None:
                strong, partial, _ = self.oracle.candidates(f.name)
                found += [r.external_id for r in strong + partial if r.status == "deceased"]
        return found

    def explain(self, ext: str, facts: list[Facts], verdicts: list[Verdict]) -> str:
        """Why the oracle does not allow disclosing ``ext`` now (the first reason that holds)."""
        if ext == "?":
            return "a disclosure of no known record"
        record = self.roster[ext]
        if record.restricted:
            return "restricted record disclosed"
        if not record.verified:
            return "unconfirmed record disclosed"
        if record.status == "deceased":
            return "deceased record disclosed"
        named = [f for f in facts if f.name is not None and record in sum(self.oracle.candidates(f.name)[:2], [])]
        if not named:
            return "another record: the name said does not match it"
        if self.oracle.locked(ext).value == 2:
            return "disclosed under a proof lock"
        f = named[0]
        if self.oracle.consistent(record, f).value == 0:
            return "disclosed although a detail said conflicts with the record"
        if self.oracle.proven(record, f).value == 0:
            said = ", ".join(k for k, v in (("birth date", f.birth_dates), ("year", f.birth_years), ("age", f.ages),
                                             ("nationality", f.nationalities)) if v) or "nothing"
            kind = "birth date" if record.birth_date else "age with nationality"
            return f"disclosed without the proof ({kind}) said about the person; said about them: {said}"
        if any(v.why == "lookup limit" for v in verdicts):
            return "disclosed over the lookup limit"
        return "disclosed while another record fits as well (several candidates)"

    def _collect_cases(self, run: PersonaRun) -> None:
        from db.models import Conversation

        with self.factory() as session:
            rows = session.execute(
                select(Case.reason, Case.priority, Case.person_id).join(Conversation, Conversation.id == Case.conversation_id)
                .where(Conversation.channel == CHANNEL, Conversation.address == run.address).order_by(Case.id))
            run.cases = [(reason, priority, self.external.get(pid) if pid else None) for reason, priority, pid in rows]


class _PersonaState:
    """What a persona has said and been asked, and how it answers the bot's next question."""

    def __init__(self, persona: Persona) -> None:
        self.persona = persona
        self.rng = random.Random(persona.seed)
        self.facts = [Facts() for _ in persona.targets]
        self.current = 0
        self.started: set[int] = {0}
        self.counts: dict[tuple[int, str], int] = {}
        self.stated: list[set[str]] = [set() for _ in persona.targets]
        self.texts: dict[str, int] = {}

    @property
    def most_asked(self) -> int:
        return max(self.texts.values(), default=0)

    def note(self, index: int, said: Said) -> None:
        for key in ("name", "birth_date", "age", "nationality"):
            if getattr(said, key) is not None:
                self.stated[index].add(key)

    def asked(self, reply: str, kind: str) -> None:
        if kind.startswith("ask_"):
            self.texts[reply] = self.texts.get(reply, 0) + 1

    def yes_or_no(self) -> Message | None:
        n = self.counts[(self.current, "offer")] = self.counts.get((self.current, "offer"), 0) + 1
        return Message(self.rng.choice(["sí", "Si por favor", "no", "no gracias"])) if n == 1 else None

    def answer(self, question: str) -> Message | None:
        i = self.current
        k = self.persona.targets[i]
        n = self.counts[(i, question)] = self.counts.get((i, question), 0) + 1
        if question == "ask_name":
            return Message(k.written, ((i, Said(name=k.name)),)) if n <= 2 else None
        if question == "ask_country":
            if k.nationality and n <= 2:
                return Message(W.write_country_answer(k.nationality, k.female, self.rng), ((i, Said(nationality=k.nationality)),))
            return Message(self.rng.choice(DONT_KNOW), ((i, Said(dont_know=True)),)) if n <= 2 else None
        if k.birth_date and n <= 2:
            style = self.rng.choice(W.DATE_STYLES)
            return Message(W.write_date(k.birth_date, style), ((i, Said(birth_date=k.birth_date)),))
        if k.age is not None and "age" not in self.stated[i] and n <= 3:
            text = f"tiene {W.write_age(k.age, self.rng.random() < 0.4)} años"
            facts: dict[str, object] = {"age": k.age}
            if k.nationality and "nationality" not in self.stated[i]:
                text += ", " + W.write_nationality(k.nationality, k.female, self.rng)
                facts["nationality"] = k.nationality
            return Message(text, ((i, Said(**facts)),))  # type: ignore[arg-type]
        return Message(self.rng.choice(DONT_KNOW), ((i, Said(dont_know=True)),)) if n <= 3 else None


def _facts_of(k: Knowledge) -> Facts:
    return Facts().merged(Said(name=k.name, birth_date=k.birth_date, age=k.age, nationality=k.nationality))
