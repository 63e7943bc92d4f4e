"""Console security over HTTP, on SQLite and PostgreSQL: CSRF on every POST form, the authorisation
matrix of every /console route and role, and the four-eyes rule for a death.
All data FICTIONAL."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import status_review
from common.settings import Settings
from db.base import Base
from db.models import Case, OutboundMessage, Person, Subscription, User
from db.repositories.status import NewReport
from tests.console.conftest import Seed, csrf_of, page_csrf

Client = Callable[[str | None], TestClient]
ROLES = ("viewer", "operator", "admin")
RANK = {"public": -1, "viewer": 0, "operator": 1, "admin": 2}


@dataclass(frozen=True)
class Ids:
    case: int
    person: int
    pending: int
    user: int  # another account (otto, an operator) for the users page's actions


# The least role each console route needs ("public": anyone, logged in or not). A new route
# without an entry here fails test_every_console_route_is_in_the_matrix.
MATRIX: dict[tuple[str, str], str] = {
    ("GET", "/console/login"): "public",
    ("POST", "/console/login"): "public",
    ("GET", "/console/login/code"): "public",
    ("POST", "/console/login/code"): "public",
    ("GET", "/console/account"): "viewer",
    ("GET", "/console/account/second-factor"): "viewer",
    ("POST", "/console/account/second-factor"): "viewer",
    ("POST", "/console/account/recovery-codes"): "viewer",
    ("POST", "/console/account/password"): "viewer",
    ("GET", "/console/static/{name}"): "public",
    ("POST", "/console/logout"): "viewer",
    ("GET", "/console"): "viewer",
    ("GET", "/console/queue"): "viewer",
    ("GET", "/console/queue/rows"): "viewer",
    ("GET", "/console/cases/{case_id}"): "viewer",
    ("POST", "/console/cases/{case_id}/take"): "operator",
    ("POST", "/console/cases/{case_id}/reply"): "operator",
    ("POST", "/console/cases/{case_id}/link"): "operator",
    ("POST", "/console/cases/{case_id}/death-notification"): "operator",
    ("POST", "/console/cases/{case_id}/resolve"): "operator",
    ("POST", "/console/cases/{case_id}/call"): "operator",
    ("POST", "/console/cases/{case_id}/assign"): "operator",
    ("POST", "/console/cases/{case_id}/reopen"): "operator",
    ("POST", "/console/notices/{notice_id}/read"): "viewer",
    ("GET", "/console/alerts"): "viewer",
    ("POST", "/console/cases/{case_id}/note"): "operator",
    ("GET", "/console/replies"): "admin",
    ("POST", "/console/replies"): "admin",
    ("POST", "/console/replies/{reply_id}"): "admin",
    ("POST", "/console/replies/{reply_id}/delete"): "admin",
    ("GET", "/console/cases/{case_id}/transcript"): "viewer",
    ("GET", "/console/persons"): "viewer",
    ("GET", "/console/persons/{person_id}"): "viewer",
    ("POST", "/console/persons/{person_id}/status"): "operator",
    ("POST", "/console/persons/{person_id}/proof-lock/clear"): "operator",
    ("POST", "/console/pending/{pending_id}/confirm"): "operator",
    ("POST", "/console/pending/{pending_id}/reject"): "operator",
    ("GET", "/console/dashboard"): "viewer",
    ("GET", "/console/import"): "admin",
    ("POST", "/console/import"): "admin",
    ("POST", "/console/import/{upload_id}/confirm"): "admin",
    ("GET", "/console/audit"): "admin",
    ("GET", "/console/users"): "admin",
    ("POST", "/console/users/{user_id}/reset-password"): "admin",
    ("POST", "/console/users/{user_id}/end-sessions"): "admin",
    ("POST", "/console/users/{user_id}/deactivate"): "admin",
    ("POST", "/console/users/{user_id}/reactivate"): "admin",
    ("GET", "/console/exports"): "admin",
    ("GET", "/console/exports/nationality.csv"): "admin",
    ("GET", "/console/exports/pfif.xml"): "admin",
}

# Form fields for the POST routes (the CSRF token is added by the test).
FORMS: dict[str, dict[str, str]] = {
    "/console/login": {"username": "nadie", "password": "x"},
    "/console/login/code": {"code": "000000"},
    "/console/account/second-factor": {"code": "000000"},
    "/console/account/password": {"current": "x", "new": "otra-clave-ficticia", "repeat": "otra-clave-ficticia"},
    "/console/cases/{case_id}/reply": {"text": "Seguimos revisando (ficticio)."},
    "/console/cases/{case_id}/link": {"person_id": "{person_id}"},
    "/console/cases/{case_id}/death-notification": {"note": "llamada ficticia"},
    "/console/cases/{case_id}/resolve": {"note": "nota ficticia"},
    "/console/cases/{case_id}/call": {"operator_phone": "+50255590100"},
    "/console/cases/{case_id}/assign": {"user_id": "{user_id}"},
    "/console/cases/{case_id}/reopen": {"note": "motivo ficticio"},
    "/console/cases/{case_id}/note": {"text": "nota interna ficticia"},
    "/console/replies": {"title": "Matriz (ficticia)", "body": "Texto ficticio {referencia}"},
    "/console/replies/{reply_id}": {"title": "Matriz (ficticia) 2", "body": "Texto ficticio"},
    "/console/persons/{person_id}/status": {"status": "safe", "location": "Albergue ficticio", "source": "Acta ficticia"},
    "/console/pending/{pending_id}/reject": {"note": "fuente dudosa (ficticio)"},
}


def console_routes(app: Any) -> set[tuple[str, str]]:
    try:  # FastAPI keeps included routers as lazy branches; this flattens them.
        from fastapi.routing import iter_route_contexts

        routes: list[Any] = list(iter_route_contexts(app.routes))
    except ImportError:  # older FastAPI: included routes are copied into app.routes
        from fastapi.routing import APIRoute

        routes = [r for r in app.routes if isinstance(r, APIRoute)]
    return {
        (method, route.path)
        for route in routes
        if (route.path or "").startswith("/console")
        for method in route.methods or ()
        if method != "HEAD"
    }


def _url(path: str, ids: Ids) -> str:
    return (path.replace("{case_id}", str(ids.case)).replace("{person_id}", str(ids.person))
            .replace("{pending_id}", str(ids.pending)).replace("{upload_id}", "A" * 24)
            .replace("{name}", "console.css").replace("{user_id}", str(ids.user)).replace("{notice_id}", "1")
            .replace("{reply_id}", "999999"))


def _query(path: str) -> dict[str, str]:
    return {"nationality": "GT"} if path.endswith("nationality.csv") else {}


@pytest.fixture
def ids(seed: Seed, session_factory: sessionmaker[Session], settings: Settings, accounts: dict[str, int]) -> Ids:
    """A pending ``deceased`` proposal by the admin (so that operators may confirm or reject it)."""
    with session_factory.begin() as s:
        admin = s.get(User, accounts["admin"])
        person = s.get(Person, seed.other_id)
        assert admin is not None and person is not None
        pending = status_review.propose_status(s, person, NewReport("deceased", None, "Acta ficticia 9"), settings,
                                               user=admin)
        return Ids(case=seed.case_id, person=seed.person_id, pending=pending.id, user=accounts["operator2"])


def test_every_console_route_is_in_the_matrix(app: Any) -> None:
    routes = console_routes(app)
    assert len(routes) >= 20
    assert routes - MATRIX.keys() == set(), "console routes without an authorisation decision"
    assert MATRIX.keys() - routes == set(), "matrix entries for routes that no longer exist"


@pytest.mark.parametrize("who", ["anonymous", *ROLES])
def test_each_role_reaches_exactly_what_its_rank_allows(make_client: Client, ids: Ids, who: str) -> None:
    client = make_client(None if who == "anonymous" else who)
    token = page_csrf(client, "/console/login") if who == "anonymous" else page_csrf(client)
    # Logging out goes last: it ends this client's session.
    for (method, path), least in sorted(MATRIX.items(), key=lambda item: item[0][1] == "/console/logout"):
        url = _url(path, ids)
        if method == "GET":
            r = client.get(url, params=_query(path), follow_redirects=False)
        else:
            form = {k: _url(v, ids) for k, v in FORMS.get(path, {}).items()}
            r = client.post(url, data={**form, "csrf_token": token}, follow_redirects=False)
        where = f"{who} {method} {path} -> {r.status_code}"
        assert r.status_code < 500, where
        if least == "public":
            assert r.status_code != 403 and not r.headers.get("location", "").startswith("/console/login?"), where
        elif who == "anonymous":
            assert r.status_code == 303 and r.headers["location"].startswith("/console/login"), where
        elif RANK[who] < RANK[least]:
            assert r.status_code == 403 and "Acceso denegado" in r.text, where
        else:
            assert r.status_code != 403 and r.status_code != 401, where
            location = r.headers.get("location", "")
            assert location != "/console/login" and not location.startswith("/console/login?next="), where


def _snapshot(factory: sessionmaker[Session]) -> dict[str, Any]:
    with factory() as s:
        counts = {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
        cases = [(c.id, c.status, c.assignee_id, c.person_id, c.death_notified_at, c.resolution)
                 for c in s.scalars(select(Case).order_by(Case.id))]
        persons = [(p.id, p.current_status, p.status_version) for p in s.scalars(select(Person).order_by(Person.id))]
    return {"counts": counts, "cases": cases, "persons": persons}


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_every_post_form_without_the_right_csrf_token_is_refused_and_changes_nothing(
    make_client: Client, ids: Ids, session_factory: sessionmaker[Session], token: str | None
) -> None:
    admin = make_client("admin")
    before = _snapshot(session_factory)
    posts = [path for (method, path) in MATRIX if method == "POST"]
    assert len(posts) >= 10
    for path in posts:
        form = {k: _url(v, ids) for k, v in FORMS.get(path, {}).items()}
        if token is not None:
            form["csrf_token"] = token
        r = admin.post(_url(path, ids), data=form, follow_redirects=False)
        assert r.status_code == 403, f"POST {path} -> {r.status_code}"
        assert "token CSRF" in r.text
    assert _snapshot(session_factory) == before
    # The admin is still logged in (the logout was refused too) and the right token works.
    token_ok = page_csrf(admin, f"/console/cases/{ids.case}")
    r = admin.post(f"/console/cases/{ids.case}/take", data={"csrf_token": token_ok}, follow_redirects=False)
    assert r.status_code == 303


# Login throttling, sessions, the second factor and the users page: tests/console/test_console_accounts.py


def test_a_deactivated_account_loses_its_session_at_once(make_client: Client, accounts: dict[str, int],
                                                        session_factory: sessionmaker[Session]) -> None:
    client = make_client("operator")
    assert client.get("/console/queue").status_code == 200
    with session_factory.begin() as s:
        s.execute(update(User).where(User.id == accounts["operator"]).values(active=False))
    assert client.get("/console/queue", follow_redirects=False).status_code == 303


def test_a_death_needs_a_second_operator_and_then_followers_get_an_urgent_case_not_a_text(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    # The relative of seed's conversation follows the person (their birth date matches the record).
    with session_factory.begin() as s:
        s.execute(update(Subscription).where(Subscription.conversation_id == seed.conversation_id)
                  .values(person_id=seed.person_id))
        s.execute(update(Case).where(Case.id == seed.case_id).values(status="resolved", resolution="respondido"))
    olga, otto = make_client("operator"), make_client("operator2")
    url = f"/console/persons/{seed.person_id}"
    r = olga.post(f"{url}/status", data={"csrf_token": page_csrf(olga, url), "status": "deceased",
                                         "location": "", "source": "Fiscalía ficticia, acta 3"}, follow_redirects=True)
    assert "no tiene efecto hasta que otra persona lo confirme" in r.text
    assert "Usted hizo esta propuesta" in r.text and "Confirmar fallecimiento" not in r.text
    [pending_id] = [int(x) for x in re.findall(r'data-pending-id="(\d+)"', r.text)]
    # The proposer cannot confirm, even by posting the form directly.
    r = olga.post(f"/console/pending/{pending_id}/confirm", data={"csrf_token": page_csrf(olga, url)})
    assert r.status_code == 409 and "no puede confirmarlo" in r.text
    with session_factory() as s:
        person = s.get(Person, seed.person_id)
        assert person is not None and person.current_status == "hospitalized"
    page = otto.get(url).text
    assert "Confirmar fallecimiento" in page and "Usted hizo esta propuesta" not in page
    outbound_before = _outbound(session_factory)
    r = otto.post(f"/console/pending/{pending_id}/confirm", data={"csrf_token": csrf_of(page)}, follow_redirects=True)
    assert r.status_code == 200 and "Fallecimiento confirmado" in r.text
    with session_factory() as s:
        person = s.get(Person, seed.person_id)
        assert person is not None and person.current_status == "deceased"
        urgent = list(s.scalars(select(Case).where(Case.conversation_id == seed.conversation_id,
                                                   Case.status != "resolved")))
    assert [(c.reason, c.priority) for c in urgent] == [("death_notification", "urgent")]
    assert _outbound(session_factory) == outbound_before  # not one word to the relative
    queue = otto.get("/console/queue").text
    # Both urgent cases come before the normal ones.
    assert set(re.findall(r">([A-Z]{3}-[A-Z0-9]{4})<", queue)[:2]) == {urgent[0].reference, "TST-BBBB"}


def _outbound(factory: sessionmaker[Session]) -> list[tuple[int, str]]:
    with factory() as s:
        return [(m.id, m.text) for m in s.scalars(select(OutboundMessage).order_by(OutboundMessage.id))]
