"""Absurd input never gets a 500: bounded pages, bad ids, huge strings, control characters; and the
OpenAPI document lists the API. Fictional data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import CaseSeed, Roster, Tokens

LIST_ROUTES = ("/api/v1/persons", "/api/v1/cases", "/api/v1/audit-events")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": -1},
        {"limit": 201},
        {"limit": 10**30},
        {"limit": "ten"},
        {"limit": "1.5"},
        {"offset": -1},
        {"offset": 10**30},
        {"offset": "x"},
    ],
)
def test_out_of_range_pagination_is_422_on_every_list(
    client: TestClient, tokens: Tokens, roster: Roster, params: dict[str, object]
) -> None:
    for route in LIST_ROUTES:
        response = client.get(route, params=params, headers=tokens.headers("admin"))
        assert response.status_code == 422, (route, params)
        (name,) = params
        assert f"query.{name}" in {e["field"] for e in response.json()["errors"]}


def test_the_largest_page_is_allowed(client: TestClient, tokens: Tokens, roster: Roster) -> None:
    for route in LIST_ROUTES:
        response = client.get(
            route, params={"limit": 200, "offset": 10_000_000}, headers=tokens.headers("admin")
        )
        assert response.status_code == 200, route
        assert response.json()["items"] == [] and response.json()["limit"] == 200


@pytest.mark.parametrize("bad_id", ["abc", "0", "-5", "1.5", str(2**31), str(10**40), "%00"])
def test_bad_ids_are_422_on_every_route_with_an_id(
    client: TestClient, tokens: Tokens, case_seed: CaseSeed, bad_id: str
) -> None:
    admin = tokens.headers("admin")
    requests = [
        ("GET", f"/api/v1/persons/{bad_id}", None),
        ("GET", f"/api/v1/persons/{bad_id}/status-reports", None),
        ("POST", f"/api/v1/persons/{bad_id}/status-reports", {"status": "unconfirmed"}),
        ("GET", f"/api/v1/cases/{bad_id}", None),
        ("POST", f"/api/v1/cases/{bad_id}/replies", {"text": "Hola."}),
        ("DELETE", f"/api/v1/tokens/{bad_id}", None),
    ]
    for method, url, body in requests:
        response = client.request(method, url, json=body, headers=admin)
        assert response.status_code == 422, (method, url, response.status_code)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 201},
        {"q": "José\x00"},
        {"external_id": "e" * 101},
        {"external_id": "\x07"},
        {"status": "alive"},
        {"nationality": "GTM"},
        {"nationality": "1A"},
        {"incident": 0},
        {"incident": 2**40},
    ],
)
def test_bad_person_filters_are_422(
    client: TestClient, tokens: Tokens, roster: Roster, params: dict[str, object]
) -> None:
    response = client.get("/api/v1/persons", params=params, headers=tokens.headers("viewer"))
    assert response.status_code == 422, params
    assert "\x00" not in response.text


def test_bad_case_and_audit_filters_are_422(client: TestClient, tokens: Tokens, case_seed: CaseSeed) -> None:
    admin = tokens.headers("admin")
    for route, params in [
        ("/api/v1/cases", {"status": "closed"}),
        ("/api/v1/cases", {"priority": "critical"}),
        ("/api/v1/audit-events", {"action": "a" * 51}),
        ("/api/v1/audit-events", {"actor": "token:\x00"}),
        ("/api/v1/audit-events", {"subject_id": "9" * 51}),
    ]:
        assert client.get(route, params=params, headers=admin).status_code == 422, (route, params)


def test_odd_but_valid_text_is_searched_safely(client: TestClient, tokens: Tokens, roster: Roster) -> None:
    for q in ("'; DROP TABLE persons; --", "ÑÑÑ 🙂", "%_%", "a" * 200, "\u202egarcia"):
        response = client.get("/api/v1/persons", params={"q": q}, headers=tokens.headers("viewer"))
        assert response.status_code == 200, q
    for external_id in ("'; --", "🙂", "%"):
        response = client.get(
            "/api/v1/persons", params={"external_id": external_id}, headers=tokens.headers("viewer")
        )
        assert response.status_code == 200 and response.json()["total"] == 0


def test_a_huge_body_is_refused_without_a_500(client: TestClient, tokens: Tokens, roster: Roster) -> None:
    response = client.post(
        f"/api/v1/persons/{roster.ids['F-002']}/status-reports",
        json={"status": "safe", "source": "s" * 2_000_000},
        headers=tokens.headers("operator"),
    )
    assert response.status_code == 413  # above the 1 MiB bound on request bodies (api/hardening.py)


def test_wrong_content_type_is_422(client: TestClient, tokens: Tokens, roster: Roster) -> None:
    response = client.post(
        f"/api/v1/persons/{roster.ids['F-002']}/status-reports",
        content="status=safe&source=x",
        headers={**tokens.headers("operator"), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422


def test_openapi_lists_the_api_with_bearer_auth_and_summaries(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    paths = spec["paths"]
    for path, method in [
        ("/api/v1/persons", "get"),
        ("/api/v1/persons/{person_id}", "get"),
        ("/api/v1/persons/{person_id}/status-reports", "get"),
        ("/api/v1/persons/{person_id}/status-reports", "post"),
        ("/api/v1/cases", "get"),
        ("/api/v1/cases/{case_id}", "get"),
        ("/api/v1/cases/{case_id}/replies", "post"),
        ("/api/v1/audit-events", "get"),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens/{token_id}", "delete"),
    ]:
        operation = paths[path][method]
        assert operation.get("description"), (path, method)  # from the route's docstring
        assert operation.get("security"), (path, method)
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    person_schema = spec["components"]["schemas"]["PersonOut"]["properties"]
    assert "document_number" not in person_schema and "notes" not in person_schema
