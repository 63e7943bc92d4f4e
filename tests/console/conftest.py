"""Fixtures for the console tests: an app on the test database, one account per role, a logged-in
client per role, and a small FICTIONAL roster with a case. All names, numbers and places here are
fictional."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from bot.auth import create_user
from bot.matching.keys import person_keys
from common.settings import Settings
from db.base import utcnow
from db.models import Case, Conversation, InboundRecord, Incident, OutboundMessage, Person, Subscription
from db.repositories.status import NewReport, append_report

PASSWORD = "contraseña-de-prueba-1"  # fictional
USERS = {"admin": "ada", "operator": "olga", "operator2": "otto", "viewer": "vera"}
ROLE_OF = {"admin": "admin", "operator": "operator", "operator2": "operator", "viewer": "viewer"}
RELATIVE = "+50255510123"  # fictional
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    return create_app(settings)


@pytest.fixture
def accounts(session_factory: sessionmaker[Session]) -> dict[str, int]:
    ids = {}
    with session_factory.begin() as s:
        for key, username in USERS.items():
            ids[key] = create_user(s, username, ROLE_OF[key], PASSWORD, actor="test").id
    return ids


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/console/login")
    r = client.post("/console/login", data={"username": username, "password": password,
                                            "csrf_token": csrf_of(page.text), "next": "/console"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


@pytest.fixture
def make_client(app, accounts: dict[str, int]) -> Iterator[Callable[[str | None], TestClient]]:  # type: ignore[no-untyped-def]
    """A TestClient logged in as "admin", "operator", "operator2", "viewer", or anonymous (None)."""
    clients: list[TestClient] = []

    def make(who: str | None) -> TestClient:
        client = TestClient(app, raise_server_exceptions=True)
        client.__enter__()
        clients.append(client)
        if who is not None:
            login(client, USERS[who])
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def page_csrf(client: TestClient, path: str = "/console/queue") -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text
    return csrf_of(r.text)


def add_person(s: Session, incident: Incident, given: str, surnames: str, **fields: object) -> Person:
    person = Person(incident_id=incident.id, given_names=given, surnames=surnames,
                    **person_keys(given, surnames), **fields)
    s.add(person)
    s.flush()
    return person


@dataclass
class Seed:
    person_id: int  # hospitalized, verified; the relative's birth date matches
    other_id: int
    case_id: int  # no_match, normal, open, from an SMS conversation
    urgent_id: int  # death_notification, urgent, open
    resolved_id: int
    conversation_id: int


@pytest.fixture
def seed(session_factory: sessionmaker[Session]) -> Seed:
    now = utcnow()
    with session_factory.begin() as s:
        incident = Incident(name="Incendio ficticio de prueba", place="Ciudad Ficticia")
        s.add(incident)
        s.flush()
        person = add_person(s, incident, "Rigoberto Andrés", "Quiñónez Paredes", nationality="GT",
                            birth_date=date(1994, 7, 15), external_id="F-100")
        other = add_person(s, incident, "Carlos", "Ramírez Ortega", nationality="HN", external_id="F-101")
        append_report(s, person, NewReport("hospitalized", "Hospital General Ficticio, Ciudad Juárez",
                                           "Lista ficticia de ingresos 28/03 14:00"), actor="test")
        conv = Conversation(channel="sms", address=RELATIVE,
                            state={"details": {"name": "Rigoberto Paredes López", "birth_date": "1994-07-15"}})
        other_conv = Conversation(channel="telegram", address="987654321")
        s.add_all([conv, other_conv])
        s.flush()
        s.add(InboundRecord(conversation_id=conv.id, channel="sms", address=RELATIVE, provider_id="SM-test-1",
                             text="Rigoberto Paredes López", state="done",
                             received_at=now - timedelta(hours=3)))
        s.add(OutboundMessage(conversation_id=conv.id, channel="sms", recipient=RELATIVE, text="Caso abierto (ficticio)",
                              status="delivered", created_at=now - timedelta(hours=3)))
        case = Case(reference="TST-AAAA", conversation_id=conv.id, reason="no_match", priority="normal",
                    status="open", channel="sms", created_at=now - timedelta(hours=3),
                    last_contact_at=now - timedelta(hours=3))
        urgent = Case(reference="TST-BBBB", conversation_id=other_conv.id, reason="death_notification",
                      priority="urgent", status="open", channel="telegram", person_id=other.id,
                      created_at=now - timedelta(minutes=5), last_contact_at=now - timedelta(minutes=5))
        resolved = Case(reference="TST-CCCC", conversation_id=conv.id, reason="other", priority="normal",
                        status="resolved", channel="sms", resolution="hecho")
        s.add_all([case, urgent, resolved])
        s.flush()
        s.add(Subscription(conversation_id=conv.id, case_id=case.id, person_id=None))
        return Seed(person.id, other.id, case.id, urgent.id, resolved.id, conv.id)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's Chromium through Playwright (runs once, on SQLite)")
