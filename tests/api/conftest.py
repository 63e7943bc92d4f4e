"""Fixtures for the JSON API tests: an app on the test database, tokens of every role, and a small
roster. All names, places and sources here are fictional."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import count

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from bot.auth import create_token
from bot.matching.keys import person_keys
from common.settings import Settings
from db.models import Case, Conversation, Incident, Person
from db.repositories.status import NewReport, append_report

ROLES = ("admin", "operator", "viewer", "reporter")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


@dataclass
class Tokens:
    secrets: dict[str, str]
    ids: dict[str, int]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[role]}"}


@pytest.fixture
def tokens(session_factory: sessionmaker[Session]) -> Tokens:
    secrets: dict[str, str] = {}
    ids: dict[str, int] = {}
    with session_factory.begin() as s:
        for role in ROLES:
            token, secret = create_token(s, f"test {role}", role, actor="test")
            s.flush()
            secrets[role], ids[role] = secret, token.id
    return Tokens(secrets, ids)


@pytest.fixture
def new_token(session_factory: sessionmaker[Session]) -> Callable[[str], tuple[int, str]]:
    """A token of a NEW integration each time (a different person for four eyes)."""
    serial = count(1)

    def make(role: str) -> tuple[int, str]:
        with session_factory.begin() as s:
            token, secret = create_token(s, f"extra {role} {next(serial)}", role, actor="test")
            s.flush()
            return token.id, secret

    return make


def add_person(s: Session, incident: Incident, given: str, surnames: str, **fields: object) -> Person:
    person = Person(
        incident=incident, given_names=given, surnames=surnames, **person_keys(given, surnames), **fields
    )
    s.add(person)
    s.flush()
    return person


@dataclass
class Roster:
    incident_id: int
    other_incident_id: int
    ids: dict[str, int]  # external_id -> person id, in the first incident
    other_person_id: int  # the person of the second incident (same external_id as F-001)


@pytest.fixture
def roster(session_factory: sessionmaker[Session]) -> Roster:
    """Five fictional persons in one incident (two with verified reports) and one in another."""
    with session_factory.begin() as s:
        fire = Incident(name="Incendio ficticio de prueba", place="Ciudad Ficticia")
        flood = Incident(name="Inundación ficticia", place="Pueblo Inventado")
        s.add_all([fire, flood])
        s.flush()
        people = [
            add_person(
                s,
                fire,
                "José Luis",
                "Hernández García",
                external_id="F-001",
                nationality="GT",
                birth_date=date(1996, 5, 3),
                document_number="DOC-SECRET-1",
                notes="nota interna ficticia",
            ),
            add_person(
                s, fire, "Josué", "Hernández López", external_id="F-002", nationality="HN", approx_age=31
            ),
            add_person(
                s,
                fire,
                "María Fernanda",
                "Pérez Ruiz",
                external_id="F-003",
                nationality="SV",
                restricted=True,
            ),
            add_person(s, fire, "Carlos", "Ramírez Ortega", external_id="F-004", nationality="GT"),
            add_person(s, fire, "Pedro", "Sánchez Moreno", external_id="F-005", nationality="VE"),
            add_person(s, flood, "José", "Hernández Díaz", external_id="F-001", nationality="GT"),
        ]
        append_report(
            s,
            people[0],
            NewReport(
                "hospitalized",
                "Hospital General Ficticio, Ciudad Ficticia",
                "Lista ficticia de ingresos 28/03 14:00",
                "Enfermería",
            ),
            actor="import",
        )
        append_report(
            s, people[3], NewReport("safe", "Albergue Ficticio", "Acta ficticia 12"), actor="import"
        )
        return Roster(fire.id, flood.id, {p.external_id or "": p.id for p in people[:5]}, people[5].id)


@dataclass
class CaseSeed:
    open_id: int
    resolved_id: int
    opted_out_id: int
    no_conversation_id: int
    conversation_id: int


@pytest.fixture
def case_seed(session_factory: sessionmaker[Session], roster: Roster) -> CaseSeed:
    """Cases written directly through the ORM (the escalation service comes later). Fictional."""
    with session_factory.begin() as s:
        conv = Conversation(channel="sms", address="+15005550006")
        gone = Conversation(channel="telegram", address="999000111", opted_out=True)
        s.add_all([conv, gone])
        s.flush()
        open_case = Case(
            reference="TST-0001",
            conversation_id=conv.id,
            person_id=roster.ids["F-001"],
            reason="unconfirmed",
            priority="normal",
            status="open",
            channel="sms",
        )
        resolved = Case(
            reference="TST-0002",
            conversation_id=conv.id,
            reason="no_match",
            priority="high",
            status="resolved",
            channel="sms",
            resolution="respondido",
        )
        opted_out = Case(
            reference="TST-0003",
            conversation_id=gone.id,
            reason="death_notification",
            priority="urgent",
            status="open",
            channel="telegram",
        )
        orphan = Case(
            reference="TST-0004",
            conversation_id=None,
            reason="other",
            priority="normal",
            status="waiting",
            channel=None,
        )
        s.add_all([open_case, resolved, opted_out, orphan])
        s.flush()
        return CaseSeed(open_case.id, resolved.id, opted_out.id, orphan.id, conv.id)
