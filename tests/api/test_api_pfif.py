"""PFIF 1.4 as Google Person Finder reads it: the export is parsed the way Person Finder's own parser
(app/pfif.py: SAX with namespaces, fields only from the 1.4 lists) and validator
(tools/pfif-tools: record ids "domain/unique" whose domain labels start with a letter, dates
"YYYY-MM-DDTHH:MM:SSZ", mandatory fields, unique ids) do, and every record is checked. Also the
refusal when there is no domain name for the ids, and the incremental export (``since``).
All persons here are fictional (the demo roster and tests/api/conftest.py)."""

from __future__ import annotations

import re
import xml.sax
import xml.sax.handler
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from bot.roster.demo import ensure_demo_roster
from common.settings import Settings
from db.models import AuditEvent, Person
from db.repositories.status import NewReport, append_report
from tests.api.conftest import Roster, Tokens

PFIF_14 = "http://zesty.ca/pfif/1.4"

# The PFIF 1.4 fields of each record, in the standard order, and the mandatory ones (Person Finder's
# PFIF_1_4 definition).
FIELDS = {
    "person": ["person_record_id", "entry_date", "expiry_date", "author_name", "author_email", "author_phone",
               "source_name", "source_date", "source_url", "full_name", "given_name", "family_name",
               "alternate_names", "description", "sex", "date_of_birth", "age", "home_street",
               "home_neighborhood", "home_city", "home_state", "home_postal_code", "home_country", "photo_url",
               "profile_urls"],
    "note": ["note_record_id", "person_record_id", "linked_person_record_id", "entry_date", "author_name",
             "author_email", "author_phone", "source_date", "author_made_contact", "status",
             "email_of_found_person", "phone_of_found_person", "last_known_location", "text", "photo_url"],
}
MANDATORY = {"person": ["person_record_id", "source_date", "full_name"],
             "note": ["note_record_id", "author_name", "source_date"]}

