"""The one place where what a relative said meets the roster and the disclosure policy, for every
channel that talks to relatives (the chat dialogue, the voice line): find the candidates, decide,
count the failed proofs against each person (SPEC 5, rule 6), and remember in the conversation the
records this contact contradicted (they are for a person to review from then on).

Pure apart from the ports it is given; the channel turns the decision into its own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.engine.ports import Ports
from bot.policy import (
    AskBirthDate,
    AskNationality,
    Decision,
    Escalate,
    PolicyConfig,
    Stated,
    decide,
    detail_to_ask,
    failed_proofs,
)


@dataclass(frozen=True)
class Judgement:
    decision: Decision
    failed_proofs: int  # how many persons this statement failed a proof against


def stated_of(details: dict[str, Any]) -> Stated:
    """What the relative said about the sought person (the stored details)."""
    birth = details.get("birth_date")
    return Stated(
        birth_date=date.fromisoformat(birth) if birth else None,
        age=details.get("age"),
        nationality=details.get("nationality"),
    )


def judge(details: dict[str, Any], shared: dict[str, Any], ports: Ports, config: PolicyConfig | None, *,
          may_ask_birth_date: bool, may_ask_nationality: bool = False) -> Judgement:
    """Decide on ``details`` (which must hold a name). ``shared`` is the conversation's state: its
    ``conflicts`` (records this contact contradicted) are read and updated here."""
    candidates = ports.find_candidates(details["name"])
    stated = stated_of(details)
    conflicts = set(shared.get("conflicts", ()))
    decision = decide(stated, candidates, ports.persons_looked_up(), ports.today, config, frozenset(conflicts))
    failed = failed_proofs(stated, candidates, ports.today)
    for person_id in failed:
        ports.record_failed_proof(person_id, dict(details))
        conflicts.add(person_id)
    if isinstance(decision, Escalate) and decision.reason == "conflicting_details" and decision.person_id:
        conflicts.add(decision.person_id)
    if conflicts:
        shared["conflicts"] = sorted(conflicts)
    wanted = detail_to_ask(decision, stated)
    if wanted == "birth_date" and may_ask_birth_date:
        decision = AskBirthDate()
    elif wanted == "nationality" and may_ask_nationality:
        decision = AskNationality()
    if isinstance(decision, AskBirthDate) and not may_ask_birth_date:
        decision = Escalate("ambiguous")  # namesakes and no birth date: a person tells them apart
    return Judgement(decision, len(failed))
