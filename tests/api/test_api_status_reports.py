"""Recording status reports through the API: validation, optimistic concurrency (body or If-Match),
append-only history and the audit trail. Fictional data."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import AuditEvent, Person, StatusReport
from tests.api.conftest import Roster, Tokens

SAFE = {"status": "safe", "location": "Albergue Ficticio, Ciudad Ficticia", "source": "Acta ficticia 31"}


def _reports(session_factory: sessionmaker[Session], person_id: int) -> list[StatusReport]:
    with session_factory() as s:
        return list(
            s.scalars(
                select(StatusReport).where(StatusReport.person_id == person_id).order_by(StatusReport.version)
            )
        )


def test_a_report_is_appended_and_becomes_the_current_status(
    client: TestClient, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session]
) -> None:
    pid = roster.ids["F-001"]
    verified_at = "2023-03-29T10:15:00-06:00"
    response = client.post(
        f"/api/v1/persons/{pid}/status-reports",
        headers=tokens.headers("operator"),
        json={**SAFE, "verified_by": "Oficial ficticia", "verified_at": verified_at, "expected_version": 1},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status_version"] == 2 and response.headers["etag"] == 'W/"2"'
    report = body["report"]
    assert report["version"] == 2 and report["status"] == "safe"
    assert report["created_by"] == f"token:{tokens.ids['operator']}"
    assert datetime.fromisoformat(report["verified_at"]) == datetime(2023, 3, 29, 16, 15, tzinfo=UTC)

    person = client.get(f"/api/v1/persons/{pid}", headers=tokens.headers("viewer")).json()
    assert person["current_status"] == "safe" and person["status_version"] == 2
    assert person["current_report"]["location"] == SAFE["location"]
    assert person["current_report"]["verified_by"] == "Oficial ficticia"

    history = client.get(f"/api/v1/persons/{pid}/status-reports", headers=tokens.headers("viewer")).json()
    assert [(r["version"], r["status"]) for r in history["items"]] == [(1, "hospitalized"), (2, "safe")]


def test_a_status_change_is_audited_with_who_from_and_to(
    client: TestClient, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session]
) -> None:
    pid = roster.ids["F-002"]
    client.post(f"/api/v1/persons/{pid}/status-reports", headers=tokens.headers("operator"), json=SAFE)
    with session_factory() as s:
        (event,) = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "status_change", AuditEvent.subject_id == str(pid))
        )
    assert event.actor == f"token:{tokens.ids['operator']}"
    assert event.details["from"] == "unconfirmed" and event.details["to"] == "safe"
    assert event.details["source"] == SAFE["source"] and event.details["version"] == 1


def test_two_clients_that_read_the_same_version_cannot_both_write(
    client: TestClient,
    tokens: Tokens,
    roster: Roster,
    session_factory: sessionmaker[Session],
    new_token: Callable[[str], tuple[int, str]],
) -> None:
    pid = roster.ids["F-001"]
    _, other_secret = new_token("operator")
    other = {"Authorization": f"Bearer {other_secret}"}
    version_a = client.get(f"/api/v1/persons/{pid}", headers=tokens.headers("operator")).json()[
        "status_version"
    ]
    version_b = client.get(f"/api/v1/persons/{pid}", headers=other).json()["status_version"]
    assert version_a == version_b == 1

    first = client.post(
        f"/api/v1/persons/{pid}/status-reports",
        headers=tokens.headers("operator"),
        json={**SAFE, "expected_version": version_a},
    )
    second = client.post(
        f"/api/v1/persons/{pid}/status-reports",
        headers=other,
        json={
            "status": "transferred",
            "location": "Otra Ciudad Ficticia",
            "source": "Oficio ficticio 9",
            "expected_version": version_b,
        },
    )
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["current_version"] == 2 and "2" in second.json()["detail"]
    assert second.json()["code"] == "stale_version"
    assert second.headers["etag"] == 'W/"2"'
    assert [(r.version, r.status) for r in _reports(session_factory, pid)] == [
        (1, "hospitalized"),
        (2, "safe"),
    ]


def test_if_match_header_is_the_same_precondition(
    client: TestClient, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session]
) -> None:
    pid = roster.ids["F-004"]  # version 1
    etag = client.get(f"/api/v1/persons/{pid}", headers=tokens.headers("viewer")).headers["etag"]
    ok = client.post(
        f"/api/v1/persons/{pid}/status-reports",
        json=SAFE,
        headers={**tokens.headers("operator"), "If-Match": etag},
    )
    assert ok.status_code == 201 and ok.json()["status_version"] == 2
    for stale in (etag, '"1"', "1"):
        response = client.post(
            f"/api/v1/persons/{pid}/status-reports",
            json=SAFE,
            headers={**tokens.headers("operator"), "If-Match": stale},
        )
        assert response.status_code == 409, stale
    any_version = client.post(
        f"/api/v1/persons/{pid}/status-reports",
        json=SAFE,
        headers={**tokens.headers("operator"), "If-Match": "*"},
    )
    assert any_version.status_code == 201 and any_version.json()["status_version"] == 3
    assert len(_reports(session_factory, pid)) == 3


@pytest.mark.parametrize("if_match", ["not-a-version", 'W/"9999999999"', "null"])
def test_a_malformed_precondition_is_422(client: TestClient, tokens: Tokens, roster: Roster, if_match: str) -> None:
    response = client.post(
        f"/api/v1/persons/{roster.ids['F-004']}/status-reports",
        json=SAFE,
        headers={**tokens.headers("operator"), "If-Match": if_match},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "header.If-Match"


@pytest.mark.parametrize(("if_match", "body_version"), [('W/"1"', 0), ('W/"0"', 1), ('"2"', 1)])
def test_two_different_preconditions_are_a_409_and_nothing_is_written(
    client: TestClient, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session], if_match: str,
    body_version: int,
) -> None:
    """expected_version and If-Match naming two versions: at least one is stale, whichever is current."""
    pid = roster.ids["F-004"]  # status version 1
    response = client.post(
        f"/api/v1/persons/{pid}/status-reports",
        json={**SAFE, "expected_version": body_version},
        headers={**tokens.headers("operator"), "If-Match": if_match},
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 1
    assert len(_reports(session_factory, pid)) == 1


def test_without_a_precondition_the_report_is_appended_to_whatever_is_current(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    pid = roster.ids["F-004"]
    for expected in (2, 3):
        response = client.post(
            f"/api/v1/persons/{pid}/status-reports", json=SAFE, headers=tokens.headers("operator")
        )
        assert response.json()["status_version"] == expected


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"status": "alive", "source": "x"}, "body.status", "Input should be"),
        ({"status": "safe"}, "body", "a verified status needs its source"),
        ({"status": "deceased", "source": "   "}, "body", "a verified status needs its source"),
        ({"status": "safe", "source": "x" * 301}, "body.source", "at most 300"),
        ({"status": "safe", "source": "x", "location": "l" * 301}, "body.location", "at most 300"),
        ({"status": "safe", "source": "x\x00y"}, "body.source", "control characters"),
        (
            {"status": "safe", "source": "x", "verified_at": "2023-03-29T10:15:00"},
            "body.verified_at",
            "timezone",
        ),
        ({"status": "safe", "source": "x", "verified_at": "yesterday"}, "body.verified_at", "datetime"),
        ({"status": "safe", "source": "x", "expected_version": -1}, "body.expected_version", "greater"),
        ({"status": "safe", "source": "x", "expected_version": 2**40}, "body.expected_version", "less"),
        ({"status": "safe", "source": "x", "expected_version": "one"}, "body.expected_version", "integer"),
        ({"status": "safe", "source": "x", "colour": "red"}, "body.colour", "Extra inputs"),
        ({"source": "x"}, "body.status", "Field required"),
    ],
)
def test_an_invalid_report_is_422_with_the_field_and_reason_and_writes_nothing(
    client: TestClient,
    tokens: Tokens,
    roster: Roster,
    session_factory: sessionmaker[Session],
    body: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    pid = roster.ids["F-002"]
    response = client.post(
        f"/api/v1/persons/{pid}/status-reports", json=body, headers=tokens.headers("operator")
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"] == field and reason in e["reason"] for e in errors), errors
    assert "x\x00y" not in response.text  # input is never echoed back
    assert _reports(session_factory, pid) == []


def test_verified_at_in_the_future_is_refused(client: TestClient, tokens: Tokens, roster: Roster,
                                              session_factory: sessionmaker[Session]) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = client.post(
        f"/api/v1/persons/{roster.ids['F-002']}/status-reports",
        json={**SAFE, "verified_at": tomorrow},
        headers=tokens.headers("operator"),
    )
    # 409, not 422: the body is valid by the document; it conflicts with the server's clock.
    assert response.status_code == 409
    assert "later than this server's clock" in response.json()["detail"]
    assert _reports(session_factory, roster.ids["F-002"]) == []


def test_an_unconfirmed_report_needs_no_source(client: TestClient, tokens: Tokens, roster: Roster) -> None:
    response = client.post(
        f"/api/v1/persons/{roster.ids['F-004']}/status-reports",
        json={"status": "unconfirmed"},
        headers=tokens.headers("operator"),
    )
    assert response.status_code == 201
    assert response.json()["report"]["source"] is None


def test_bad_json_is_422_not_500(client: TestClient, tokens: Tokens, roster: Roster) -> None:
    pid = roster.ids["F-002"]
    for raw in (b"{not json", b"", b"[]", b'"safe"', b"null", b"\xff\xfe"):
        response = client.post(
            f"/api/v1/persons/{pid}/status-reports",
            content=raw,
            headers={**tokens.headers("operator"), "Content-Type": "application/json"},
        )
        assert response.status_code == 422, raw


def test_concurrent_writers_with_the_same_version_one_wins(
    settings: Any,
    client: TestClient,
    tokens: Tokens,
    roster: Roster,
    session_factory: sessionmaker[Session],
    new_token: Callable[[str], tuple[int, str]],
) -> None:
    """Two real concurrent requests (threads, separate connections), both conditional on version 1."""
    pid = roster.ids["F-001"]
    secrets = [new_token("operator")[1] for _ in range(2)]
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def post(secret: str, status: str) -> None:
        barrier.wait()
        response = client.post(
            f"/api/v1/persons/{pid}/status-reports",
            headers={"Authorization": f"Bearer {secret}"},
            json={
                "status": status,
                "location": "Lugar ficticio",
                "source": "Fuente ficticia",
                "expected_version": 1,
            },
        )
        codes.append(response.status_code)

    threads = [
        threading.Thread(target=post, args=(secrets[0], "safe")),
        threading.Thread(target=post, args=(secrets[1], "transferred")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201, 409]
    reports = _reports(session_factory, pid)
    assert [r.version for r in reports] == [1, 2]
    with session_factory() as s:
        person = s.get(Person, pid)
        assert person is not None
        assert (person.status_version, person.current_status) == (2, reports[-1].status)
