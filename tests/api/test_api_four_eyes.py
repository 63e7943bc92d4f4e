"""Four eyes for a death through the API: ``deceased`` is a proposal until a second token confirms it.
Fictional roster of tests/api/conftest.py."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import AuditEvent, Case, Conversation, Inquiry, OutboundMessage, Person, Subscription
from tests.api.conftest import Roster, Tokens

DEATH = {"status": "deceased", "location": "Servicio Médico Forense (FICTICIO)",
         "source": "Fiscalía (FICTICIO), lista oficial 29/03 10:00", "verified_by": "Lic. Ficticia"}


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _propose(client: TestClient, secret: str, person_id: int, **extra: object) -> dict:
    response = client.post(f"/api/v1/persons/{person_id}/status-reports", json={**DEATH, **extra},
                           headers=_bearer(secret))
    assert response.status_code == 202, response.text
    return response.json()


def test_deceased_is_held_until_a_second_token_confirms(
    client: TestClient, roster: Roster, new_token: Callable[[str], tuple[int, str]],
    session_factory: sessionmaker[Session],
) -> None:
    (first_id, first), (_, second) = new_token("operator"), new_token("operator")
    person_id = roster.ids["F-001"]
    pending = _propose(client, first, person_id)
    assert pending["decision"] is None and pending["proposed_by"] == f"token:{first_id}"
    assert pending["expected_version"] == 1

    record = client.get(f"/api/v1/persons/{person_id}", headers=_bearer(second)).json()
    assert record["current_status"] == "hospitalized" and record["status_version"] == 1
    listed = client.get("/api/v1/pending-status-reports", headers=_bearer(second)).json()["items"]
    assert [p["id"] for p in listed] == [pending["id"]]

    same = client.post(f"/api/v1/pending-status-reports/{pending['id']}/confirm", headers=_bearer(first))
    assert same.status_code == 409 and "another person must" in same.json()["detail"]
    assert same.json()["code"] == "same_person"

    confirmed = client.post(f"/api/v1/pending-status-reports/{pending['id']}/confirm", headers=_bearer(second))
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["report"]["status"] == "deceased" and confirmed.json()["status_version"] == 2
    record = client.get(f"/api/v1/persons/{person_id}", headers=_bearer(second)).json()
    assert record["current_status"] == "deceased"
    assert record["current_report"]["source"] == DEATH["source"]
    assert client.get("/api/v1/pending-status-reports", headers=_bearer(second)).json()["items"] == []

    again = client.post(f"/api/v1/pending-status-reports/{pending['id']}/confirm", headers=_bearer(second))
    assert again.status_code == 409 and "already confirmed" in again.json()["detail"]
    assert again.json()["code"] == "already_confirmed"
    with session_factory() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.subject_id == str(person_id))
                                               .order_by(AuditEvent.id))]
    steps = [a for a in actions if a in {"status_proposed", "status_change", "status_confirmed"}]
    assert steps[-3:] == ["status_proposed", "status_change", "status_confirmed"]


def test_a_rejected_proposal_changes_nothing(
    client: TestClient, roster: Roster, new_token: Callable[[str], tuple[int, str]]
) -> None:
    (_, first), (_, second) = new_token("operator"), new_token("operator")
    person_id = roster.ids["F-004"]
    pending = _propose(client, first, person_id)
    blank = client.post(f"/api/v1/pending-status-reports/{pending['id']}/reject", json={"note": "  "},
                        headers=_bearer(second))
    assert blank.status_code == 422
    rejected = client.post(f"/api/v1/pending-status-reports/{pending['id']}/reject",
                           json={"note": "La fuente no es oficial (ficticio)."}, headers=_bearer(second))
    assert rejected.status_code == 200 and rejected.json()["decision"] == "rejected"
    late = client.post(f"/api/v1/pending-status-reports/{pending['id']}/confirm", headers=_bearer(second))
    assert late.status_code == 409
    assert client.get(f"/api/v1/persons/{person_id}", headers=_bearer(second)).json()["current_status"] == "safe"


def test_one_proposal_at_a_time_and_a_changed_record_cannot_be_confirmed(
    client: TestClient, roster: Roster, new_token: Callable[[str], tuple[int, str]]
) -> None:
    (_, first), (_, second) = new_token("operator"), new_token("operator")
    person_id = roster.ids["F-004"]
    pending = _propose(client, first, person_id)
    twice = client.post(f"/api/v1/persons/{person_id}/status-reports", json=DEATH, headers=_bearer(second))
    assert twice.status_code == 409 and str(pending["id"]) in twice.json()["detail"]
    assert twice.json()["code"] == "already_pending"
    # Meanwhile a hospital reports the person alive: the death proposal no longer fits the record.
    alive = client.post(f"/api/v1/persons/{person_id}/status-reports", headers=_bearer(second),
                        json={"status": "hospitalized", "location": "Hospital Ficticio", "source": "Parte ficticio"})
    assert alive.status_code == 201
    stale = client.post(f"/api/v1/pending-status-reports/{pending['id']}/confirm", headers=_bearer(second))
    assert stale.status_code == 409 and "changed since the proposal" in stale.json()["detail"]
    assert stale.json()["code"] == "changed_since_proposal"
    assert client.get(f"/api/v1/persons/{person_id}", headers=_bearer(second)).json()["current_status"] == "hospitalized"


def test_a_proposal_on_a_stale_version_is_409_and_unknown_ids_are_404(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    stale = client.post(f"/api/v1/persons/{roster.ids['F-001']}/status-reports", json={**DEATH, "expected_version": 0},
                        headers=tokens.headers("operator"))
    assert stale.status_code == 409 and stale.json()["current_version"] == 1
    for action in ("confirm", "reject"):
        missing = client.post(f"/api/v1/pending-status-reports/999999/{action}", json={"note": "x"},
                              headers=tokens.headers("operator"))
        assert missing.status_code == 404
    no_source = client.post(f"/api/v1/persons/{roster.ids['F-001']}/status-reports",
                            json={"status": "deceased"}, headers=tokens.headers("operator"))
    assert no_source.status_code == 422


def test_a_confirmed_death_opens_an_urgent_case_for_each_follower_and_sends_nothing(
    client: TestClient, roster: Roster, new_token: Callable[[str], tuple[int, str]],
    session_factory: sessionmaker[Session],
) -> None:
    person_id = roster.ids["F-001"]
    with session_factory.begin() as s:
        conv = Conversation(channel="telegram", address="700000001")
        s.add(conv)
        s.flush()
        # The relative stated the record's birth date (what following a record requires).
        s.add(Inquiry(conversation_id=conv.id, person_id=person_id, details={"birth_date": "1996-05-03"},
                      outcome="disclosed"))
        s.add(Subscription(conversation_id=conv.id, person_id=person_id, active=True))
    (_, first), (_, second) = new_token("operator"), new_token("operator")
    pending = _propose(client, first, person_id)
    with session_factory() as s:
        assert s.query(Case).count() == 0
    assert client.post(f"/api/v1/pending-status-reports/{pending['id']}/confirm",
                       headers=_bearer(second)).status_code == 201
    with session_factory() as s:
        [case] = s.scalars(select(Case)).all()
        assert (case.priority, case.reason, case.person_id) == ("urgent", "death_notification", person_id)
        assert s.query(OutboundMessage).count() == 0
        assert s.get(Person, person_id).current_status == "deceased"  # type: ignore[union-attr]