# The validator's formats.
_LABEL = r"[a-zA-Z]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?"
RECORD_ID = re.compile(rf"^({_LABEL}\.)*{_LABEL}\.?/.+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
FORMATS = {
    "person_record_id": RECORD_ID, "note_record_id": RECORD_ID, "linked_person_record_id": RECORD_ID,
    "entry_date": DATE, "expiry_date": DATE, "source_date": DATE,
    "date_of_birth": re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$"), "age": re.compile(r"^\d+(-\d+)?$"),
    "home_country": re.compile(r"^[A-Z][A-Z]$"), "sex": re.compile(r"^(male|female|other)$"),
    "status": re.compile(r"^(information_sought|is_note_author|believed_alive|believed_missing|believed_dead)$"),
}


@dataclass
class Record:
    kind: str  # "person" or "note"
    fields: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # the fields as they came, to check the standard order
    parent_id: str | None = None  # a note's enclosing person's id


class _Handler(xml.sax.handler.ContentHandler):
    """Like Person Finder's SAX handler: a record is a PFIF 1.4 ``person`` or ``note`` under the
    root (or a ``note`` inside a ``person``); a field counts only in the PFIF 1.4 namespace and
    only when it is one of its record's fields. Anything else is reported."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str | None, str]] = []
        self.record_at: list[Record | None] = []  # beside each open tag: the record it opens, if any
        self.records: list[Record] = []
        self.root: tuple[str | None, str] | None = None
        self.unknown: list[str] = []

    def startElementNS(self, name, qname, attrs) -> None:  # noqa: N802 (SAX's name)
        ns, local = name
        parent = self.record_at[-1] if self.record_at else None
        opened: Record | None = None
        if not self.tags:
            self.root = name
        elif len(self.tags) == 1 and ns == PFIF_14 and local in ("person", "note"):
            opened = Record(local)
        elif parent is not None and parent.kind == "person" and name == (PFIF_14, "note"):
            opened = Record("note", parent_id=parent.fields.get("person_record_id"))
        elif parent is not None and ns == PFIF_14 and local in FIELDS[parent.kind]:
            parent.order.append(local)
        else:
            self.unknown.append(f"{parent.kind if parent else 'outside a record'}: {local} ({ns})")
        if opened is not None:
            self.records.append(opened)
        self.tags.append(name)
        self.record_at.append(opened)

    def endElementNS(self, name, qname) -> None:  # noqa: N802
        self.tags.pop()
        self.record_at.pop()

    def characters(self, content: str) -> None:
        if len(self.tags) < 2 or self.record_at[-1] is not None:
            return
        record = self.record_at[-2]
        ns, local = self.tags[-1]
        if record is not None and ns == PFIF_14 and local in FIELDS[record.kind]:
            record.fields[local] = record.fields.get(local, "") + content


def parse_pfif(document: bytes) -> _Handler:
    handler = _Handler()
    parser = xml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_namespaces, True)
    parser.setContentHandler(handler)
    parser.parse(BytesIO(document))
    return handler


def pfif_14_problems(document: bytes) -> list[str]:
    """Every reason Person Finder would refuse or warn about the document (empty: it accepts it)."""
    parsed = parse_pfif(document)
    problems = [f"unknown tag {u}" for u in parsed.unknown]
    if parsed.root != (PFIF_14, "pfif"):
        problems.append(f"root is {parsed.root}, not pfif in the PFIF 1.4 namespace")
    seen: dict[str, set[str]] = {"person": set(), "note": set()}
    for record in parsed.records:
        values = record.fields
        key = values.get(f"{record.kind}_record_id", "?")
        for name in MANDATORY[record.kind]:
            if not values.get(name):
                problems.append(f"{record.kind} {key}: mandatory {name} missing")
        for name, value in values.items():
            if name in FORMATS and not FORMATS[name].match(value):
                problems.append(f"{record.kind} {key}: {name} {value!r} is not in the PFIF format")
            if not value.strip():
                problems.append(f"{record.kind} {key}: empty {name}")
        positions = [FIELDS[record.kind].index(n) for n in record.order]
        if positions != sorted(positions):
            problems.append(f"{record.kind} {key}: fields out of the standard order {record.order}")
        if len(record.order) != len(set(record.order)):
            problems.append(f"{record.kind} {key}: a field appears twice")
        if key in seen[record.kind]:
            problems.append(f"{record.kind} {key}: duplicate record id")
        seen[record.kind].add(key)
        if record.kind == "note" and record.parent_id and values.get("person_record_id") not in (
                None, record.parent_id):
            problems.append(f"note {key}: person_record_id differs from its person's")
    return problems


def _records(document: bytes, kind: str) -> list[Record]:
    return [r for r in parse_pfif(document).records if r.kind == kind]


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), raise_server_exceptions=False)


def test_the_checker_finds_what_person_finder_refuses() -> None:
    # The default settings' ids (the issue's report: "127.0.0.1/N"), a local date and a missing name.
    bad = (f'<?xml version="1.0"?><pfif:pfif xmlns:pfif="{PFIF_14}"><pfif:person>'
           "<pfif:person_record_id>127.0.0.1/1</pfif:person_record_id>"
           "<pfif:source_date>2024-03-28 14:00</pfif:source_date>"
           "<pfif:other>x</pfif:other></pfif:person></pfif:pfif>").encode()
    problems = pfif_14_problems(bad)
    assert any("person_record_id '127.0.0.1/1'" in p for p in problems), problems
    assert any("source_date" in p for p in problems) and any("full_name missing" in p for p in problems)
    assert any("unknown tag person: other" in p for p in problems)
    assert pfif_14_problems(bad.replace(PFIF_14.encode(), b"http://zesty.ca/pfif/1.3"))[-1].startswith("root")


def test_every_record_of_the_demo_roster_export_is_valid_pfif_14(
    client: TestClient, tokens: Tokens, session_factory: sessionmaker[Session]
) -> None:
    assert ensure_demo_roster(session_factory) == 68
    with session_factory.begin() as s:  # one of each status, so every note status is exported
        persons = list(s.scalars(select(Person).order_by(Person.id).limit(7)))
        for person, status in zip(persons, ("safe", "hospitalized", "transferred", "released", "returned",
                                            "deceased", "unconfirmed"), strict=True):
            append_report(s, person, NewReport(status, "Lugar ficticio", "Acta ficticia 7"), actor="test")
    response = client.get("/api/v1/exports/pfif.xml?include_restricted=true", headers=tokens.headers("admin"))
    assert response.status_code == 200, response.text
    assert pfif_14_problems(response.content) == []
    persons_out = _records(response.content, "person")
    notes = _records(response.content, "note")
    assert len(persons_out) == 68 and len(notes) >= 7
    assert all(p.fields["person_record_id"].startswith("hotline.example.org/") for p in persons_out)
    assert {n.fields.get("status") for n in notes} >= {"believed_alive", "believed_dead", None}


def test_record_ids_use_the_public_urls_host_when_it_is_a_domain(
    settings: Settings, tokens: Tokens, roster: Roster
) -> None:
    settings = settings.model_copy(update={"pfif_domain": None,
                                           "hotline_public_url": "https://linea.ejemplo.org/base"})
    with _client(settings) as client:
        response = client.get("/api/v1/exports/pfif.xml", headers=tokens.headers("admin"))
    assert response.status_code == 200
    assert pfif_14_problems(response.content) == []
    ids = {p.fields["person_record_id"] for p in _records(response.content, "person")}
    assert f"linea.ejemplo.org/{roster.ids['F-001']}" in ids


@pytest.mark.parametrize(("public_url", "pfif_domain", "named"), [
    ("http://127.0.0.1:8000", None, "PFIF_DOMAIN"),  # the default settings
    ("http://localhost:8000", None, "PFIF_DOMAIN"),
    ("http://hotline:8000", None, "PFIF_DOMAIN"),  # a container's name: a single label
    ("http://[::1]:8000", None, "PFIF_DOMAIN"),
    ("https://linea.ejemplo.org", "10.0.0.7", "PFIF_DOMAIN '10.0.0.7'"),
])
def test_without_a_domain_name_the_export_is_refused_naming_the_setting(
    settings: Settings, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session],
    public_url: str, pfif_domain: str | None, named: str,
) -> None:
    settings = settings.model_copy(update={"pfif_domain": pfif_domain, "hotline_public_url": public_url})
    with _client(settings) as client:
        response = client.get("/api/v1/exports/pfif.xml", headers=tokens.headers("admin"))
    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"detail", "code"} and named in body["detail"] and "domain" in body["detail"]
    assert body["code"] == "conflict"
    with session_factory() as s:  # nothing left, so nothing is audited as exported
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "export")).first() is None


def test_since_exports_only_the_persons_changed_since_with_their_new_notes(
    client: TestClient, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session]
) -> None:
    admin = tokens.headers("admin")
    everything = client.get("/api/v1/exports/pfif.xml", headers=admin).content
    assert len(_records(everything, "person")) == 5
    since = datetime.now(UTC)
    with session_factory.begin() as s:
        released = s.get(Person, roster.ids["F-002"])
        assert released is not None
        append_report(s, released, NewReport("released", "Domicilio ficticio", "Oficio ficticio 9"), actor="test")
        edited = s.get(Person, roster.ids["F-005"])
        assert edited is not None
        edited.surnames = "Sánchez Moreno de Prueba"
    response = client.get("/api/v1/exports/pfif.xml", params={"since": since.isoformat()}, headers=admin)
    assert response.status_code == 200 and pfif_14_problems(response.content) == []
    persons = {p.fields["person_record_id"].split("/")[1]: p for p in _records(response.content, "person")}
    assert set(persons) == {str(roster.ids["F-002"]), str(roster.ids["F-005"])}
    notes = _records(response.content, "note")
    assert [(n.parent_id, n.fields["status"]) for n in notes] == [
        (f"hotline.example.org/{roster.ids['F-002']}", "believed_alive")]
    # A time without a zone is UTC; a later time finds nothing; the audit event says since.
    naive = (since + timedelta(hours=1)).replace(tzinfo=None).isoformat()
    later = client.get("/api/v1/exports/pfif.xml", params={"since": naive}, headers=admin)
    assert later.status_code == 200 and _records(later.content, "person") == []
    with session_factory() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.details["since"].endswith("Z") and event.details["count"] == 0
    assert client.get("/api/v1/exports/pfif.xml", params={"since": "ayer"}, headers=admin).status_code == 422
