"""Re-imports (issue 15): a line whose normalised content is the one last applied to its person is
found unchanged in the database (``Person.import_hash``) and nothing is written for it; a changed
line is written; an operator's status change makes the next import compare the line in full; lines
that repeat an identity are found across batches. Both databases. All names are FICTIONAL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.matching.keys import name_keys, token_variants
from bot.roster.importer import BATCH_SIZE, import_roster
from bot.status_review import record_status
from common.settings import Settings
from db.models import AuditEvent, ImportRun, NameVariant, PendingStatusReport, Person, StatusReport
from db.repositories.status import NewReport

INCIDENT = "Derrumbe de prueba (ficticio)"
HEADER = "id,nombres,apellidos,nacionalidad,fecha_nacimiento,edad,estado,ubicacion,fuente,verificado_en,restringido"
LIST = (
    HEADER + "\n"
    "R-1,José Luis,Hernández García,GT,1996-05-03,,hospitalizado,Hospital A (ficticio),Lista A (ficticia),"
    "2023-03-28T14:00:00-06:00,\n"
    "R-2,Antonio,Moreno Sánchez,SV,21/02/1987,,,,,,0\n"
    "R-3,Jesús,Velázquez Yáñez,Guatemala,,30,,Albergue (ficticio),INM (ficticio),,sí\n"
    "R-4,Mario,Cifuentes Barrios,GT,1995-03-07,,a salvo,,INM (ficticio),2023-03-29,\n"
)
# The same list as another office writes it: codes for names and names for codes, the other date
# form, the time in UTC, "sin confirmar" where the status was empty next to a location, other
# yes/no words, spaces. It says exactly the same thing.
SAME_MEANING = (
    HEADER + "\n"
    "R-1,José  Luis , Hernández García,Guatemala,03/05/1996,,Hospitalized,Hospital A (ficticio),"
    "Lista A (ficticia),2023-03-28T20:00:00+00:00,\n"
    "R-2,Antonio,Moreno Sánchez,El Salvador,1987-02-21,,,,,,no\n"
    "R-3,Jesús,Velázquez Yáñez,gt,,30.0,sin confirmar,Albergue (ficticio),INM (ficticio),,1\n"
    "R-4,Mario,Cifuentes Barrios,GT,7/3/1995,,A SALVO,,INM (ficticio),2023-03-29T00:00:00Z,\n"
)


def write(tmp_path: Path, text: str, name: str = "lista.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def persons(factory: sessionmaker[Session]) -> dict[str, tuple[datetime, int, str, int | None]]:
    with factory() as s:
        return {p.external_id or "": (p.updated_at, p.status_version, p.current_status, p.import_hash)
                for p in s.scalars(select(Person))}


def table_counts(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
                for m in (Person, StatusReport, AuditEvent, ImportRun)}


def test_an_unchanged_list_writes_nothing_but_its_run(session_factory, tmp_path) -> None:
    first = import_roster(session_factory, write(tmp_path, LIST), incident_name=INCIDENT)
    assert first.ok and first.created == 4
    before, counts = persons(session_factory), table_counts(session_factory)
    assert all(h is not None for *_, h in before.values())  # every new person carries its line's hash

    again = import_roster(session_factory, write(tmp_path, LIST, "otra.csv"), incident_name=INCIDENT)
    assert (again.rows, again.created, again.updated, again.unchanged, again.status_reports) == (4, 0, 0, 4, 0)
    assert persons(session_factory) == before  # no updated_at, status_version or hash moved
    after = table_counts(session_factory)
    assert after == {**counts, "audit_events": counts["audit_events"] + 1, "import_runs": counts["import_runs"] + 1}


def test_a_list_that_says_the_same_thing_in_other_words_is_unchanged(session_factory, tmp_path) -> None:
    import_roster(session_factory, write(tmp_path, LIST), incident_name=INCIDENT)
    before = persons(session_factory)
    again = import_roster(session_factory, write(tmp_path, SAME_MEANING, "otra.csv"), incident_name=INCIDENT)
    assert again.ok and (again.updated, again.unchanged) == (0, 4)
    assert persons(session_factory) == before  # same hashes: found equal in the database


def test_a_changed_line_is_written_and_the_others_are_not(session_factory, tmp_path) -> None:
    import_roster(session_factory, write(tmp_path, LIST), incident_name=INCIDENT)
    before = persons(session_factory)
    moved = LIST.replace("R-2,Antonio,Moreno Sánchez,SV,21/02/1987,,,,,,0",
                         "R-2,Antonio José,Moreno Sánchez,SV,21/02/1987,,trasladado,Hospital B (ficticio),"
                         "Traslados (ficticio),,0")
    report = import_roster(session_factory, write(tmp_path, moved, "v2.csv"), incident_name=INCIDENT)
    assert (report.created, report.updated, report.unchanged, report.status_reports) == (0, 1, 3, 1)
    after = persons(session_factory)
    assert {k: v for k, v in after.items() if k != "R-2"} == {k: v for k, v in before.items() if k != "R-2"}
    updated_at, version, status, row_hash = after["R-2"]
    assert (version, status) == (1, "transferred") and updated_at > before["R-2"][0]
    assert row_hash is not None and row_hash != before["R-2"][3]
    with session_factory() as s:
        assert s.scalars(select(Person.given_names).where(Person.external_id == "R-2")).one() == "Antonio José"
    # The changed line is now the stored one: importing it again writes nothing.
    again = import_roster(session_factory, write(tmp_path, moved, "v3.csv"), incident_name=INCIDENT)
    assert (again.updated, again.unchanged) == (0, 4) and persons(session_factory) == after


def test_persons_without_a_stored_hash_are_compared_in_full_once(session_factory, tmp_path) -> None:
    """Persons imported before the hash existed (or by another path): the first import compares
    each line in full, finds it unchanged and stores its hash without touching anything else."""
    import_roster(session_factory, write(tmp_path, LIST), incident_name=INCIDENT)
    with session_factory.begin() as s:
        s.execute(update(Person).values(import_hash=None, updated_at=Person.updated_at))
    before = persons(session_factory)
    report = import_roster(session_factory, write(tmp_path, LIST, "otra.csv"), incident_name=INCIDENT)
    assert (report.updated, report.unchanged) == (0, 4)
    after = persons(session_factory)
    assert {k: v[:3] for k, v in after.items()} == {k: v[:3] for k, v in before.items()}
    assert all(v[3] is not None for v in after.values())


def test_an_operators_status_change_makes_the_next_import_compare_the_line(
        session_factory, tmp_path, settings: Settings) -> None:
    """The stored hash says "this person is as the line left them"; a report from anyone else ends
    that, and the next import of the same line is judged in full, as always: here the list's report
    is older than the operator's, so the operator's stands and the report says why."""
    import_roster(session_factory, write(tmp_path, LIST), incident_name=INCIDENT)
    with session_factory.begin() as s:
        jose = s.scalars(select(Person).where(Person.external_id == "R-1")).one()
        record_status(s, jose, NewReport(status="transferred", location="Hospital C (ficticio)",
                                         source="Llamada del hospital (ficticia)"), settings, actor="user:olga")
        assert jose.import_hash is None
    report = import_roster(session_factory, write(tmp_path, LIST, "otra.csv"), incident_name=INCIDENT)
    assert report.ok and report.status_reports == 0 and report.unchanged == 4
    assert any(str(w).startswith("line 2: status left as recorded") for w in report.warnings)
    assert persons(session_factory)["R-1"][2] == "transferred"


def test_lines_repeating_an_identity_are_found_across_batches(session_factory, tmp_path) -> None:
    rows = [f"D-{i},Nombre{i},Apellido Uno,GT,,,,,,," for i in range(BATCH_SIZE + 10)]
    rows[BATCH_SIZE + 5] = "D-3,Otro,Nombre,GT,,,,,,,"  # the id of line 5, a batch later
    rows.append(",Pedro,Paz Gómez,,1990-01-01,,,,,,")
    rows.insert(7, ",PEDRO,Paz Gomez,,01/01/1990,,,,,,")  # the same person without id, earlier
    rows.append("D-4,Otra,Persona,GT,31/02/1990,,,,,,")  # a bad line that also repeats an id
    text = HEADER + "\n" + "\n".join(rows) + "\n"
    report = import_roster(session_factory, write(tmp_path, text), incident_name=INCIDENT)
    last = len(rows) + 1
    assert [str(e) for e in report.errors] == [
        f"line {BATCH_SIZE + 8}, column id: duplicate external_id 'D-3' (first on line 5)",
        f"line {last - 1}: same names and birth date as line 9 and no external_id to tell them apart",
        f"line {last}, column fecha_nacimiento: impossible date '31/02/1990'",
        f"line {last}, column id: duplicate external_id 'D-4' (first on line 6)",
    ]
    assert table_counts(session_factory)["persons"] == 0  # the first batch was written, then undone


def test_new_persons_are_indexed_with_their_name_variants(session_factory, tmp_path) -> None:
    import_roster(session_factory, write(tmp_path, LIST), incident_name=INCIDENT)
    with session_factory() as s:
        known = {(v, t) for v, t in s.execute(select(NameVariant.variant, NameVariant.token))}
    tokens = name_keys("José Luis", "Hernández García").tokens | name_keys("Mario", "Cifuentes Barrios").tokens
    assert {(v, t) for t in tokens for v in token_variants(t)} <= known


def test_progress_reaches_the_end_of_the_file_and_never_goes_back(session_factory, tmp_path) -> None:
    rows = "".join(f"P-{i},Nombre{i},Apellido Dos,HN,,,,,,,\n" for i in range(2 * BATCH_SIZE + 1))
    path = write(tmp_path, HEADER + "\n" + rows)
    seen: list[tuple[str, int, int]] = []
    report = import_roster(session_factory, path, incident_name=INCIDENT,
                           progress=lambda phase, done, total: seen.append((phase, done, total)))
    assert report.ok and report.created == 2 * BATCH_SIZE + 1
    size = path.stat().st_size
    assert {phase for phase, _, _ in seen} == {"importing"} and {total for *_, total in seen} == {size}
    done = [d for _, d, _ in seen]
    assert len(done) >= 3 and done == sorted(done) and done[-1] == size


def test_a_new_persons_death_is_proposed_as_for_a_recorded_person(session_factory, tmp_path) -> None:
    """New persons' deaths are proposed in bulk; a recorded person's through propose_status: the
    proposals and their audit events must not differ but for whom they are about."""
    died = ",fallecido,,Fiscalía (ficticia) acta 7,2023-03-30T10:00:00-06:00,"
    import_roster(session_factory, write(tmp_path, LIST.replace("R-3,Jesús,Velázquez Yáñez,Guatemala,,30,,"
                                                                "Albergue (ficticio),INM (ficticio),,sí",
                                                                "R-3,Jesús,Velázquez Yáñez,Guatemala,,30" + died + "sí")),
                  incident_name=INCIDENT, actor="import", principal="user:7")
    import_roster(session_factory, write(tmp_path, LIST.replace("R-2,Antonio,Moreno Sánchez,SV,21/02/1987,,,,,,0",
                                                                "R-2,Antonio,Moreno Sánchez,SV,21/02/1987,"
                                                                + died + "0"), "v2.csv"),
                  incident_name=INCIDENT, actor="import", principal="user:7")
    with session_factory() as s:
        ids = {e: i for e, i in s.execute(select(Person.external_id, Person.id))}
        pending = {p.person_id: p for p in s.scalars(select(PendingStatusReport))}
        audit = {e.subject_id: e for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "status_proposed"))}
        bulk, orm = pending[ids["R-3"]], pending[ids["R-2"]]
        fields = ("status", "location", "source", "verified_by", "verified_at", "expected_version",
                  "proposed_by_user_id", "proposed_by", "proposer", "decision")
        assert [getattr(bulk, f) for f in fields] == [getattr(orm, f) for f in fields]
        assert bulk.proposer == "user:7" and bulk.expected_version == 0
        bulk_event, orm_event = audit[str(ids["R-3"])], audit[str(ids["R-2"])]
        assert (bulk_event.actor, bulk_event.subject_type) == (orm_event.actor, orm_event.subject_type) == (
            "import", "person")
        assert {**bulk_event.details, "pending_id": 0} == {**orm_event.details, "pending_id": 0}
        assert (bulk_event.details["pending_id"], orm_event.details["pending_id"]) == (bulk.id, orm.id)


def test_cells_with_backslashes_tabs_and_line_breaks_are_stored_as_written(session_factory, tmp_path) -> None:
    """New persons go to PostgreSQL as COPY text built ahead of their ids: what COPY would read as
    an escape or a separator must arrive as written."""
    text = (HEADER + "\n"
            'E-1,Luis,"Pérez\\Gómez",GT,,,hospitalizado,"Hospital A\tpabellón 2\nCama 7 (ficticio)",'
            '"Lista \\N (ficticia)",,\n')
    report = import_roster(session_factory, write(tmp_path, text), incident_name=INCIDENT)
    assert report.ok and report.created == 1, report.errors
    with session_factory() as s:
        luis = s.scalars(select(Person).where(Person.external_id == "E-1")).one()
        [first] = s.scalars(select(StatusReport).where(StatusReport.person_id == luis.id)).all()
        assert (luis.surnames, luis.aliases, luis.restricted, luis.approx_age) == ("Pérez\\Gómez", [], False, None)
        assert (first.location, first.source) == ("Hospital A\tpabellón 2\nCama 7 (ficticio)", "Lista \\N (ficticia)")
    again = import_roster(session_factory, write(tmp_path, text, "otra.csv"), incident_name=INCIDENT)
    assert (again.unchanged, again.updated) == (1, 0)
