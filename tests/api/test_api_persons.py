"""Reading persons through the API: lists, filters, pagination, name search, the record, its
history, what is never exposed, and the audit trail of every read. Fictional data."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import AuditEvent
from tests.api.conftest import Roster, Tokens


def _events(session_factory: sessionmaker[Session], action: str) -> list[AuditEvent]:
    with session_factory() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_list_pages_through_every_person_once_in_a_stable_order(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    seen: list[int] = []
    for offset in range(0, 8, 2):
        page = client.get(
            "/api/v1/persons", params={"limit": 2, "offset": offset}, headers=tokens.headers("viewer")
        ).json()
        assert page["total"] == 6 and page["limit"] == 2 and page["offset"] == offset
        seen += [p["id"] for p in page["items"]]
    assert sorted(seen) == sorted([*roster.ids.values(), roster.other_person_id])
    assert len(seen) == len(set(seen)) == 6


def test_filters_narrow_the_list(client: TestClient, tokens: Tokens, roster: Roster) -> None:
    def ids(**params: object) -> set[int]:
        response = client.get("/api/v1/persons", params=params, headers=tokens.headers("viewer"))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"])
        return {p["id"] for p in body["items"]}

    assert ids(external_id="F-001") == {roster.ids["F-001"], roster.other_person_id}
    assert ids(external_id="F-001", incident=roster.incident_id) == {roster.ids["F-001"]}
    assert ids(status="safe") == {roster.ids["F-004"]}
    assert ids(nationality="gt") == {roster.ids["F-001"], roster.ids["F-004"], roster.other_person_id}
    assert ids(nationality="GT", status="hospitalized") == {roster.ids["F-001"]}
    assert ids(external_id="NO-SUCH") == set()


def test_list_items_carry_the_current_report_and_never_document_or_notes(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    for role in ("viewer", "admin"):
        items = client.get(
            "/api/v1/persons",
            params={"external_id": "F-001", "incident": roster.incident_id},
            headers=tokens.headers(role),
        ).json()["items"]
        (item,) = items
        assert "document_number" not in item and "notes" not in item
        assert "DOC-SECRET-1" not in str(items)
        assert item["given_names"] == "José Luis" and item["surnames"] == "Hernández García"
        assert item["current_status"] == "hospitalized" and item["status_version"] == 1
        assert item["current_report"]["location"] == "Hospital General Ficticio, Ciudad Ficticia"
        assert item["current_report"]["source"] == "Lista ficticia de ingresos 28/03 14:00"
        assert item["current_report"]["verified_at"] is not None
        assert item["birth_date"] == "1996-05-03"


def test_name_search_ranks_candidates_with_score_and_reason(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    response = client.get(
        "/api/v1/persons",
        params={"q": "jose luis hernandez garcia", "incident": roster.incident_id},
        headers=tokens.headers("viewer"),
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items[0]["id"] == roster.ids["F-001"]
    assert items[0]["external_id"] == "F-001"
    assert items[0]["strong"] is True and items[0]["score"] >= 0.9 and items[0]["reason"]
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    assert all(0 <= i["score"] <= 1 and "document_number" not in i for i in items)
    assert roster.other_person_id not in {i["id"] for i in items}  # other incident filtered out
    assert roster.ids["F-003"] not in {i["id"] for i in items}  # no shared word with the query


def test_name_search_with_no_usable_words_is_an_empty_page(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    for q in ("!!!", "zzzzqqq", "%", "_"):
        response = client.get("/api/v1/persons", params={"q": q}, headers=tokens.headers("viewer"))
        assert response.status_code == 200, q
        assert response.json()["items"] == [] and response.json()["total"] == 0, q
    # A blank q is no search at all: the plain list.
    blank = client.get("/api/v1/persons", params={"q": "   "}, headers=tokens.headers("viewer")).json()
    assert blank["total"] == 6 and "score" not in blank["items"][0]


def test_list_and_search_are_audited_once_per_request_with_what_was_returned(
    client: TestClient, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session]
) -> None:
    client.get("/api/v1/persons", params={"status": "safe"}, headers=tokens.headers("viewer"))
    client.get("/api/v1/persons", params={"q": "Hernandez"}, headers=tokens.headers("operator"))
    first, second = _events(session_factory, "person_search")
    assert first.actor == f"token:{tokens.ids['viewer']}"
    assert first.details["filters"] == {"status": "safe"} and first.details["q"] is None
    assert first.details["count"] == 1 and first.details["person_ids"] == [roster.ids["F-004"]]
    assert second.actor == f"token:{tokens.ids['operator']}"
    assert second.details["q"] == "Hernandez" and second.details["count"] >= 2
    assert roster.ids["F-001"] in second.details["person_ids"]


def test_reading_a_record_is_audited_and_carries_its_version_as_etag(
    client: TestClient, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session]
) -> None:
    pid = roster.ids["F-001"]
    response = client.get(f"/api/v1/persons/{pid}", headers=tokens.headers("viewer"))
    assert response.status_code == 200
    assert response.headers["etag"] == 'W/"1"'
    body = response.json()
    assert body["id"] == pid and body["current_report"]["status"] == "hospitalized"
    client.get(f"/api/v1/persons/{pid}/status-reports", headers=tokens.headers("operator"))
    reads = _events(session_factory, "person_read")
    assert [(e.actor, e.subject_type, e.subject_id, e.details["view"]) for e in reads] == [
        (f"token:{tokens.ids['viewer']}", "person", str(pid), "record"),
        (f"token:{tokens.ids['operator']}", "person", str(pid), "status_reports"),
    ]


def test_document_number_and_notes_only_for_admin_on_the_record(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    pid = roster.ids["F-001"]
    for role in ("viewer", "operator"):
        body = client.get(f"/api/v1/persons/{pid}", headers=tokens.headers(role)).json()
        assert "document_number" not in body and "notes" not in body
        assert "DOC-SECRET-1" not in str(body)
    admin = client.get(f"/api/v1/persons/{pid}", headers=tokens.headers("admin")).json()
    assert admin["document_number"] == "DOC-SECRET-1" and admin["notes"] == "nota interna ficticia"


def test_a_person_without_reports_has_no_current_report(
    client: TestClient, tokens: Tokens, roster: Roster
) -> None:
    body = client.get(f"/api/v1/persons/{roster.ids['F-002']}", headers=tokens.headers("viewer")).json()
    assert body["current_status"] == "unconfirmed" and body["status_version"] == 0
    assert body["current_report"] is None
    history = client.get(
        f"/api/v1/persons/{roster.ids['F-002']}/status-reports", headers=tokens.headers("viewer")
    )
    assert history.json() == {"person_id": roster.ids["F-002"], "status_version": 0, "items": []}


def test_unknown_person_is_404_with_reason_and_not_audited_as_a_read(
    client: TestClient, tokens: Tokens, roster: Roster, session_factory: sessionmaker[Session]
) -> None:
    for path in ("/api/v1/persons/999999", "/api/v1/persons/999999/status-reports"):
        response = client.get(path, headers=tokens.headers("viewer"))
        assert response.status_code == 404
        assert "999999" in response.json()["detail"]
    response = client.post(
        "/api/v1/persons/999999/status-reports",
        headers=tokens.headers("operator"),
        json={"status": "safe", "source": "Acta ficticia"},
    )
    assert response.status_code == 404
    assert _events(session_factory, "person_read") == []
