"""Exports for consulates (CSV per nationality) and tracing services (PFIF 1.4). Fictional roster of
tests/api/conftest.py: F-001 José Luis Hernández García (GT, hospitalised, document DOC-SECRET-1,
internal note), F-003 María Fernanda Pérez Ruiz (SV, restricted), F-004 Carlos Ramírez Ortega (GT, safe)."""

from __future__ import annotations

import csv
import io
from xml.etree import ElementTree as ET

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import exports
from db.models import AuditEvent, Person
from tests.api.conftest import Roster, Tokens

NS = {"pfif": "http://zesty.ca/pfif/1.4"}
NEVER = ("DOC-SECRET-1", "nota interna ficticia")


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # the byte-order mark Spanish Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_consulate_csv_has_one_row_per_national_with_the_current_status(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    response = client.get("/api/v1/exports/nationality/gt.csv", headers=tokens.headers("admin"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="hotline-GT.csv"' in response.headers["content-disposition"]
    text = response.text
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8's byte-order mark, for Spanish Excel
    assert text.splitlines()[0] == "\ufeff" + ",".join(f'"{c}"' for c in exports.CSV_COLUMNS)  # every cell quoted
    rows = {r["external_id"]: r for r in _rows(text) if r["incident"] == "Incendio ficticio de prueba"}
    assert set(rows) == {"F-001", "F-004"}
    jose = rows["F-001"]
    assert (jose["given_names"], jose["surnames"], jose["birth_date"]) == ("José Luis", "Hernández García", "1996-05-03")
    assert int(jose["age"]) >= 29
    assert (jose["status"], jose["estado"]) == ("hospitalized", "hospitalizado")
    assert jose["location"] == "Hospital General Ficticio, Ciudad Ficticia"
    assert jose["source"] == "Lista ficticia de ingresos 28/03 14:00"
    assert jose["verified_at"].endswith("Z")
    assert rows["F-004"]["estado"] == "a salvo"
    assert all(secret not in text for secret in NEVER)
    # The other incident's Guatemalan is there too unless the export is narrowed to one incident.
    assert len(_rows(text)) == 3
    narrowed = client.get(f"/api/v1/exports/nationality/GT.csv?incident={roster.incident_id}",
                          headers=tokens.headers("admin"))
    assert len(_rows(narrowed.text)) == 2


def test_restricted_records_leave_only_when_an_admin_asks(client: TestClient, tokens: Tokens, roster: Roster,
                                                         session_factory: sessionmaker[Session]) -> None:
    default = client.get("/api/v1/exports/nationality/SV.csv", headers=tokens.headers("admin"))
    assert _rows(default.text) == []
    opted = client.get("/api/v1/exports/nationality/SV.csv?include_restricted=true", headers=tokens.headers("admin"))
    assert [r["external_id"] for r in _rows(opted.text)] == ["F-003"]
    pfif = client.get("/api/v1/exports/pfif.xml", headers=tokens.headers("admin")).text
    assert "Pérez Ruiz" not in pfif
    with session_factory() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)))
    assert [(e.details["format"], e.details["include_restricted"]) for e in events] == [
        ("nationality_csv", False), ("nationality_csv", True), ("pfif_1.4", False)]
    assert events[1].details["person_ids"] == [roster.ids["F-003"]] and events[1].details["count"] == 1
    assert all(e.actor == f"token:{tokens.ids['admin']}" for e in events)


def test_a_cell_that_looks_like_a_formula_is_neutralised(session_factory: sessionmaker[Session], roster: Roster) -> None:
    with session_factory.begin() as s:
        person = s.get(Person, roster.ids["F-004"])
        assert person is not None
        person.surnames = "=HYPERLINK(\"http://ejemplo.invalid\")"
    with session_factory() as s:
        rows = _rows(exports.nationality_csv(s, "GT", roster.incident_id))
    assert {r["surnames"] for r in rows} >= {"'=HYPERLINK(\"http://ejemplo.invalid\")"}


def test_pfif_is_valid_xml_in_the_14_namespace_with_one_person_per_record(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    response = client.get(f"/api/v1/exports/pfif.xml?incident={roster.incident_id}", headers=tokens.headers("admin"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    assert all(secret not in response.text for secret in NEVER)
    root = ET.fromstring(response.content)
    assert root.tag == "{http://zesty.ca/pfif/1.4}pfif"
    persons = root.findall("pfif:person", NS)
    ids = [p.findtext("pfif:person_record_id", namespaces=NS) for p in persons]
    assert len(ids) == len(set(ids)) == 4  # F-001, F-002, F-004, F-005 (F-003 is restricted)
    assert f"hotline.example.org/{roster.ids['F-001']}" in ids
    jose = next(p for p in persons if p.findtext("pfif:person_record_id", namespaces=NS).endswith(f"/{roster.ids['F-001']}"))
    assert jose.findtext("pfif:full_name", namespaces=NS) == "José Luis Hernández García"
    assert jose.findtext("pfif:given_name", namespaces=NS) == "José Luis"
    assert jose.findtext("pfif:family_name", namespaces=NS) == "Hernández García"
    assert jose.findtext("pfif:date_of_birth", namespaces=NS) == "1996-05-03"
    assert jose.findtext("pfif:home_country", namespaces=NS) == "GT"
    assert jose.findtext("pfif:entry_date", namespaces=NS).endswith("Z")
    children = [c.tag.split("}")[1] for c in jose]
    order = [children.index(name) for name in ("person_record_id", "full_name", "home_country", "note")]
    assert order == sorted(order)
    [note] = jose.findall("pfif:note", NS)
    assert note.findtext("pfif:person_record_id", namespaces=NS) == jose.findtext("pfif:person_record_id", namespaces=NS)
    assert note.findtext("pfif:note_record_id", namespaces=NS).startswith("hotline.example.org/note.")
    assert note.findtext("pfif:author_name", namespaces=NS) == "Lista ficticia de ingresos 28/03 14:00"
    assert note.findtext("pfif:status", namespaces=NS) == "believed_alive"
    assert note.findtext("pfif:source_date", namespaces=NS).endswith("Z")
    text = note.findtext("pfif:text", namespaces=NS)
    assert "Hospitalizado" in text and "Lista ficticia de ingresos 28/03 14:00" in text
    assert "Hospital General Ficticio" in text
    # A person with no report yet has no note; one only on the list gets no invented status.
    carlos_like = [p for p in persons if not p.findall("pfif:note", NS)]
    assert len(carlos_like) == 2


def test_pfif_status_mapping_covers_every_status() -> None:
    from db.models import STATUSES

    assert set(exports.PFIF_STATUS) == set(STATUSES) == set(exports.STATUS_ES)
    assert exports.PFIF_STATUS["deceased"] == "believed_dead"
    assert exports.PFIF_STATUS["unconfirmed"] is None
    assert {exports.PFIF_STATUS[s] for s in STATUSES if s not in ("deceased", "unconfirmed")} == {"believed_alive"}


def test_exports_are_for_admins_only(client: TestClient, tokens: Tokens) -> None:
    for url in ("/api/v1/exports/nationality/GT.csv", "/api/v1/exports/pfif.xml"):
        assert client.get(url, headers=tokens.headers("operator")).status_code == 403
    assert client.get("/api/v1/exports/nationality/GTM.csv", headers=tokens.headers("admin")).status_code == 422
