"""The FICTIONAL demo roster: loads, with the rows docs/roster.md promises."""

from __future__ import annotations

import csv
import io
from collections import Counter

from sqlalchemy import func, select

from bot.roster.demo import DEMO_INCIDENT_NAME, demo_roster_bytes, ensure_demo_roster
from db.models import Incident, Person, StatusReport


def test_demo_roster_loads_once_with_the_documented_rows(session_factory) -> None:
    assert ensure_demo_roster(session_factory) == 68
    assert ensure_demo_roster(session_factory) == 0  # idempotent
    with session_factory() as s:
        assert s.scalars(select(Incident.name)).all() == [DEMO_INCIDENT_NAME]
        persons = {p.external_id: p for p in s.scalars(select(Person))}
        assert len(persons) == 68
        statuses = Counter(p.current_status for p in persons.values())
        assert statuses == {"hospitalized": 25, "unconfirmed": 20, "deceased": 10, "safe": 6,
                            "transferred": 3, "released": 2, "returned": 2}
        assert Counter(p.nationality for p in persons.values()) == {
            "GT": 33, "HN": 12, "SV": 8, "VE": 7, "CO": 4, "EC": 4}
        # Every status other than unconfirmed has a source that says it is fictional.
        for report in s.scalars(select(StatusReport)):
            if report.status != "unconfirmed":
                assert report.source and "FICTICIO" in report.source
        assert s.scalar(select(func.count()).select_from(StatusReport)) == 49

        restricted = [p.external_id for p in persons.values() if p.restricted]
        assert restricted == ["DEMO-013"]
        deceased = sorted(p.external_id for p in persons.values() if p.current_status == "deceased")
        assert deceased == ["DEMO-009", "DEMO-014", "DEMO-015", "DEMO-018", "DEMO-022", "DEMO-028",
                            "DEMO-038", "DEMO-046", "DEMO-053", "DEMO-059"]

        def name(eid: str) -> tuple[str, str, str | None]:
            p = persons[eid]
            return p.given_names, p.surnames, p.birth_date.isoformat() if p.birth_date else None

        # Homonyms: same given names and first surname; a shared full name; swapped surnames.
        assert name("DEMO-001") == ("José Luis", "Hernández García", "1996-05-03")
        assert name("DEMO-002") == ("José Luis", "Hernández López", "1991-08-17")
        assert name("DEMO-003") == ("Juan Carlos", "Pérez Ramírez", "1990-05-03")
        assert name("DEMO-004") == ("Juan Carlos", "Pérez Ramírez", "1998-11-14")
        assert name("DEMO-005")[:2] == ("Antonio", "Moreno Sánchez")
        assert name("DEMO-006")[:2] == ("Antonio", "Sánchez Moreno")
        assert persons["DEMO-012"].given_names == "José Guadalupe" and persons["DEMO-012"].approx_age == 34
        assert persons["DEMO-001"].current_status == "hospitalized"
        assert persons["DEMO-004"].current_status == "safe"


def test_demo_csv_is_all_fictional_adult_men_with_sources() -> None:
    rows = list(csv.DictReader(io.StringIO(demo_roster_bytes().decode("utf-8"))))
    assert len(rows) == 68
    assert all(r["fuente"] == "" or "FICTICIO" in r["fuente"] for r in rows)
    assert all(r["fuente"] for r in rows if r["estado"] not in ("", "sin confirmar"))
