"""Who may call what: every /api/v1 route against admin, operator, viewer, reporter, an expired token
of each role, and no token.

The matrix below must name every route of the app: a new route without an entry fails
``test_every_api_route_is_in_the_matrix``, so nobody can add an endpoint without deciding its role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from bot.auth import ROLE_RANK, create_token, create_user
from bot.status_review import propose_status
from common.settings import Settings
from db.base import utcnow
from db.models import ApiToken, Case, Conversation, Incident
from db.repositories.status import NewReport
from tests.api.conftest import ROLES, CaseSeed, Roster, Tokens, add_person


@dataclass
class Ctx:
    roster: Roster
    cases: CaseSeed
    new_token: Callable[[str], tuple[int, str]]
    factory: sessionmaker[Session]
    settings: Settings
    serial: Iterator[int] = field(default_factory=lambda: count(1))

    def fresh_case(self, reason: str = "unconfirmed") -> int:
        """A new open case (state-changing routes run once per role, each on its own case)."""
        with self.factory.begin() as s:
            n = next(self.serial)
            conv = Conversation(channel="sms", address=f"+1999777{n:04d}")
            s.add(conv)
            s.flush()
            case = Case(reference=f"MX-{n:04d}", conversation_id=conv.id, reason=reason,
                        priority="urgent" if reason == "death_notification" else "normal", status="open",
                        channel="sms")
            s.add(case)
            s.flush()
            return case.id

    def resolved_case(self) -> int:
        case_id = self.fresh_case()
        with self.factory.begin() as s:
            case = s.get(Case, case_id)
            assert case is not None
            case.status, case.resolution, case.resolved_at = "resolved", "Cerrado (prueba).", utcnow()
        return case_id

    def colleague(self) -> int:
        """A new active operator account (fictional) to assign a case to."""
        with self.factory.begin() as s:
            user = create_user(s, f"colega.{next(self.serial)}", "operator", "contraseña ficticia de prueba 2024",
                               actor="test")
            return user.id

    def fresh_proposal(self) -> int:
        """A pending ``deceased`` proposal by another token, about a new fictional person."""
        proposer, _ = self.new_token("operator")
        with self.factory.begin() as s:
            incident = s.get(Incident, self.roster.incident_id)
            assert incident is not None
            person = add_person(s, incident, "Ficticio", "De Prueba Matriz")
            pending = propose_status(s, person, NewReport("deceased", "Lugar ficticio", "Acta ficticia 99"),
                                     self.settings, actor=f"token:{proposer}")
            return pending.id


@dataclass(frozen=True)
class Entry:
    role: str  # the least role allowed
    success: int
    request: Callable[[Ctx], dict[str, Any]]  # path and optional json body
    also: tuple[str, ...] = ()  # unranked roles also allowed (a reporter only adds status reports)


MATRIX: dict[tuple[str, str], Entry] = {
    ("GET", "/api/v1/persons"): Entry("viewer", 200, lambda c: {"url": "/api/v1/persons"}),
    ("GET", "/api/v1/persons/{person_id}"): Entry(
        "viewer", 200, lambda c: {"url": f"/api/v1/persons/{c.roster.ids['F-001']}"}
    ),
    ("GET", "/api/v1/persons/{person_id}/status-reports"): Entry(
        "viewer", 200, lambda c: {"url": f"/api/v1/persons/{c.roster.ids['F-001']}/status-reports"}
    ),
    ("POST", "/api/v1/persons/{person_id}/status-reports"): Entry(
        "operator",
        201,
        lambda c: {
            "url": f"/api/v1/persons/{c.roster.ids['F-002']}/status-reports",
            "json": {"status": "safe", "location": "Albergue Ficticio", "source": "Acta ficticia 7"},
        },
        also=("reporter",),
    ),
    # The proof lock (SPEC 5 rule 6): what strangers typed about a person is for operators only.
    ("GET", "/api/v1/persons/{person_id}/proof-attempts"): Entry(
        "operator", 200, lambda c: {"url": f"/api/v1/persons/{c.roster.ids['F-001']}/proof-attempts"}
    ),
    ("DELETE", "/api/v1/persons/{person_id}/proof-lock"): Entry(
        "operator", 200, lambda c: {"url": f"/api/v1/persons/{c.roster.ids['F-001']}/proof-lock"}
    ),
    ("GET", "/api/v1/cases"): Entry("viewer", 200, lambda c: {"url": "/api/v1/cases"}),
    ("GET", "/api/v1/cases/{case_id}"): Entry(
        "viewer", 200, lambda c: {"url": f"/api/v1/cases/{c.cases.open_id}"}
    ),
    ("POST", "/api/v1/cases/{case_id}/replies"): Entry(
        "operator",
        202,
        lambda c: {
            "url": f"/api/v1/cases/{c.cases.open_id}/replies",
            "json": {"text": "Seguimos revisando su caso."},
        },
    ),
    ("POST", "/api/v1/cases/{case_id}/link"): Entry(
        "operator",
        200,
        lambda c: {"url": f"/api/v1/cases/{c.fresh_case()}/link", "json": {"person_id": c.roster.ids["F-004"]}},
    ),
    ("POST", "/api/v1/cases/{case_id}/death-notification"): Entry(
        "operator",
        200,
        lambda c: {
            "url": f"/api/v1/cases/{c.fresh_case('death_notification')}/death-notification",
            "json": {"note": "Llamada ficticia de prueba a la familia."},
        },
    ),
    # The matrix's tokens belong to integrations: they assign, and hold no case themselves (409).
    ("POST", "/api/v1/cases/{case_id}/take"): Entry(
        "operator", 409, lambda c: {"url": f"/api/v1/cases/{c.fresh_case()}/take", "json": {}},
    ),
    ("POST", "/api/v1/cases/{case_id}/assign"): Entry(
        "operator", 200,
        lambda c: {"url": f"/api/v1/cases/{c.fresh_case()}/assign", "json": {"user_id": c.colleague()}},
    ),
    ("POST", "/api/v1/cases/{case_id}/reopen"): Entry(
        "operator", 200,
        lambda c: {"url": f"/api/v1/cases/{c.resolved_case()}/reopen", "json": {"note": "Reabierto (prueba)."}},
    ),
    ("POST", "/api/v1/cases/{case_id}/resolve"): Entry(
        "operator",
        200,
        lambda c: {"url": f"/api/v1/cases/{c.fresh_case()}/resolve", "json": {"note": "Cerrado (prueba)."}},
    ),
    # Twilio is off in these settings: an operator gets as far as the 409 that says so.
    ("POST", "/api/v1/cases/{case_id}/calls"): Entry(
        "operator",
        409,
        lambda c: {"url": f"/api/v1/cases/{c.cases.open_id}/calls", "json": {"operator_phone": "+50255590100"}},
    ),
    ("GET", "/api/v1/cases/{case_id}/calls"): Entry(
        "viewer", 200, lambda c: {"url": f"/api/v1/cases/{c.cases.open_id}/calls"}
    ),
    ("GET", "/api/v1/pending-status-reports"): Entry(
        "viewer", 200, lambda c: {"url": "/api/v1/pending-status-reports"}
    ),
    ("POST", "/api/v1/pending-status-reports/{pending_id}/confirm"): Entry(
        "operator", 201, lambda c: {"url": f"/api/v1/pending-status-reports/{c.fresh_proposal()}/confirm"}
    ),
    ("POST", "/api/v1/pending-status-reports/{pending_id}/reject"): Entry(
        "operator",
        200,
        lambda c: {
            "url": f"/api/v1/pending-status-reports/{c.fresh_proposal()}/reject",
            "json": {"note": "Fuente no verificada (prueba)."},
        },
    ),
    ("GET", "/api/v1/exports/nationality/{code}.csv"): Entry(
        "admin", 200, lambda c: {"url": "/api/v1/exports/nationality/GT.csv"}
    ),
    ("GET", "/api/v1/exports/pfif.xml"): Entry("admin", 200, lambda c: {"url": "/api/v1/exports/pfif.xml"}),
    ("GET", "/api/v1/audit-events"): Entry("admin", 200, lambda c: {"url": "/api/v1/audit-events"}),
    ("GET", "/api/v1/tokens"): Entry("admin", 200, lambda c: {"url": "/api/v1/tokens"}),
    ("POST", "/api/v1/tokens"): Entry(
        "admin", 201, lambda c: {"url": "/api/v1/tokens", "json": {"name": "matrix", "role": "viewer"}}
    ),
    ("DELETE", "/api/v1/tokens/{token_id}"): Entry(
        "admin", 200, lambda c: {"url": f"/api/v1/tokens/{c.new_token('viewer')[0]}"}
    ),
}


def _api_routes(settings: Settings) -> set[tuple[str, str]]:
    """Every (method, path) under /api/, from the live routing table and from the OpenAPI schema."""
    app = create_app(settings)
    try:  # FastAPI keeps included routers as lazy branches; this flattens them.
        from fastapi.routing import iter_route_contexts

        routes: list[Any] = list(iter_route_contexts(app.routes))
    except ImportError:  # older FastAPI: included routes are copied into app.routes
        routes = [r for r in app.routes if isinstance(r, APIRoute)]
    found = {
        (method, route.path)
        for route in routes
        if (route.path or "").startswith("/api/")
        for method in route.methods or ()
        if method != "HEAD"
    }
    for path, operations in app.openapi()["paths"].items():
        if path.startswith("/api/"):
            found |= {(method.upper(), path) for method in operations}
    return found


def test_every_api_route_is_in_the_matrix(settings: Settings) -> None:
    routes = _api_routes(settings)
    assert len(routes) >= 11
    assert routes - MATRIX.keys() == set(), "routes without an authorisation decision"
    assert MATRIX.keys() - routes == set(), "matrix entries for routes that no longer exist"


def test_each_role_gets_exactly_what_its_rank_allows(
    client: TestClient,
    tokens: Tokens,
    roster: Roster,
    case_seed: CaseSeed,
    new_token: Callable[[str], tuple[int, str]],
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    ctx = Ctx(roster, case_seed, new_token, session_factory, settings)
    failures = []
    for (method, path), entry in MATRIX.items():
        for role in (*ROLES, None):
            headers = tokens.headers(role) if role else {}
            response = client.request(method, headers=headers, **entry.request(ctx))
            if role is None:
                expected = 401
            elif role in entry.also or ROLE_RANK[role] >= ROLE_RANK[entry.role]:
                expected = entry.success
            else:
                expected = 403
            if response.status_code != expected:
                failures.append(f"{method} {path} as {role}: {response.status_code}, expected {expected}")
    assert failures == []


def test_a_missing_or_invalid_token_is_401_with_a_bearer_challenge(
    client: TestClient, tokens: Tokens
) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer hl_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwdw=="},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer " + "x" * 10_000},
    ):
        response = client.get("/api/v1/persons", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["detail"]


def test_insufficient_role_is_403_with_the_role_needed(client: TestClient, tokens: Tokens) -> None:
    response = client.get("/api/v1/audit-events", headers=tokens.headers("operator"))
    assert response.status_code == 403
    assert "admin" in response.json()["detail"]


def test_a_revoked_token_stops_working_at_once(
    client: TestClient, tokens: Tokens, new_token: Callable[[str], tuple[int, str]]
) -> None:
    token_id, secret = new_token("operator")
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{token_id}", headers=tokens.headers("admin"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_an_expired_token_of_any_role_gets_401_everywhere(
    client: TestClient,
    roster: Roster,
    case_seed: CaseSeed,
    new_token: Callable[[str], tuple[int, str]],
    session_factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    ctx = Ctx(roster, case_seed, new_token, session_factory, settings)
    expired: dict[str, str] = {}
    with session_factory.begin() as s:
        for role in ROLES:
            token, secret = create_token(s, f"caducado {role}", role, actor="test", expires_days=1)
            token.expires_at = utcnow() - timedelta(seconds=1)
            expired[role] = secret
    failures = []
    for (method, path), entry in MATRIX.items():
        for role, secret in expired.items():
            response = client.request(method, headers={"Authorization": f"Bearer {secret}"}, **entry.request(ctx))
            if response.status_code != 401 or response.headers.get("www-authenticate") != "Bearer":
                failures.append(f"{method} {path} with an expired {role} token: {response.status_code}")
    assert failures == []


def test_a_token_works_until_it_expires(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as s:
        token, secret = create_token(s, "prueba de caducidad", "viewer", actor="test", expires_days=30)
        token_id = token.id
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/persons", headers=headers).status_code == 200
    with session_factory.begin() as s:
        row = s.get(ApiToken, token_id)
        assert row is not None and row.expires_at is not None
        assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
        row.expires_at = utcnow() - timedelta(seconds=1)
    r = client.get("/api/v1/persons", headers=headers)
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_a_reporter_is_told_it_may_only_add_status_reports(client: TestClient, tokens: Tokens,
                                                           roster: Roster) -> None:
    r = client.get(f"/api/v1/persons/{roster.ids['F-001']}", headers=tokens.headers("reporter"))
    assert r.status_code == 403 and r.json()["detail"] == "a reporter token may only add status reports"
