"""Finding and owning work in the console (HTTP level, SQLite and PostgreSQL): search by reference,
contact digits and the sought person's name across open and resolved cases; the mine / unassigned /
resolved views; a case a colleague holds is never taken silently (a deliberate take-over, audited,
the colleague told); assigning to a colleague; reopening. All data FICTIONAL."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from db.models import AuditEvent, Case
from tests.console.conftest import Seed, page_csrf

Client = Callable[[str | None], TestClient]
REFS = re.compile(r">(TST-[A-Z]{4})</a>")


def refs(client: TestClient, **params: str) -> list[str]:
    page = client.get("/console/queue", params=params)
    assert page.status_code == 200
    return REFS.findall(page.text)


def test_search_by_reference_contact_digits_and_name_across_open_and_resolved(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as s:
        s.execute(update(Case).where(Case.id == seed.case_id).values(sought_name="rigoberto paredes lopez"))
    olga = make_client("operator")
    assert refs(olga, q="TST-CCCC") == ["TST-CCCC"]  # resolved, found all the same
    assert refs(olga, q="tst-cccc") == ["TST-CCCC"]
    assert sorted(refs(olga, q="0123")) == ["TST-AAAA", "TST-CCCC"]  # the last digits of +50255510123
    assert sorted(refs(olga, q="+502 5551 0123")) == ["TST-AAAA", "TST-CCCC"]
    assert refs(olga, q="4321") == ["TST-BBBB"]  # a Telegram chat id's last digits
    assert refs(olga, q="Rigoberto Paredes") == ["TST-AAAA"]  # the sought name, before any link
    assert refs(olga, q="Ramírez") == ["TST-BBBB"]  # the linked record's name, accents or not
    assert refs(olga, q="ramirez ortega") == ["TST-BBBB"]
    assert refs(olga, q="012") == []  # too few digits to mean a contact
    page = olga.get("/console/queue", params={"q": "0123", "vista": "cerrados"})
    assert REFS.findall(page.text) == ["TST-CCCC"] and "+50255510123" not in page.text
    # The polled rows keep the search.
    rows = olga.get("/console/queue/rows", params={"q": "4321", "vista": "todos"})
    assert REFS.findall(rows.text) == ["TST-BBBB"] and rows.headers["X-Queue-Count"] == "1"


def test_views_take_over_and_the_previous_holder_is_told(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    olga, otto = make_client("operator"), make_client("operator2")
    assert refs(olga, vista="mios") == []
    assert sorted(refs(olga, vista="sin-asignar")) == ["TST-AAAA", "TST-BBBB"]
    assert refs(olga, vista="cerrados") == ["TST-CCCC"]
    path = f"/console/cases/{seed.case_id}"
    r = olga.post(f"{path}/take", data={"csrf_token": page_csrf(olga, path)}, follow_redirects=True)
    assert "Caso asignado a usted." in r.text and 'id="mine-note"' in r.text
    assert refs(olga, vista="mios") == ["TST-AAAA"] and refs(olga, vista="sin-asignar") == ["TST-BBBB"]
    assert refs(otto, vista="mios") == []

    # Otto is warned; a plain take and any action are refused while Olga holds it.
    page = otto.get(path).text
    assert 'id="held-warning"' in page and "olga" in page and 'id="take-form"' not in page
    r = otto.post(f"{path}/take", data={"csrf_token": page_csrf(otto, path)})
    assert r.status_code == 409 and "lo tiene asignado olga" in r.text
    r = otto.post(f"{path}/reply", data={"csrf_token": page_csrf(otto, path), "text": "Hola (ficticio)"})
    assert r.status_code == 409 and "lo tiene asignado olga" in r.text
    with session_factory() as s:
        assert s.get(Case, seed.case_id).assignee_id is not None  # type: ignore[union-attr]
        assert not s.scalars(select(AuditEvent).where(AuditEvent.action.in_(("case_taken_over", "operator_reply"))
                                                      )).all()

    # A deliberate take-over: audited, and Olga is told on her next page.
    r = otto.post(f"{path}/take", data={"csrf_token": page_csrf(otto, path), "take_over": "1"}, follow_redirects=True)
    assert "Caso asignado a usted." in r.text
    with session_factory() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "case_taken_over")).one()
    assert (event.actor, event.details) == ("user:otto", {"from": "olga", "to": "otto"})
    queue = olga.get("/console/queue").text
    assert "otto tomó el caso TST-AAAA, que usted tenía asignado." in queue
    # ...and can no longer act on it.
    r = olga.post(f"{path}/reply", data={"csrf_token": page_csrf(olga, path), "text": "Hola (ficticio)"})
    assert r.status_code == 409 and "lo tiene asignado otto" in r.text
    [notice_id] = re.findall(r'data-notice-id="(\d+)"', queue)
    olga.post(f"/console/notices/{notice_id}/read", data={"csrf_token": page_csrf(olga), "next": "/console/queue"})
    assert "otto tomó el caso" not in olga.get("/console/queue").text
    # Otto's dismissing Olga's notice would do nothing (notices are per person): nothing left to dismiss.
    assert 'data-notice-id' not in otto.get("/console/queue").text


def test_assign_to_a_colleague_and_reopen(
    make_client: Client, seed: Seed, accounts: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    olga, otto = make_client("operator"), make_client("operator2")
    path = f"/console/cases/{seed.urgent_id}"
    page = olga.get(path).text
    assert f'<option value="{accounts["operator2"]}">otto</option>' in page
    assert f'<option value="{accounts["viewer"]}">' not in page  # a viewer cannot work a case
    r = olga.post(f"{path}/assign", data={"csrf_token": page_csrf(olga, path), "user_id": str(accounts["operator2"])},
                  follow_redirects=True)
    assert "Caso asignado a su colega" in r.text
    r = olga.post(f"{path}/assign", data={"csrf_token": page_csrf(olga, path), "user_id": str(accounts["viewer"])})
    assert r.status_code == 409 and "operador o administrador activo" in r.text
    assert "olga le asignó el caso TST-BBBB." in otto.get("/console/queue").text
    assert refs(otto, vista="mios") == ["TST-BBBB"]

    resolved = f"/console/cases/{seed.resolved_id}"
    page = olga.get(resolved).text
    assert 'id="reopen-form"' in page and 'id="reply-form"' not in page
    r = olga.post(f"{resolved}/reopen", data={"csrf_token": page_csrf(olga, resolved), "note": ""})
    assert r.status_code == 409 and "por qué se reabre" in r.text
    r = olga.post(f"{resolved}/reopen", data={"csrf_token": page_csrf(olga, resolved),
                                              "note": "El familiar volvió a escribir (ficticio)."},
                  follow_redirects=True)
    assert "Caso reabierto." in r.text and 'id="reply-form"' in r.text
    with session_factory() as s:
        case = s.get(Case, seed.resolved_id)
        assert case is not None and (case.status, case.resolution, case.resolved_at) == ("open", None, None)
        assert case.next_followup_at is not None
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "case_reopened")).one()
    assert event.details["previous_resolution"] == "hecho"
    r = olga.post(f"{resolved}/reopen", data={"csrf_token": page_csrf(olga, resolved), "note": "otra vez"})
    assert r.status_code == 409 and "no está cerrado" in r.text
