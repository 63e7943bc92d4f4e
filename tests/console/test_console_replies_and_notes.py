"""Faster replies (HTTP level, SQLite and PostgreSQL): canned replies with the case's variables,
edited by admins only, and internal notes that never reach the relative. All data FICTIONAL."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.models import AuditEvent, CannedReply, Case, CaseNote, OutboundMessage
from tests.console.conftest import Seed, page_csrf

Client = Callable[[str | None], TestClient]


def _outbound(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(OutboundMessage)) or 0)


def test_an_admin_writes_a_canned_reply_and_an_operator_uses_it_with_the_cases_values(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as s:
        s.execute(update(Case).where(Case.id == seed.case_id).values(sought_name="rigoberto paredes lopez"))
    ada, olga = make_client("admin"), make_client("operator")
    assert olga.get("/console/replies").status_code == 403
    r = ada.post("/console/replies", data={"csrf_token": page_csrf(ada, "/console/replies"),
                                           "title": "Prueba ficticia", "body": "Caso {referencia}: {apodo}"})
    assert r.status_code == 422 and "Variable desconocida: {apodo}" in r.text
    r = ada.post("/console/replies", data={"csrf_token": page_csrf(ada, "/console/replies"),
                                           "title": "Prueba ficticia",
                                           "body": "Seguimos buscando a {nombre} (caso {referencia})."},
                 follow_redirects=True)
    assert "Respuesta guardada." in r.text
    with session_factory() as s:
        reply_id = s.scalars(select(CannedReply.id).where(CannedReply.title == "Prueba ficticia")).one()

    path = f"/console/cases/{seed.case_id}"
    page = olga.get(path).text
    assert f'<option value="{reply_id}">Prueba ficticia</option>' in page
    page = olga.get(path, params={"plantilla": str(reply_id)}).text
    box = re.search(r'<textarea name="text"[^>]*id="reply-text">([^<]*)</textarea>', page)
    # The name as the relative wrote it (never the record's spelling), and the reference.
    assert box is not None and box.group(1) == "Seguimos buscando a Rigoberto Paredes López (caso TST-AAAA)."

    r = ada.post(f"/console/replies/{reply_id}", data={"csrf_token": page_csrf(ada, "/console/replies"),
                                                       "title": "Prueba ficticia", "body": "Caso {referencia}."},
                 follow_redirects=True)
    assert "Respuesta guardada." in r.text
    assert "Caso TST-AAAA." in olga.get(path, params={"plantilla": str(reply_id)}).text
    ada.post(f"/console/replies/{reply_id}/delete", data={"csrf_token": page_csrf(ada, "/console/replies")})
    with session_factory() as s:
        assert s.get(CannedReply, reply_id) is None
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "canned_reply")))
    assert actions == ["canned_reply_saved", "canned_reply_saved", "canned_reply_deleted"]


def test_an_internal_note_is_kept_for_the_team_and_never_sent(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    olga, vera = make_client("operator"), make_client("viewer")
    path = f"/console/cases/{seed.case_id}"
    before = _outbound(session_factory)
    r = olga.post(f"{path}/note", data={"csrf_token": page_csrf(olga, path),
                                        "text": "La hermana llamó a la línea fija (ficticio)."}, follow_redirects=True)
    assert "Nota interna guardada (no se envía al familiar)." in r.text
    notes = r.text[r.text.index('id="notes"'):]
    assert "La hermana llamó a la línea fija (ficticio)." in notes[:notes.index("</section>")]
    assert _outbound(session_factory) == before  # nothing queued to the relative
    assert "La hermana llamó" in vera.get(path).text and 'id="note-form"' not in vera.get(path).text
    r = olga.post(f"{path}/note", data={"csrf_token": page_csrf(olga, path), "text": "  "})
    assert r.status_code == 422 and "Escriba la nota." in r.text
    with session_factory() as s:
        assert s.scalars(select(CaseNote.author)).all() == ["user:olga"]
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "internal_note")).one()
