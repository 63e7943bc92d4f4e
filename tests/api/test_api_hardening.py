"""Findings 9 and 11 through the API: exports safe in a spreadsheet of any locale and well-formed
whatever was stored; control characters and lone surrogates refused with a 422 and a reason; no
500 from 100,000-deep JSON on any route or from a date that overflows in UTC. All data FICTIONAL."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from db.models import Person, StatusReport
from tests.api.conftest import Roster, Tokens

FORMULAS = {
    "F-001": ("Juan;=1+1", "Hernández, +SUMA(1;2)"),
    "F-004": ("=HYPERLINK(\"http://ejemplo.invalid\")", "@Ramírez\t-3"),
}
TRIGGERS = ("=", "+", "-", "@")


def _runs_as_formula(piece: str) -> bool:
    return piece.lstrip(" ")[:1] in TRIGGERS


def test_the_consulate_csv_quotes_every_cell_and_no_split_of_it_starts_a_formula(
        client: TestClient, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        for external_id, (given, surnames) in FORMULAS.items():
            person = s.get(Person, roster.ids[external_id])
            assert person is not None
            person.given_names, person.surnames = given, surnames
        s.query(StatusReport).filter(StatusReport.person_id == roster.ids["F-004"]).update(
            {"location": "Albergue Ficticio;-1+1", "source": "Acta ficticia,@cmd"})
    response = client.get("/api/v1/exports/nationality/GT.csv", headers=tokens.headers("admin"))
    assert response.status_code == 200
    text = response.text.removeprefix("\ufeff")  # the byte-order mark for Spanish Excel (docs/api.md)
    records = list(csv.reader(io.StringIO(text)))
    # Every cell quoted: each field of the raw file starts and ends with a double quote.
    raw_lines = text.split("\r\n")
    for line in filter(None, raw_lines):
        assert line.startswith('"') and line.endswith('"'), line
        assert len(re.findall(r'(?:^|,)"', line)) == len(records[0])
    cells = [cell for record in records[1:] for cell in record]
    assert any("Juan" in c for c in cells)
    # Whatever separator a spreadsheet splits on (Spain and most of Latin America use ";"), no
    # piece of any cell starts a formula.
    for cell in cells:
        for separator in (";", ",", "\t", "|", "\n"):
            for piece in cell.split(separator):
                assert not _runs_as_formula(piece), (cell, separator)
    assert "Juan;'=1+1" in cells and "'=HYPERLINK(\"http://ejemplo.invalid\")" in cells


def test_the_pfif_export_is_well_formed_even_with_control_characters_stored_before(
        client: TestClient, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:  # what an older version let in, written behind the API's back
        person = s.get(Person, roster.ids["F-001"])
        assert person is not None
        person.given_names = "José\x07Luis\x1b"
        s.query(StatusReport).filter(StatusReport.person_id == roster.ids["F-001"]).update(
            {"location": "Hospital\x0bFicticio\x7f", "source": "Lista\x1f ficticia"})  # (PostgreSQL cannot hold NUL)
    response = client.get("/api/v1/exports/pfif.xml", headers=tokens.headers("admin"))
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # raises on a document that is not well-formed
    names = [e.text for e in root.iter("{http://zesty.ca/pfif/1.4}given_name")]
    assert "JoséLuis" in names
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", response.text)


@pytest.mark.parametrize(("field", "value"), [
    ("location", "Hospital\x07Ficticio"), ("location", "Hospital\x7f"), ("source", "Lista\x85ficticia"),
    ("source", "Lista \ud800 ficticia"), ("verified_by", "Enfermería\ufffe"), ("location", "Hospital\x00"),
])
def test_control_characters_and_lone_surrogates_in_api_fields_are_a_422_with_a_reason(
        client: TestClient, tokens: Tokens, roster: Roster, field: str, value: str) -> None:
    body = {"status": "safe", "source": "Acta ficticia 7", field: value}
    # json.dumps escapes a lone surrogate as \\ud800, as any client library would send it.
    r = client.post(f"/api/v1/persons/{roster.ids['F-002']}/status-reports", content=json.dumps(body),
                    headers={**tokens.headers("operator"), "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["field"] == f"body.{field}" and "control characters are not allowed" in error["reason"]


def test_control_characters_in_a_query_are_a_422(client: TestClient, tokens: Tokens) -> None:
    r = client.get("/api/v1/persons", params={"q": "Juan\x7f"}, headers=tokens.headers("viewer"))
    assert r.status_code == 422


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "0001-01-01T05:00:00+10:00", "1850-05-01T00:00:00Z"])
def test_a_verified_at_that_cannot_be_a_time_in_utc_is_a_422(client: TestClient, tokens: Tokens, roster: Roster,
                                                             when: str) -> None:
    r = client.post(f"/api/v1/persons/{roster.ids['F-002']}/status-reports",
                    json={"status": "safe", "source": "Acta ficticia 8", "verified_at": when},
                    headers=tokens.headers("operator"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "body.verified_at"


def test_deeply_nested_json_is_a_4xx_on_every_route_that_takes_a_body(client: TestClient, tokens: Tokens) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    routes = [(method, re.sub(r"\{[^}]+\}", "1", route.path), getattr(route, "body_field", None) is not None)
              for route in iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
              for method in (route.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}]
    json_routes = {path for _, path, takes_body in routes if takes_body}
    assert {"/api/v1/persons/1/status-reports", "/api/v1/cases/1/replies"} <= json_routes
    assert any(path == "/webhooks/telegram" for _, path, _ in routes)
    headers = {**tokens.headers("admin"), "Content-Type": "application/json"}
    for method, path, takes_body in routes:
        r = client.request(method, path, content=deep, headers=headers)
        assert r.status_code < 500, (method, path, r.status_code)
        if takes_body and not path.startswith("/console/"):  # console forms: refused (CSRF) before parsing
            assert r.status_code in (400, 422), (method, path, r.status_code)


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_since_that_cannot_be_a_time_in_utc_is_a_422(client: TestClient, tokens: Tokens, since: str) -> None:
    r = client.get("/api/v1/exports/pfif.xml", params={"since": since}, headers=tokens.headers("admin"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.since"
