"""One error shape (api.schemas.ErrorOut), declared by every operation of the document for every error
it can answer, and produced by every error path: routes, validation, routing (404, 405 with the right
``Allow``), the body limit and an unexpected exception."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import CODE_OF_STATUS, ApiError, ErrorCode
from api.schemas import ErrorOut
from common.settings import Settings
from tests.api.conftest import Tokens

ERROR_REF = "#/components/schemas/ErrorOut"


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{method.upper()} {path}", operation) for path, item in document["paths"].items()
            for method, operation in item.items()]


@pytest.fixture
def document(settings: Settings) -> dict[str, Any]:
    return create_app(settings.model_copy(update={"hotline_webchat": True})).openapi()


def test_every_error_an_operation_declares_is_the_one_error_model(document: dict[str, Any]) -> None:
    for label, operation in _operations(document):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, (label, status)
    assert "HTTPValidationError" not in document["components"]["schemas"]  # FastAPI's 422, not ours


def test_every_operation_declares_the_errors_it_can_answer(document: dict[str, Any]) -> None:
    for label, operation in _operations(document):
        declared = set(operation["responses"])
        if operation.get("security"):
            assert {"401", "403"} <= declared, label
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], label
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in declared, label
        if "requestBody" in operation:
            assert {"400", "413"} <= declared, label
        if "{" in label and not label.startswith("GET /api/v1/exports/"):
            assert "404" in declared, label  # an id that names nothing


def test_roles_are_in_the_descriptions(document: dict[str, Any]) -> None:
    for label, operation in _operations(document):
        if operation.get("security"):
            text = operation.get("description", "")
            assert any(role in text for role in ("Viewer", "Operator", "Admin")), label


def test_a_method_a_path_does_not_serve_is_a_405_listing_every_method_it_does(client: TestClient,
                                                                                tokens: Tokens) -> None:
    for path, allowed in [("/api/v1/tokens", "GET, POST"), ("/api/v1/persons/1/status-reports", "GET, POST"),
                          ("/api/v1/persons/1/proof-lock", "DELETE")]:
        for method in ("OPTIONS", "PUT", "PATCH"):
            r = client.request(method, path, headers=tokens.headers("admin"))
            assert r.status_code == 405, (method, path)
            assert r.headers["Allow"] == allowed, (method, path)
            ErrorOut.model_validate(r.json())


def test_every_error_path_answers_in_the_one_shape(client: TestClient, tokens: Tokens) -> None:
    answers = [
        client.get("/api/v1/persons"),  # 401
        client.get("/api/v1/tokens", headers=tokens.headers("viewer")),  # 403
        client.get("/api/v1/persons/999", headers=tokens.headers("viewer")),  # 404 of a route
        client.get("/api/v1/nothing-here"),  # 404 of routing
        client.get("/api/v1/persons/abc", headers=tokens.headers("viewer")),  # 422
        client.post("/api/v1/tokens", content=b"\xff{", headers={**tokens.headers("admin"),
                                                                 "Content-Type": "application/json"}),  # 400
        client.post("/api/v1/tokens", content=b"{" + b" " * (1024 * 1024 + 1) + b"}",
                    headers={**tokens.headers("admin"), "Content-Type": "application/json"}),  # 413
    ]
    assert [r.status_code for r in answers] == [401, 403, 404, 404, 422, 400, 413]
    for r in answers:
        assert r.headers["content-type"] == "application/json"
        ErrorOut.model_validate(r.json())
    assert [r.json()["code"] for r in answers] == ["unauthenticated", "forbidden", "not_found", "not_found",
                                                  "invalid_input", "bad_request", "too_large"]
    assert answers[4].json()["errors"][0]["field"] == "path.person_id"


def test_an_unexpected_exception_is_a_json_500_that_tells_nothing(settings: Settings) -> None:
    app: FastAPI = create_app(settings)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret detail from deep inside")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/v1/boom")
    assert r.status_code == 500
    assert r.json() == {"detail": "internal server error", "code": "internal_error"}


def test_a_route_gives_its_own_code_and_fields_with_api_error(settings: Settings) -> None:
    app: FastAPI = create_app(settings)

    @app.get("/api/v1/refuse")
    def refuse() -> None:
        raise ApiError(409, "case_closed", "the case is closed", headers={"ETag": '"3"'}, current_version=3)

    @app.get("/api/v1/plain")
    def plain() -> None:
        raise HTTPException(409, detail="the record changed")

    with TestClient(app) as c:
        r = c.get("/api/v1/refuse")
        assert (r.status_code, r.headers["ETag"]) == (409, '"3"')
        assert r.json() == {"detail": "the case is closed", "code": "case_closed", "current_version": 3}
        ErrorOut.model_validate(r.json())
        r = c.get("/api/v1/plain")
        assert r.json() == {"detail": "the record changed", "code": "conflict"}
        r = c.put("/api/v1/plain")
        assert (r.status_code, r.json()["code"], r.headers["Allow"]) == (405, "method_not_allowed", "GET")


def test_every_shared_code_is_documented_with_the_error_model(document: dict[str, Any]) -> None:
    described = document["components"]["schemas"]["ErrorOut"]["properties"]["code"]["description"]
    for status, code in CODE_OF_STATUS.items():
        assert f"`{code}` {status}" in described, code
    assert f"`{ErrorCode.STALE_VERSION}` 409" in described
