"""``hotline roster import`` of a list with a death (issue 10, finding 2): the row becomes a pending
proposal, never a status, and the report says so; whoever imported cannot confirm it. Subprocess,
both databases. Names are FICTIONAL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import status_review
from bot.status_refusals import OperatorError
from common.settings import Settings
from db.models import Person, StatusReport
from tests.support import hotline_env, run_hotline

LIST = (
    "id,nombres,apellidos,estado,ubicacion,fuente\n"
    "M-1,Ernesto,Quintanilla Rojas,fallecido,,Fiscalía (ficticia) acta 12\n"
    "M-2,Rubén,Carrillo Mejía,hospitalizado,Hospital A (ficticio),Lista A (ficticia)\n"
)


def test_an_imported_death_is_a_proposal_and_the_report_says_so(
        db_url: str, session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "lista.csv"
    path.write_text(LIST, encoding="utf-8")
    env = hotline_env(db_url)
    dry = run_hotline(["roster", "import", str(path), "--incident", "Prueba (ficticio)", "--dry-run"], env)
    assert dry.returncode == 0, dry.stderr
    assert "1 death(s) would be proposals for a second person" in dry.stdout
    result = run_hotline(["roster", "import", str(path), "--incident", "Prueba (ficticio)"], env)
    assert result.returncode == 0, result.stderr
    assert "warning: line 2: deceased is not recorded by an import: it is a proposal" in result.stdout
    assert "1 status reports added" in result.stdout and "1 death(s) held as proposals" in result.stdout
    with session_factory.begin() as s:
        ernesto = s.scalars(select(Person).where(Person.external_id == "M-1")).one()
        assert (ernesto.current_status, ernesto.status_version) == ("unconfirmed", 0)
        assert s.scalars(select(StatusReport).where(StatusReport.person_id == ernesto.id)).all() == []
        [pending] = status_review.list_pending(s, ernesto.id)
        assert (pending.status, pending.source, pending.proposer) == ("deceased", "Fiscalía (ficticia) acta 12",
                                                                       "import")
        with pytest.raises(OperatorError, match="no puede confirmarlo"):
            status_review.confirm_pending(s, pending.id, settings, actor="import")
        pending_id = pending.id
    # Importing the same list again proposes nothing new while the proposal waits.
    again = run_hotline(["roster", "import", str(path), "--incident", "Prueba (ficticio)"], env)
    assert again.returncode == 0 and "deceased not proposed: a proposal for this record is already pending" in again.stdout
    with session_factory() as s:
        assert [p.id for p in status_review.list_pending(s)] == [pending_id]
