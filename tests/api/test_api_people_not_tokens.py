"""Issue 10, findings 2 and 7, through the API: four eyes compare PEOPLE, not tokens; tokens belong to a
user or an integration and may expire; a ``reporter`` only adds status reports; viewers never see a
restricted record's status or location. Fictional roster of tests/api/conftest.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bot import status_review
from bot.auth import AccountError, create_token, create_user, deactivate_user
from common.settings import Settings
from db.models import Person, User
from db.repositories.status import NewReport
from tests.api.conftest import Roster, Tokens

DEATH = {"status": "deceased", "location": "Servicio Médico Forense (FICTICIO)",
         "source": "Fiscalía (FICTICIO), lista oficial 29/03 10:00"}
PASSWORD = "contraseña-de-prueba-1"  # fictional


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _propose(client: TestClient, secret: str, person_id: int) -> int:
    r = client.post(f"/api/v1/persons/{person_id}/status-reports", json=DEATH, headers=_bearer(secret))
    assert r.status_code == 202, r.text
    return int(r.json()["id"])


def _confirm(client: TestClient, secret: str, pending_id: int) -> tuple[int, str]:
    r = client.post(f"/api/v1/pending-status-reports/{pending_id}/confirm", headers=_bearer(secret))
    return r.status_code, r.json().get("detail", "")


def _user_tokens(factory: sessionmaker[Session], username: str, role: str, n: int = 2) -> list[str]:
    with factory.begin() as s:
        user = create_user(s, username, role, PASSWORD, actor="test")
        return [create_token(s, f"{username} {i}", role, actor="test", user=user)[1] for i in range(n)]


def test_an_admin_cannot_mint_a_second_token_and_confirm_their_own_proposal(
        client: TestClient, tokens: Tokens, roster: Roster) -> None:
    """The review's reproduction: propose with one token, create a second token, confirm with it."""
    admin = tokens.secrets["admin"]
    pending_id = _propose(client, admin, roster.ids["F-001"])
    created = client.post("/api/v1/tokens", json={"name": "otra persona (no lo es)", "role": "operator"},
                          headers=_bearer(admin))
    assert created.status_code == 201
    assert created.json()["integration"] == "test admin"  # it belongs to whoever made it
    status, detail = _confirm(client, created.json()["token"], pending_id)
    assert status == 409 and "another person must" in detail
    # A different person confirms.
    assert _confirm(client, tokens.secrets["operator"], pending_id)[0] == 201


def test_two_tokens_of_one_user_are_one_person(client: TestClient, roster: Roster,
                                               session_factory: sessionmaker[Session]) -> None:
    first, second = _user_tokens(session_factory, "ana-ficticia", "operator")
    [other] = _user_tokens(session_factory, "beto-ficticio", "operator", n=1)
    pending_id = _propose(client, first, roster.ids["F-001"])
    assert _confirm(client, second, pending_id)[0] == 409
    assert _confirm(client, other, pending_id)[0] == 201


def test_a_death_proposed_in_the_console_cannot_be_confirmed_with_the_same_users_token(
        client: TestClient, roster: Roster, session_factory: sessionmaker[Session], settings: Settings) -> None:
    [token] = _user_tokens(session_factory, "carla-ficticia", "operator", n=1)
    with session_factory.begin() as s:
        user = s.query(User).filter_by(username="carla-ficticia").one()
        person = s.get(Person, roster.ids["F-004"])
        assert person is not None
        pending = status_review.propose_status(s, person, NewReport("deceased", None, "Acta ficticia 5"), settings,
                                               user=user)
        pending_id = pending.id
    status, detail = _confirm(client, token, pending_id)
    assert status == 409 and "cannot confirm it" in detail


