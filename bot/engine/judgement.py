"""The one place where what a relative said meets the roster and the disclosure policy, for every
channel that talks to relatives (the chat dialogue, the voice line): find the candidates, decide,
count the failed proofs against each person (SPEC 5, rule 6), and remember in the conversation the
records this contact contradicted (they are for a person to review from then on).

Pure: it reads through the ports it is given and returns the failed proofs as effects
(bot/engine/effects.py); the channel turns the decision into its own words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.engine.effects import Effect, FailedProof, looked_up_in
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
    effects: tuple[FailedProof, ...]  # the persons this statement failed a proof against

    @property
    def failed_proofs(self) -> int:
        return len(self.effects)


def stated_of(details: dict[str, Any]) -> Stated:
    """What the relative said about the sought person (the stored details)."""
    birth = details.get("birth_date")
    return Stated(
        birth_date=date.fromisoformat(birth) if birth else None,
        age=details.get("age"),
        nationality=details.get("nationality"),
    )


def judge(details: dict[str, Any], shared: dict[str, Any], ports: Ports, config: PolicyConfig | None, *,
          may_ask_birth_date: bool, may_ask_nationality: bool = False,
          earlier: Sequence[Effect] = ()) -> Judgement:
    """Decide on ``details`` (which must hold a name). ``shared`` is the conversation's state: its
    ``conflicts`` (records this contact contradicted) are read and updated here. ``earlier``: the
    effects of this turn so far (persons looked up before this one count for the lookup limit)."""
    candidates = ports.find_candidates(details["name"])
    stated = stated_of(details)
    conflicts = set(shared.get("conflicts", ()))
    looked_up = ports.persons_looked_up() | looked_up_in(earlier)
    decision = decide(stated, candidates, looked_up, ports.today, config, frozenset(conflicts))
    failed = failed_proofs(stated, candidates, ports.today)
    for person_id in failed:
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
    return Judgement(decision, tuple(FailedProof(person_id, dict(details)) for person_id in failed))
