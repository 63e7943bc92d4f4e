"""What an operator reads during a shift (HTTP level, SQLite and PostgreSQL): a link judged on what
the relative said last (and the page says which details), details and relationship words in
Spanish, times with their zone, readable audit details, the SLA indicator, and the relative's other
cases. All data FICTIONAL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from db.base import utcnow
from db.models import AuditEvent, Case, Conversation, Inquiry
from tests.console.conftest import Seed, page_csrf

Client = Callable[[str | None], TestClient]


def test_a_link_is_judged_on_what_the_relative_said_last(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    # The case opened on a wrong birth date; the relative corrected it afterwards in the conversation.
    with session_factory.begin() as s:
        wrong = Inquiry(conversation_id=seed.conversation_id,
                        details={"name": "Rigoberto Paredes López", "birth_date": "1994-07-16"})
        s.add(wrong)
        s.flush()
        s.execute(update(Case).where(Case.id == seed.case_id).values(inquiry_id=wrong.id))
        s.execute(update(Conversation).where(Conversation.id == seed.conversation_id).values(state={"details": {
            "name": "Rigoberto Paredes López", "birth_date": "1994-07-15", "relationship": "sibling"}}))
    olga = make_client("operator")
    path = f"/console/cases/{seed.case_id}"
    page = olga.get(path).text
    latest = page[page.index('id="latest-details"'):]
    assert "Lo último que dijo sobre la persona (en la conversación ahora)" in page
    assert "15/07/1994" in latest[:latest.index("</dl>")] and "hermano o hermana" in latest[:latest.index("</dl>")]
    assert "sibling" not in page
    assert "lo último que dijo el familiar sobre esta persona" in page
    r = olga.post(f"{path}/link", data={"csrf_token": page_csrf(olga, path), "person_id": str(seed.person_id)})
    assert r.status_code == 200 and "Se envió al familiar la información verificada." in r.text


def test_times_zone_audit_details_sla_and_history(
    make_client: Client, seed: Seed, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as s:
        s.execute(update(Case).where(Case.id == seed.case_id)
                  .values(last_contact_at=utcnow() - timedelta(hours=13)))
        s.add(AuditEvent(actor="bot", action="case_opened", subject_type="case", subject_id=str(seed.case_id),
                         details={"reference": "TST-AAAA", "details": {"name": "Ñandú Pérez Íñiguez"}}))
    admin = make_client("admin")
    queue = admin.get("/console/queue").text
    row = queue[queue.index("TST-AAAA"):]
    assert '<span class="sla sla-late">vencido</span>' in row[:row.index("</tr>")]
    page = admin.get(f"/console/cases/{seed.case_id}").text
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d MST", page)  # America/Ciudad_Juarez, with its zone
    # The same relative's other case (same conversation), resolved, is listed.
    history = page[page.index('id="history"'):]
    assert "TST-CCCC" in history[:history.index("</section>")]
    audit = admin.get("/console/audit", params={"action": "case_opened"}).text
    assert "Ñandú Pérez Íñiguez" in audit and "\\u00" not in audit and "details.name" in audit
    with session_factory() as s:
        assert s.scalars(select(Case).where(Case.id == seed.case_id)).one().status == "open"
