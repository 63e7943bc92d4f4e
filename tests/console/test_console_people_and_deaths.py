"""Issue 10, findings 2 and 7, in the console: a one-row import of a death makes a proposal (never a
status) that the importing admin cannot confirm; viewers do not see a restricted record's status or
location. All data FICTIONAL (the seed of tests/console/conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import status_review
from db.models import Person
from tests.console.conftest import Seed, page_csrf

Client = Callable[[str | None], TestClient]
ONE_DEATH = ("external_id,given_names,surnames,status,location,source\n"
             "F-100,Rigoberto Andrés,Quiñónez Paredes,fallecido,,Fiscalía ficticia acta 4\n")


def _status(factory: sessionmaker[Session], person_id: int) -> str:
    with factory() as s:
        person = s.get(Person, person_id)
        assert person is not None
        return person.current_status


def test_a_one_row_console_import_of_a_death_is_a_proposal_the_importer_cannot_confirm(
        make_client: Client, seed: Seed, session_factory: sessionmaker[Session]) -> None:
    admin = make_client("admin")
    token = page_csrf(admin, "/console/import")
    r = admin.post("/console/import", data={"csrf_token": token, "incident": "Incendio ficticio de prueba"},
                   files={"file": ("muerte.csv", ONE_DEATH.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    assert re.search(r'id="proposals">1 · no cambian el estado', r.text)  # the dry run says so already
    [confirm_url] = re.findall(r'action="(/console/import/[A-Za-z0-9_-]+/confirm)"', r.text)
    r = admin.post(confirm_url, data={"csrf_token": token})
    assert r.status_code == 200 and "Importación hecha" in r.text
    assert re.search(r'id="proposals">1 ·', r.text) and "es una propuesta" in r.text
    assert _status(session_factory, seed.person_id) == "hospitalized"  # no status without a second person
    with session_factory() as s:
        [pending] = status_review.list_pending(s, seed.person_id)
    assert pending.proposed_by == "user:ada" and pending.proposer is not None
    # The admin who imported cannot confirm it; another operator can.
    url = f"/console/persons/{seed.person_id}"
    r = admin.post(f"/console/pending/{pending.id}/confirm", data={"csrf_token": page_csrf(admin, url)})
    assert r.status_code == 409 and "no puede confirmarlo" in r.text
    olga = make_client("operator")
    r = olga.post(f"/console/pending/{pending.id}/confirm", data={"csrf_token": page_csrf(olga, url)},
                  follow_redirects=True)
    assert r.status_code == 200 and "Fallecimiento confirmado" in r.text
    assert _status(session_factory, seed.person_id) == "deceased"


def test_viewers_do_not_see_a_restricted_records_status_or_location_in_the_console(
        make_client: Client, seed: Seed, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        s.execute(update(Person).where(Person.id == seed.person_id).values(restricted=True))
    url = f"/console/persons/{seed.person_id}"
    operator_page = make_client("operator").get(url).text
    assert "Hospital General Ficticio" in operator_page and "Hospitalizado" in operator_page
    viewer = make_client("viewer")
    page = viewer.get(url).text
    assert "Hospital General Ficticio" not in page and "Hospitalizado" not in page
    assert 'id="current-status"><span class="muted restricted-hidden">' in page and 'id="history-hidden"' in page
    search = viewer.get("/console/persons", params={"q": "Rigoberto Quiñónez"}).text
    assert "Rigoberto" in search and "Hospitalizado" not in search and "restricted-hidden" in search
    with session_factory() as s:
        assert s.scalars(select(Person.current_status).where(Person.id == seed.person_id)).one() == "hospitalized"
