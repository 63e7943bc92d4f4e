"""The OpenAPI document is the API: Schemathesis generates requests for every operation of
``/openapi.json`` (valid ones and invalid ones, DELETE included) and checks every answer against
the document with every check it has: no server error; status codes, content types, headers and
bodies as declared; invalid input refused; valid input not refused; 405 with the right ``Allow``
for undeclared methods; auth not ignored; and, in the stateful phase, chains of calls (what a POST
made can be read; what a DELETE removed is gone).

It runs Schemathesis' own engine (the one behind ``st run``: examples, coverage, fuzzing and
stateful phases) against the ASGI app, on both databases, with a fictional roster and cases. The
run authenticates with an admin token of its own and never revokes it (it may revoke any other
token, the other admin's included), and valid reports are verified in the past
(tests/api/schemathesis_hooks.py). The default size fits CI; docs/api.md ("Checking the document")
gives a longer run: ``SCHEMATHESIS_MAX_EXAMPLES``, ``SCHEMATHESIS_MAX_STEPS`` and
``SCHEMATHESIS_SEED`` (to replay a run) scale and fix it.
"""

from __future__ import annotations

import os
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.schemas import BaseSchema
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from bot.auth import create_token
from common.settings import Settings
from db.models import ApiToken
from tests.api.conftest import CaseSeed, Roster, Tokens
from tests.api.schemathesis_hooks import protect

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))
MAX_STEPS = int(os.environ.get("SCHEMATHESIS_MAX_STEPS", "20"))
# A run is random unless a seed is given; a failing run names its seed to replay it.
SEED = int(os.environ.get("SCHEMATHESIS_SEED") or random.randrange(2**32))


def run_config(bearer: str) -> schemathesis.Config:
    config: dict[str, Any] = {
        "checks": {"enabled": True},  # every check Schemathesis has
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},  # valid and invalid requests
        "phases": {"stateful": {"max-steps": MAX_STEPS}},
        "auth": {"openapi": {"HTTPBearer": {"bearer": bearer}}},
        "seed": SEED,
    }
    return schemathesis.Config.from_dict(config)


@pytest.fixture
def own_token(session_factory: sessionmaker[Session], tokens: Tokens) -> tuple[int, str]:
    """The run's admin token (made after the other roles' tokens): its id and its secret."""
    with session_factory.begin() as s:
        own, bearer = create_token(s, "schemathesis", "admin", actor="test")
        s.flush()
        return own.id, bearer


@pytest.fixture
def api_schema(db_url: str, roster: Roster, case_seed: CaseSeed, tokens: Tokens,
               own_token: tuple[int, str]) -> Iterator[BaseSchema]:
    """The document served by the app (web chat on, no rate limit), bound to that app."""
    own_id, bearer = own_token
    settings = Settings(database_url=db_url, hotline_public_url="http://testserver", pfif_domain="hotline.example.org",
                        hotline_webchat=True, webchat_messages_per_minute=0)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings), config=run_config(bearer))

    protect(own_id, instead=tokens.ids["admin"])  # the other admin's
    yield schema
    shutdown_lifespans()  # the app's lifespan, which Schemathesis started


@dataclass
class Outcome:
    operations: set[str] = field(default_factory=set)
    requests: int = 0
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))  # by operation
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def run(schema: BaseSchema) -> Outcome:
    outcome = Outcome()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            recorder = event.recorder
            outcome.requests += len(recorder.interactions)
            for case_id, interaction in recorder.interactions.items():
                if interaction.response is not None and case_id in recorder.cases:
                    label = recorder.cases[case_id].value.operation.label
                    outcome.statuses[label][interaction.response.status_code] += 1
            if recorder.label:
                outcome.operations.add(recorder.label)
            for checks in recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        outcome.failures.append(f"{recorder.label} [{failure.code} {failure.title}] {failure.message}"
                                                f"\n    {check.failure_info.code_sample}")
        elif isinstance(event, events.NonFatalError):
            outcome.errors.append(f"{event.label}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            outcome.errors.append(f"fatal: {event.exception!r}")
    return outcome


def test_every_operation_answers_as_its_document_says(api_schema: BaseSchema, own_token: tuple[int, str],
                                                      session_factory: sessionmaker[Session]) -> None:
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert {"DELETE /api/v1/tokens/{token_id}", "DELETE /api/v1/persons/{person_id}/proof-lock",
            "POST /api/v1/persons/{person_id}/status-reports", "POST /chat/messages"} <= labels

    outcome = run(api_schema)

    replay = f"(replay: SCHEMATHESIS_SEED={SEED})"
    assert not outcome.errors, "\n".join([replay, *outcome.errors])
    unique = sorted(set(outcome.failures))
    assert not unique, f"{len(unique)} unique failures in {outcome.requests} requests {replay}:\n" + "\n".join(unique)
    assert labels <= outcome.operations, f"not exercised: {sorted(labels - outcome.operations)}"
    assert outcome.requests >= 10 * len(labels)
    # It got past validation and authorisation too: real answers, revocations included...
    succeeded = {label for label, counts in outcome.statuses.items() if any(200 <= c < 300 for c in counts)}
    assert {"GET /api/v1/persons/{person_id}", "POST /api/v1/persons/{person_id}/status-reports",
            "POST /api/v1/tokens", "DELETE /api/v1/tokens/{token_id}", "POST /chat/messages"} <= succeeded, replay
    # ...and never with its own token.
    with session_factory() as s:
        own = s.get(ApiToken, own_token[0])
        assert own is not None and own.revoked_at is None, f"the run revoked its own token {replay}"
    print(f"\nSchemathesis: {len(labels)} operations, {outcome.requests} requests, 0 failures (seed {SEED})")