def test_two_tokens_of_one_integration_are_one_party(client: TestClient, roster: Roster,
                                                     session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        _, first = create_token(s, "Hospital Ficticio", "operator", actor="test")
        _, second = create_token(s, "hospital ficticio ", "operator", actor="test")
    pending_id = _propose(client, first, roster.ids["F-001"])
    assert _confirm(client, second, pending_id)[0] == 409


def test_a_reporter_adds_reports_and_proposes_deaths_but_cannot_confirm_or_read(
        client: TestClient, tokens: Tokens, roster: Roster) -> None:
    reporter = tokens.secrets["reporter"]
    r = client.post(f"/api/v1/persons/{roster.ids['F-002']}/status-reports", headers=_bearer(reporter),
                    json={"status": "hospitalized", "location": "Hospital Ficticio", "source": "Parte ficticio 1"})
    assert r.status_code == 201
    pending_id = _propose(client, reporter, roster.ids["F-001"])
    assert _confirm(client, reporter, pending_id)[0] == 403
    for path in ("/api/v1/persons", f"/api/v1/persons/{roster.ids['F-001']}", "/api/v1/cases",
                 "/api/v1/pending-status-reports"):
        assert client.get(path, headers=_bearer(reporter)).status_code == 403, path
    reply = client.post("/api/v1/cases/1/replies", json={"text": "hola"}, headers=_bearer(reporter))
    assert reply.status_code == 403


def test_viewers_do_not_see_a_restricted_records_status_or_location(
        client: TestClient, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session],
        settings: Settings) -> None:
    restricted = roster.ids["F-003"]
    operator = tokens.headers("operator")
    r = client.post(f"/api/v1/persons/{restricted}/status-reports", headers=operator,
                    json={"status": "hospitalized", "location": "Clínica Reservada (ficticia)", "source": "Acta 8"})
    assert r.status_code == 201
    _propose(client, tokens.secrets["operator"], restricted)

    seen = client.get(f"/api/v1/persons/{restricted}", headers=operator).json()
    assert seen["current_status"] == "hospitalized" and seen["current_report"]["location"]
    viewer = tokens.headers("viewer")
    hidden = client.get(f"/api/v1/persons/{restricted}", headers=viewer)
    assert hidden.status_code == 200 and hidden.json()["restricted"] is True
    assert hidden.json()["current_status"] is None and hidden.json()["current_report"] is None
    assert "Clínica Reservada" not in hidden.text
    assert client.get(f"/api/v1/persons/{restricted}/status-reports", headers=viewer).status_code == 403
    listed = client.get("/api/v1/persons", params={"q": "María Fernanda Pérez Ruiz"}, headers=viewer).json()["items"]
    assert [(p["id"], p["current_status"]) for p in listed if p["id"] == restricted] == [(restricted, None)]
    by_status = client.get("/api/v1/persons", params={"status": "hospitalized"}, headers=viewer).json()["items"]
    assert restricted not in [p["id"] for p in by_status]
    assert restricted in [p["id"] for p in client.get("/api/v1/persons", params={"status": "hospitalized"},
                                                      headers=operator).json()["items"]]
    assert client.get("/api/v1/pending-status-reports", headers=viewer).json()["items"] == []
    assert len(client.get("/api/v1/pending-status-reports", headers=operator).json()["items"]) == 1
    # An unrestricted record is shown to viewers as before.
    open_record = client.get(f"/api/v1/persons/{roster.ids['F-001']}", headers=viewer).json()
    assert open_record["current_status"] == "hospitalized"


def test_a_token_made_through_the_api_can_expire_and_says_whose_it_is(
        client: TestClient, tokens: Tokens) -> None:
    r = client.post("/api/v1/tokens", json={"name": "hospital (ficticio)", "role": "reporter", "expires_days": 7},
                    headers=tokens.headers("admin"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["role"] == "reporter" and body["expires_at"] and body["user_id"] is None
    assert client.post("/api/v1/tokens", json={"name": "x", "role": "viewer", "expires_days": 0},
                       headers=tokens.headers("admin")).status_code == 422


def test_a_deactivated_users_tokens_stop_working(client: TestClient, session_factory: sessionmaker[Session]) -> None:
    [token] = _user_tokens(session_factory, "dora-ficticia", "viewer", n=1)
    assert client.get("/api/v1/persons", headers=_bearer(token)).status_code == 200
    with session_factory.begin() as s:
        user = s.query(User).filter_by(username="dora-ficticia").one()
        deactivate_user(s, user, actor="test")
    assert client.get("/api/v1/persons", headers=_bearer(token)).status_code == 401


def test_a_users_token_cannot_outrank_the_user(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        user = create_user(s, "eva-ficticia", "viewer", PASSWORD, actor="test")
        with pytest.raises(AccountError, match="cannot have more than their role"):
            create_token(s, "eva admin", "admin", actor="test", user=user)
        assert create_token(s, "eva informa", "reporter", actor="test", user=user)[0].role == "reporter"
