"""One owner of each request's transaction (docs/architecture.md, "Who commits"): the session
dependency (``api.deps.SessionDep``) commits when the route returns and BEFORE the response starts,
so a 2xx means the work, its audit event included, is stored. Routes do not commit themselves."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from common.settings import Settings
from db.models import AuditEvent, Case
from tests.api.conftest import CaseSeed, Roster, Tokens


class Timeline:
    """Records when each commit ends and when the response starts, in one clock."""

    def __init__(self) -> None:
        self.commits: list[float] = []
        self.response_started: float | None = None


@pytest.fixture
def timeline() -> Iterator[Timeline]:
    seen = Timeline()

    def committed(_session: Session) -> None:
        seen.commits.append(time.monotonic())

    event.listen(Session, "after_commit", committed)
    yield seen
    event.remove(Session, "after_commit", committed)


@pytest.fixture
def timed_client(settings: Settings, timeline: Timeline) -> Iterator[TestClient]:
    app = create_app(settings)

    async def asgi(scope, receive, send):  # type: ignore[no-untyped-def]
        async def timed_send(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start" and timeline.response_started is None:
                timeline.response_started = time.monotonic()
            await send(message)
        await app(scope, receive, timed_send)

    with TestClient(asgi, raise_server_exceptions=False) as client:  # type: ignore[arg-type]
        yield client


def test_a_read_is_audited_and_committed_before_its_answer_starts(
    timed_client: TestClient, tokens: Tokens, timeline: Timeline, roster: Roster,
    session_factory: sessionmaker[Session],
) -> None:
    person_id = roster.ids["F-001"]
    timeline.commits.clear()
    response = timed_client.get(f"/api/v1/persons/{person_id}", headers=tokens.headers("viewer"))
    assert response.status_code == 200
    assert timeline.response_started is not None and timeline.commits, "the request's transaction committed"
    assert min(timeline.commits) < timeline.response_started
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "person_read", AuditEvent.subject_id == str(person_id))) == 1


def test_a_case_action_is_committed_by_the_dependency_before_its_answer(
    timed_client: TestClient, tokens: Tokens, timeline: Timeline, case_seed: CaseSeed,
    session_factory: sessionmaker[Session],
) -> None:
    timeline.commits.clear()
    response = timed_client.post(f"/api/v1/cases/{case_seed.open_id}/resolve", headers=tokens.headers("operator"),
                                 json={"note": "Resuelto en la prueba (ficticio)."})
    assert response.status_code == 200, response.text
    assert timeline.response_started is not None and timeline.commits
    assert min(timeline.commits) < timeline.response_started
    with session_factory() as s:
        assert s.get(Case, case_seed.open_id).status == "resolved"  # type: ignore[union-attr]
