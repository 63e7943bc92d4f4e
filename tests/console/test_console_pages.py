"""The console's pages and actions over HTTP, on SQLite and PostgreSQL. All data FICTIONAL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from common.settings import Settings
from db.base import utcnow
from db.models import AuditEvent, Case, ImportRun, InboundRecord, OutboundMessage, Person
from tests.console.conftest import RELATIVE, Seed, csrf_of, page_csrf

Client = Callable[[str | None], TestClient]


def _events(factory: sessionmaker[Session], action: str) -> list[AuditEvent]:
    with factory() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_the_queue_shows_urgent_first_then_longest_silent_with_masked_contacts(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as s:
        # A normal case silent for longer than TST-AAAA, and one in contact a minute ago.
        s.add(Case(reference="TST-OLD1", reason="ambiguous", priority="normal", status="waiting", channel=None,
                   created_at=utcnow() - timedelta(days=2), last_contact_at=utcnow() - timedelta(days=1)))
        s.add(Case(reference="TST-NEW1", reason="ambiguous", priority="normal", status="open", channel=None,
                   created_at=utcnow() - timedelta(days=3), last_contact_at=utcnow() - timedelta(minutes=1)))
    viewer = make_client("viewer")
    page = viewer.get("/console").text
    refs = re.findall(r">(TST-[A-Z0-9]{4})<", page)
    assert refs == ["TST-BBBB", "TST-OLD1", "TST-AAAA", "TST-NEW1"]  # resolved TST-CCCC is not there
    assert "+502 ****0123" in page and RELATIVE not in page
    assert "tg ****4321" in page and "987654321" not in page
    assert "Notificación de fallecimiento" in page and "Sin coincidencia" in page
    # The fragment the page polls has the same rows and the count.
    rows = viewer.get("/console/queue/rows")
    assert rows.status_code == 200 and rows.headers["X-Queue-Count"] == "4"
    assert re.findall(r">(TST-[A-Z0-9]{4})<", rows.text) == refs
    assert viewer.get("/console/static/console.js").status_code == 200


def test_login_rotates_the_session_and_logout_ends_it(make_client: Client, accounts: dict[str, int],
                                                      session_factory: sessionmaker[Session]) -> None:
    client = make_client(None)
    r = client.get("/console/cases/1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login?next=%2Fconsole%2Fcases%2F1"
    page = client.get("/console/login")
    before = client.cookies.get("hotline_console")
    cookie_header = page.headers["set-cookie"].lower()
    assert "httponly" in cookie_header and "samesite=lax" in cookie_header and "path=/console" in cookie_header
    r = client.post("/console/login", data={"username": "olga", "password": "contraseña-de-prueba-1",
                                            "csrf_token": csrf_of(page.text), "next": "/console/dashboard"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/dashboard"
    after = client.cookies.get("hotline_console")
    assert after and after != before
    # The pre-login CSRF token is no longer valid: the session (and its token) was replaced.
    queue = client.get("/console/queue")
    assert queue.status_code == 200 and csrf_of(queue.text) != csrf_of(page.text)
    assert [e.actor for e in _events(session_factory, "login")] == ["user:olga"]
    r = client.post("/console/logout", data={"csrf_token": csrf_of(queue.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/console/queue", follow_redirects=False).status_code == 303
    # An open redirect through ?next= is refused.
    page = client.get("/console/login")
    r = client.post("/console/login", data={"username": "olga", "password": "contraseña-de-prueba-1",
                                            "csrf_token": csrf_of(page.text), "next": "https://evil.example"},
                    follow_redirects=False)
    assert r.headers["location"] == "/console"


def test_the_case_page_shows_transcript_details_and_candidates_and_is_audited(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    viewer = make_client("viewer")
    page = viewer.get(f"/console/cases/{seed.case_id}").text
    assert "TST-AAAA" in page and "Rigoberto Paredes López" in page and "1994-07-15" in page
    assert "Caso abierto (ficticio)" in page and "entregado" in page  # an outbound line and its delivery
    assert f"n.º {seed.person_id} · Rigoberto Andrés Quiñónez Paredes" in page
    assert re.search(r"<td[^>]*>0\.\d\d <span class=\"badge[^\"]*\">(débil|fuerte)</span></td>", page)  # score, strength
    assert RELATIVE not in page
    assert "Enviar respuesta" not in page  # a viewer gets no action forms
    [event] = _events(session_factory, "case_viewed")
    assert event.actor == "user:vera" and event.subject_id == str(seed.case_id)
    assert seed.person_id in event.details["person_ids"]
    assert viewer.get("/console/cases/999999").status_code == 404


def test_linking_the_right_record_sends_the_verified_answer_to_the_relative(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    operator = make_client("operator")
    token = page_csrf(operator, f"/console/cases/{seed.case_id}")
    r = operator.post(f"/console/cases/{seed.case_id}/take", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    r = operator.post(f"/console/cases/{seed.case_id}/link", data={"csrf_token": token, "person_id": str(seed.person_id)})
    assert r.status_code == 200
    assert "Se envió al familiar la información verificada." in r.text
    with session_factory() as s:
        [out] = s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "operator")).all()
        case = s.get(Case, seed.case_id)
        assert case is not None and case.person_id == seed.person_id and case.status == "waiting"
        assert case.assignee_id is not None
    assert out.recipient == RELATIVE and out.channel == "sms" and "Hospital General Ficticio" in out.text
    assert [e.details["text"] for e in _events(session_factory, "disclosure")] == [out.text]
    # A record that does not exist is a precise error, not a 500.
    r = operator.post(f"/console/cases/{seed.case_id}/link", data={"csrf_token": token, "person_id_manual": "999999"})
    assert r.status_code == 422 and "No existe el registro n.º 999999" in r.text


def test_a_reply_goes_to_the_outbox_on_the_relatives_channel(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    operator = make_client("operator")
    token = page_csrf(operator, f"/console/cases/{seed.case_id}")
    r = operator.post(f"/console/cases/{seed.case_id}/reply", data={"csrf_token": token, "text": "Seguimos revisando."},
                      follow_redirects=True)
    assert r.status_code == 200 and "Respuesta en cola" in r.text and "Seguimos revisando." in r.text
    with session_factory() as s:
        row = s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "operator")).one()
    assert (row.channel, row.recipient, row.text) == ("sms", RELATIVE, "Mensaje del equipo: Seguimos revisando.")
    r = operator.post(f"/console/cases/{seed.case_id}/reply", data={"csrf_token": token, "text": "  "})
    assert r.status_code == 422 and "Escriba el mensaje" in r.text


def test_a_death_notification_case_takes_no_text_and_no_closing_before_the_call_is_recorded(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    operator = make_client("operator")
    url = f"/console/cases/{seed.urgent_id}"
    token = page_csrf(operator, url)
    assert "debe llamar a la familia" in operator.get(url).text
    r = operator.post(f"{url}/reply", data={"csrf_token": token, "text": "Hola"})
    assert r.status_code == 409 and "Registre primero la notificación de fallecimiento" in r.text
    r = operator.post(f"{url}/resolve", data={"csrf_token": token, "note": "cerrado"})
    assert r.status_code == 409 and "registre primero la notificación" in r.text
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(OutboundMessage).where(OutboundMessage.kind == "operator")) == 0
    r = operator.post(f"{url}/death-notification", data={"csrf_token": token, "note": " "})
    assert r.status_code == 409 and "indique quién llamó" in r.text
    r = operator.post(f"{url}/death-notification",
                      data={"csrf_token": token, "note": "Olga llamó a la hermana (ficticio)"}, follow_redirects=True)
    assert "Notificación de fallecimiento registrada" in r.text
    r = operator.post(f"{url}/resolve", data={"csrf_token": token, "note": "familia informada"}, follow_redirects=True)
    assert "Caso resuelto" in r.text
    with session_factory() as s:
        case = s.get(Case, seed.urgent_id)
        assert case is not None and case.status == "resolved" and case.death_notified_by == "user:olga"


def test_person_search_and_record_are_audited_and_a_verified_status_needs_its_source(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    operator = make_client("operator")
    r = operator.get("/console/persons", params={"q": "rigoberto quinonez"})
    assert f"/console/persons/{seed.person_id}" in r.text and "fuerte" in r.text
    [search] = _events(session_factory, "person_search")
    assert search.details["person_ids"][0] == seed.person_id
    page = operator.get(f"/console/persons/{seed.other_id}")
    assert "Carlos Ramírez Ortega" in page.text
    [read] = _events(session_factory, "person_read")
    assert (read.actor, read.subject_id) == ("user:olga", str(seed.other_id))
    token = csrf_of(page.text)
    r = operator.post(f"/console/persons/{seed.other_id}/status",
                      data={"csrf_token": token, "status": "safe", "location": "Albergue ficticio", "source": ""})
    assert r.status_code == 422 and "necesita su fuente" in r.text
    r = operator.post(f"/console/persons/{seed.other_id}/status",
                      data={"csrf_token": token, "status": "safe", "location": "Albergue ficticio",
                            "source": "Acta ficticia 7", "expected_version": "0"}, follow_redirects=True)
    assert "Estado registrado" in r.text and "Acta ficticia 7" in r.text
    # A stale form (another operator recorded meanwhile) is refused and says so.
    r = operator.post(f"/console/persons/{seed.other_id}/status",
                      data={"csrf_token": token, "status": "released", "source": "Acta 8", "expected_version": "0"})
    assert r.status_code == 409 and "mientras usted escribía" in r.text
    with session_factory() as s:
        person = s.get(Person, seed.other_id)
        assert person is not None and (person.current_status, person.status_version) == ("safe", 1)


GOOD_CSV = ("external_id,given_names,surnames,nationality,birth_date,status,location,source\n"
            "X-1,Ana Lucía,Prueba Ficticia,GT,1990-01-02,safe,Albergue ficticio,Acta ficticia\n"
            "X-2,Beto,Inventado Pérez,HN,,,,\n")
BAD_CSV = ("external_id,given_names,surnames,nationality,birth_date\n"
           "X-3,Ana,Prueba,GT,1990-13-45\n"
           "X-4,,Sin Nombre,GT,\n")


def _persons(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(Person)) or 0)


def test_an_import_shows_the_dry_run_first_and_writes_only_on_confirmation(
    make_client: Client, accounts: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    admin = make_client("admin")
    token = page_csrf(admin, "/console/import")
    r = admin.post("/console/import", data={"csrf_token": token, "incident": "Lista ficticia"},
                   files={"file": ("malo.csv", BAD_CSV.encode(), "text/csv")})
    assert r.status_code == 422 and "no se escribirá nada" in r.text
    rows = re.findall(r'<td data-label="Línea">(\d+)</td><td data-label="Columna">([^<]*)</td>', r.text)
    assert ("2", "birth_date") in rows and any(line == "3" for line, _ in rows)
    assert "confirm-import" not in r.text and _persons(session_factory) == 0

    r = admin.post("/console/import", data={"csrf_token": token, "incident": "Lista ficticia"},
                   files={"file": ("bueno.csv", GOOD_CSV.encode(), "text/csv")})
    assert r.status_code == 200 and "Prueba sin escribir" in r.text
    assert _persons(session_factory) == 0  # nothing before confirmation
    [confirm_url] = re.findall(r'action="(/console/import/[A-Za-z0-9_-]+/confirm)"', r.text)
    # Another admin cannot confirm someone else's upload.
    with session_factory.begin() as s:
        from bot.auth import create_user
        create_user(s, "otra-admin", "admin", "contraseña-de-prueba-1", actor="test")
    other = make_client(None)
    from tests.console.conftest import login
    login(other, "otra-admin")
    assert other.post(confirm_url, data={"csrf_token": page_csrf(other)}).status_code == 404
    r = admin.post(confirm_url, data={"csrf_token": token})
    assert r.status_code == 200 and "Importación hecha" in r.text
    assert _persons(session_factory) == 2
    with session_factory() as s:
        run = s.scalars(select(ImportRun)).one()
    assert (run.created, run.actor) == (2, "user:ada")
    # The upload is gone once used.
    assert admin.post(confirm_url, data={"csrf_token": token}).status_code == 404
    assert _persons(session_factory) == 2


def test_the_dashboard_counts(make_client: Client, seed: Seed) -> None:
    page = make_client("viewer").get("/console/dashboard").text
    by_status = dict(re.findall(r"<tr><th>([^<]+)</th><td class=\"num\">(\d+)</td></tr>", page))
    assert by_status["Hospitalizado"] == "1" and by_status["Sin confirmar"] == "1"
    assert f'id="oldest"><a href="/console/cases/{seed.case_id}">TST-AAAA' in page
    hours = re.findall(r'<td class="num">(\d+)</td><td class="num">(\d+)</td>', page)
    assert len(hours) == 24 and sum(int(i) for i, _ in hours) == 1 and sum(int(o) for _, o in hours) == 1
    assert '<p class="muted" id="pending-turns">Ninguno' in page


def test_the_dashboard_warns_when_recorded_messages_wait_unanswered(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    from db.repositories.conversations import record_inbound

    with session_factory.begin() as s:  # recorded by a webhook, no turn worker running (FICTIONAL)
        record_inbound(s, "sms", "+50255500777", "SM-waiting-1", "Hola", None)
        record_inbound(s, "sms", "+50255500778", "SM-waiting-2", "Hola", None)
    page = make_client("viewer").get("/console/dashboard").text
    assert re.search(r'<p id="pending-turns">\s*2 · el más antiguo', page)
    with session_factory.begin() as s:  # ...and two minutes later nobody has answered them
        s.execute(update(InboundRecord).values(received_at=utcnow() - timedelta(minutes=2)))
    page = make_client("viewer").get("/console/dashboard").text
    assert '<p id="pending-turns" class="error" role="alert">' in page and "hotline worker" in page


def _actions_listed(page: str) -> set[str]:
    return set(re.findall(r'<td data-label="Acción">([a-z_]+)</td>', page))


def test_the_audit_log_filters_and_pages(make_client: Client, seed: Seed, session_factory: sessionmaker[Session],
                                        settings: Settings) -> None:
    admin = make_client("admin")
    for _ in range(3):
        admin.get(f"/console/cases/{seed.case_id}")
    admin.get(f"/console/persons/{seed.person_id}")
    page = admin.get("/console/audit", params={"action": "case_viewed", "actor": "user:ada"}).text
    assert page.count('<td data-label="Acción">case_viewed</td>') == 3
    page = admin.get("/console/audit", params={"subject": f"person:{seed.person_id}"}).text
    assert _actions_listed(page) == {"person_read", "status_change"}
    today = utcnow().astimezone(ZoneInfo(settings.hotline_timezone)).date()  # dates are the incident's days
    assert _actions_listed(admin.get("/console/audit", params={"hasta": str(today - timedelta(days=2))}).text) == set()
    assert "case_viewed" in _actions_listed(admin.get("/console/audit", params={"desde": str(today)}).text)
    assert admin.get("/console/audit", params={"desde": "ayer"}).status_code == 422
    with session_factory.begin() as s:
        s.add_all([AuditEvent(actor="test", action="relleno", details={}) for _ in range(60)])
    first = admin.get("/console/audit", params={"action": "relleno"}).text
    assert "Página 1 de 2" in first and "page=2" in first
    second = admin.get("/console/audit", params={"action": "relleno", "page": "2"}).text
    assert second.count('<td data-label="Acción">relleno</td>') == 10


def test_exports_download_through_bot_exports_and_are_audited(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    admin = make_client("admin")
    assert "nationality=GT" in admin.get("/console/exports").text
    r = admin.get("/console/exports/nationality.csv", params={"nationality": "GT", "incident": ""})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "Quiñónez Paredes" in r.text and "Ramírez" not in r.text
    assert r.content.startswith(b"\xef\xbb\xbf")  # Spanish Excel reads the accents right
    r = admin.get("/console/exports/pfif.xml")
    assert r.status_code == 200 and "http://zesty.ca/pfif/1.4" in r.text
    events = _events(session_factory, "export")
    assert [(e.actor, e.details["format"]) for e in events] == [("user:ada", "nationality_csv"), ("user:ada", "pfif_1.4")]
