"""The import service against both databases. All names are FICTIONAL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import status_review
from bot.matching.keys import name_index_keys, name_keys, person_keys
from bot.roster.importer import BATCH_SIZE, DEFAULT_INCIDENT_NAME, RosterImportError, import_roster
from bot.roster.problems import ProblemCode
from bot.status_refusals import OperatorError
from db.models import (
    AuditEvent,
    Case,
    Conversation,
    ImportRun,
    Incident,
    OutboundMessage,
    Person,
    PersonNameKey,
    StatusReport,
    Subscription,
)

INCIDENT = "Incendio de prueba (ficticio)"
HEADER = ("id,nombres,apellidos,nacionalidad,fecha_nacimiento,edad,estado,ubicacion,fuente,verificado_en,"
          "restringido")
GOOD = (
    HEADER + "\n"
    "T-1,José Luis,Hernández García,GT,1996-05-03,,hospitalizado,Hospital A (ficticio),Lista A (ficticia),"
    "2023-03-28T14:00:00-06:00,\n"
    "T-2,Antonio,Moreno Sánchez,SV,21/02/1987,,,,,,\n"
    "T-3,Jesús,Velázquez Yáñez,Guatemala,,30,a salvo,,Fiscalía (ficticia),,\n"
    "T-4,Mario,Cifuentes Barrios,GT,1995-03-07,,a salvo,Albergue (ficticio),INM (ficticio),,sí\n"
)


def counts(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Incident, Person, StatusReport, AuditEvent, ImportRun)
        }


def write(tmp_path: Path, text: str, name: str = "lista.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def person(factory: sessionmaker[Session], external_id: str) -> Person:
    with factory() as s:
        return s.scalars(select(Person).where(Person.external_id == external_id)).one()


def reports(factory: sessionmaker[Session], external_id: str) -> list[StatusReport]:
    with factory() as s:
        return list(s.scalars(select(StatusReport).join(Person).where(Person.external_id == external_id)
                              .order_by(StatusReport.version)))


def test_first_import_creates_persons_reports_run_and_audit(session_factory, tmp_path) -> None:
    report = import_roster(session_factory, write(tmp_path, GOOD), incident_name=INCIDENT)
    assert report.ok and (report.rows, report.created, report.updated, report.unchanged) == (4, 4, 0, 0)
    assert report.status_reports == 3 and report.incident_created
    assert counts(session_factory) == {"incidents": 1, "persons": 4, "status_reports": 3,
                                       "audit_events": 1, "import_runs": 1}
    jose = person(session_factory, "T-1")
    assert (jose.current_status, jose.status_version, jose.nationality) == ("hospitalized", 1, "GT")
    assert jose.name_key == person_keys("José Luis", "Hernández García")["name_key"]
    assert jose.phonetic_key == person_keys("José Luis", "Hernández García")["phonetic_key"]
    [first] = reports(session_factory, "T-1")
    assert (first.status, first.location, first.source, first.created_by) == (
        "hospitalized", "Hospital A (ficticio)", "Lista A (ficticia)", "import")
    assert first.verified_at is not None and first.verified_at.isoformat() == "2023-03-28T20:00:00+00:00"
    antonio = person(session_factory, "T-2")
    assert (antonio.current_status, antonio.status_version) == ("unconfirmed", 0)
    assert reports(session_factory, "T-2") == []
    assert person(session_factory, "T-3").approx_age == 30
    assert person(session_factory, "T-4").restricted is True
    with session_factory() as s:
        run = s.scalars(select(ImportRun)).one()
        assert (run.filename, run.rows, run.created, run.actor) == ("lista.csv", 4, 4, "import")
        audit = s.scalars(select(AuditEvent)).one()
        assert (audit.action, audit.subject_id) == ("roster_import", str(run.id))
        assert audit.details["created"] == 4 and "José" not in str(audit.details)


def test_reimporting_the_same_list_changes_nothing(session_factory, tmp_path) -> None:
    path = write(tmp_path, GOOD)
    import_roster(session_factory, path, incident_name=INCIDENT)
    before = counts(session_factory)
    again = import_roster(session_factory, path, incident_name=INCIDENT)
    assert (again.created, again.updated, again.unchanged, again.status_reports) == (0, 0, 4, 0)
    after = counts(session_factory)
    assert after["persons"] == before["persons"] and after["status_reports"] == before["status_reports"]
    assert after["import_runs"] == before["import_runs"] + 1  # the run itself is recorded


def test_a_changed_status_appends_exactly_one_report_with_its_source(session_factory, tmp_path) -> None:
    import_roster(session_factory, write(tmp_path, GOOD), incident_name=INCIDENT)
    changed = GOOD.replace("T-2,Antonio,Moreno Sánchez,SV,21/02/1987,,,,,,",
                           "T-2,Antonio,Moreno Sánchez,SV,21/02/1987,,hospitalizado,Hospital B (ficticio),"
                           "Parte médico B (ficticio),,")
    report = import_roster(session_factory, write(tmp_path, changed, "v2.csv"), incident_name=INCIDENT)
    assert (report.created, report.updated, report.unchanged, report.status_reports) == (0, 1, 3, 1)
    [only] = reports(session_factory, "T-2")
    assert (only.version, only.status, only.location, only.source, only.created_by) == (
        1, "hospitalized", "Hospital B (ficticio)", "Parte médico B (ficticio)", "import")
    assert person(session_factory, "T-2").current_status == "hospitalized"
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "status_change")) == 1


def test_a_changed_location_appends_a_report_and_keeps_history(session_factory, tmp_path) -> None:
    import_roster(session_factory, write(tmp_path, GOOD), incident_name=INCIDENT)
    moved = GOOD.replace("hospitalizado,Hospital A (ficticio),Lista A (ficticia),2023-03-28T14:00:00-06:00",
                         "trasladado,Hospital C (ficticio),Traslados (ficticio),2023-03-29T09:00:00-06:00")
    import_roster(session_factory, write(tmp_path, moved, "v2.csv"), incident_name=INCIDENT)
    history = reports(session_factory, "T-1")
    assert [(r.version, r.status, r.location) for r in history] == [
        (1, "hospitalized", "Hospital A (ficticio)"), (2, "transferred", "Hospital C (ficticio)")]
    assert person(session_factory, "T-1").status_version == 2


def test_an_older_list_never_rolls_a_status_back(session_factory, tmp_path) -> None:
    newer = GOOD.replace("hospitalizado,Hospital A (ficticio),Lista A (ficticia),2023-03-28T14:00:00-06:00",
                         "trasladado,Hospital C (ficticio),Fiscalía (ficticia),2023-03-30T10:00:00-06:00")
    import_roster(session_factory, write(tmp_path, newer), incident_name=INCIDENT)
    report = import_roster(session_factory, write(tmp_path, GOOD, "old.csv"), incident_name=INCIDENT)
    assert report.ok and report.status_reports == 0
    assert "line 2: status left as recorded, verified later (2023-03-30 16:00 UTC) than this list's " \
           "(2023-03-28 20:00 UTC)" in [str(w) for w in report.warnings]
    kept = next(w for w in report.warnings if w.code == ProblemCode.STATUS_KEPT_NEWER)
    assert (kept.params["line"], kept.params["recorded"].hour, kept.params["listed"].hour) == (2, 16, 20)
    assert person(session_factory, "T-1").current_status == "transferred"


def test_changed_names_update_the_person_and_its_keys(session_factory, tmp_path) -> None:
    import_roster(session_factory, write(tmp_path, GOOD), incident_name=INCIDENT)
    renamed = GOOD.replace("T-2,Antonio,Moreno Sánchez,SV,21/02/1987",
                           "T-2,Antonio José,Moreno Sánchez,HN,22/02/1987")
    report = import_roster(session_factory, write(tmp_path, renamed, "v2.csv"), incident_name=INCIDENT)
    assert (report.updated, report.status_reports) == (1, 0)
    antonio = person(session_factory, "T-2")
    assert (antonio.given_names, antonio.nationality, antonio.birth_date.isoformat()) == (
        "Antonio José", "HN", "1987-02-22")
    assert antonio.name_key == person_keys("Antonio José", "Moreno Sánchez")["name_key"]
    assert antonio.given_key == "antonio jose"


def test_empty_cells_never_erase_recorded_values(session_factory, tmp_path) -> None:
    import_roster(session_factory, write(tmp_path, GOOD), incident_name=INCIDENT)
    bare = "id,nombres,apellidos\nT-1,José Luis,Hernández García\nT-4,Mario,Cifuentes Barrios\n"
    report = import_roster(session_factory, write(tmp_path, bare, "bare.csv"), incident_name=INCIDENT)
    assert (report.updated, report.unchanged) == (0, 2)
    assert person(session_factory, "T-1").current_status == "hospitalized"
    assert person(session_factory, "T-4").restricted is True


def test_rows_without_external_id_are_matched_by_name_and_birth_date(session_factory, tmp_path) -> None:
    data = ("nombres,apellidos,fecha_nacimiento,estado,fuente\n"
            "Juan Carlos,Pérez Ramírez,1990-05-03,,\nJuan Carlos,Pérez Ramírez,1998-11-14,,\n")
    import_roster(session_factory, write(tmp_path, data), incident_name=INCIDENT)
    # Accents and case differ: the same persons (folded name + birth date); the spelling is updated.
    update = ("nombres,apellidos,fecha_nacimiento,estado,fuente\n"
              "JUAN CARLOS,PEREZ RAMIREZ,03/05/1990,a salvo,INM (ficticio)\n"
              "Juan Carlos,Pérez Ramírez,1998-11-14,,\nJuan Carlos,Pérez Ramírez,2000-01-01,,\n")
    report = import_roster(session_factory, write(tmp_path, update, "v2.csv"), incident_name=INCIDENT)
    assert (report.created, report.updated, report.unchanged, report.status_reports) == (1, 1, 1, 1)
    with session_factory() as s:
        persons = s.scalars(select(Person).order_by(Person.birth_date)).all()
        assert [(p.birth_date.isoformat(), p.current_status, p.given_names) for p in persons] == [
            ("1990-05-03", "safe", "JUAN CARLOS"), ("1998-11-14", "unconfirmed", "Juan Carlos"),
            ("2000-01-01", "unconfirmed", "Juan Carlos")]


def test_external_ids_are_per_incident(session_factory, tmp_path) -> None:
    path = write(tmp_path, GOOD)
    import_roster(session_factory, path, incident_name=INCIDENT)
    other = import_roster(session_factory, path, incident_name="Otro incidente (ficticio)")
    assert other.created == 4 and other.incident_created
    assert counts(session_factory)["persons"] == 8


def test_default_incident(session_factory, tmp_path) -> None:
    report = import_roster(session_factory, write(tmp_path, GOOD))
    assert report.incident_name == DEFAULT_INCIDENT_NAME == "Incidente sin nombre"
    with session_factory() as s:
        assert s.scalars(select(Incident.name)).all() == [DEFAULT_INCIDENT_NAME]


def test_dry_run_writes_nothing_but_counts(session_factory, tmp_path) -> None:
    path = write(tmp_path, GOOD)
    before = counts(session_factory)
    report = import_roster(session_factory, path, incident_name=INCIDENT, dry_run=True)
    assert report.ok and (report.created, report.status_reports, report.incident_created) == (4, 3, True)
    assert counts(session_factory) == before
    import_roster(session_factory, path, incident_name=INCIDENT)
    changed = GOOD.replace("21/02/1987,,,,,,", "21/02/1987,,a salvo,,INM (ficticio),,")
    dry = import_roster(session_factory, write(tmp_path, changed, "v2.csv"), incident_name=INCIDENT,
                        dry_run=True)
    assert (dry.created, dry.updated, dry.unchanged, dry.status_reports) == (0, 1, 3, 1)
    assert person(session_factory, "T-2").current_status == "unconfirmed"


BAD_FILES = {
    "missing required column": ("id,nombres\n1,A\n", [
        "line 1, column surnames: required column is missing (a header named surnames or apellidos)"]),
    "unknown status": (HEADER + "\n1,A,B,,,,herido,,x,,\n", [
        "line 2, column estado: unknown status 'herido' (use unconfirmed, safe, hospitalized, transferred, "
        "released, returned, deceased, or their Spanish words)"]),
    "impossible date": (HEADER + "\n1,A,B,,31/02/1990,,,,,,\n", [
        "line 2, column fecha_nacimiento: impossible date '31/02/1990'"]),
    "duplicate external_id": (HEADER + "\n1,A,B,,,,,,,,\n1,C,D,,,,,,,,\n", [
        "line 3, column id: duplicate external_id '1' (first on line 2)"]),
    "empty file": ("", ["line 1: the file is empty (no header row)"]),
    "header only": (HEADER + "\n", ["line 2: the file has a header row but no data rows"]),
    "huge field": (HEADER + "\n1,A,B,,,,,," + "f" * 5000 + ",,\n", [
        "line 2, column fuente: too long (5000 characters; at most 300)"]),
    "unknown nationality": (HEADER + "\n1,A,B,Narnia,,,,,,,\n", [
        "line 2, column nacionalidad: unknown nationality 'Narnia' (use an ISO code such as GT or the "
        "country's name in Spanish)"]),
    "bad age": (HEADER + "\n1,A,B,,,x,,,,,\n2,C,D,,,-4,,,,,\n3,E,F,,,200,,,,,\n", [
        "line 2, column edad: age 'x' is not a whole number of years",
        "line 3, column edad: age -4 is out of range (0 to 120)",
        "line 4, column edad: age 200 is out of range (0 to 120)"]),
    "bad restricted": (HEADER + "\n1,A,B,,,,,,,,quizá\n", [
        "line 2, column restringido: 'quizá' is not a yes/no value (use 1/0, sí/no or true/false)"]),
    "birth date in the future": (HEADER + "\n1,A,B,,01/01/2999,,,,,,\n", [
        "line 2, column fecha_nacimiento: birth date 2999-01-01 is in the future"]),
    "verified_at not ISO": (HEADER + "\n1,A,B,,,,,,,ayer,\n", [
        "line 2, column verificado_en: 'ayer' is not an ISO 8601 date and time "
        "(for example 2023-03-28T14:00:00-06:00)"]),
    "status without source": (HEADER + "\n1,A,B,,,,fallecido,,,,\n", [
        "line 2, column fuente: status 'deceased' needs a source: an unsourced status is unverified "
        "and would never be told to a relative"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_reports_every_bad_line_and_changes_nothing(session_factory, tmp_path, case) -> None:
    import_roster(session_factory, write(tmp_path, GOOD, "first.csv"), incident_name=INCIDENT)
    before = counts(session_factory)
    text, expected = BAD_FILES[case]
    # Good lines around the bad ones must not be written either.
    report = import_roster(session_factory, write(tmp_path, text), incident_name="Nuevo (ficticio)")
    assert [str(e) for e in report.errors] == expected
    assert counts(session_factory) == before


def test_a_mostly_good_file_with_one_bad_line_writes_nothing(session_factory, tmp_path) -> None:
    good_rows = "".join(f"G-{i},Nombre{i},Apellido Uno,GT,,,,,,,\n" for i in range(5000))
    text = HEADER + "\n" + good_rows + "G-X,A,B,,,,estado raro,,x,,\n"
    before = counts(session_factory)
    report = import_roster(session_factory, write(tmp_path, text), incident_name=INCIDENT)
    assert [e.line for e in report.errors] == [5002]
    assert counts(session_factory) == before


def test_a_database_failure_midway_leaves_nothing(session_factory, tmp_path) -> None:
    """Two persons without external id already share a name and birth date: the import finds the
    ambiguity while writing (after earlier batches were written) and rolls everything back."""
    with session_factory() as s:
        incident = Incident(name=INCIDENT)
        s.add(incident)
        s.flush()
        for _ in range(2):
            s.add(Person(incident_id=incident.id, given_names="Pedro", surnames="Gómez Paz",
                         **person_keys("Pedro", "Gómez Paz")))
        s.commit()
    before = counts(session_factory)
    rows = "".join(f"N-{i},Nombre{i},Apellido Uno,GT,,,,,,,\n" for i in range(BATCH_SIZE + 500))
    text = HEADER + "\n" + rows + ",Pedro,Gómez Paz,,,,,,,,\n"
    report = import_roster(session_factory, write(tmp_path, text), incident_name=INCIDENT)
    assert [str(e) for e in report.errors] == [
        f"line {BATCH_SIZE + 502}: matches several recorded persons with the same names and birth date; "
        "give it an external_id"]
    assert counts(session_factory) == before


def test_spreadsheet_files_bom_semicolon_latin1(session_factory, tmp_path) -> None:
    semicolons = GOOD.replace(",", ";")
    bom = write(tmp_path, "\ufeff" + semicolons, "bom.csv")
    report = import_roster(session_factory, bom, incident_name=INCIDENT)
    assert report.ok and report.created == 4 and report.format == "UTF-8 with BOM, semicolon-separated"
    assert person(session_factory, "T-1").given_names == "José Luis"

    latin = "id;nombres;apellidos;nacionalidad\nL-1;Ángel;Núñez Yáñez;México\n"
    latin_path = write(tmp_path, latin, "latin.csv", "latin-1")
    report = import_roster(session_factory, latin_path, incident_name=INCIDENT)
    assert report.ok
    assert [str(w) for w in report.warnings] == ["the file is not valid UTF-8; it was read as Windows-1252 (Latin-1)"]
    assert (person(session_factory, "L-1").surnames, person(session_factory, "L-1").nationality) == (
        "Núñez Yáñez", "MX")


def test_bytes_source_and_caller_owned_session(session_factory) -> None:
    with session_factory() as s:
        report = import_roster(s, GOOD.encode(), incident_name=INCIDENT, filename="subida.csv")
        assert report.ok and report.created == 4
        s.commit()
    assert counts(session_factory)["persons"] == 4
    with session_factory() as s:
        assert s.scalars(select(ImportRun.filename)).one() == "subida.csv"


def test_unreadable_path_and_bad_incident_name(session_factory, tmp_path) -> None:
    with pytest.raises(RosterImportError, match="cannot read"):
        import_roster(session_factory, tmp_path / "missing.csv")
    with pytest.raises(RosterImportError, match="incident name"):
        import_roster(session_factory, GOOD.encode(), incident_name="x" * 201)


def test_imported_and_renamed_persons_are_in_the_name_index(session_factory, tmp_path) -> None:
    def index_keys(external_id: str) -> set[str]:
        with session_factory() as s:
            pid = s.scalars(select(Person.id).where(Person.external_id == external_id)).one()
            return set(s.scalars(select(PersonNameKey.index_key).where(PersonNameKey.person_id == pid)))

    import_roster(session_factory, write(tmp_path, GOOD), incident_name=INCIDENT)
    assert index_keys("T-1") == name_index_keys("José Luis", "Hernández García") != set()
    renamed = GOOD.replace("T-2,Antonio,Moreno Sánchez", "T-2,Antonio,Morales Sánchez")
    import_roster(session_factory, write(tmp_path, renamed, "v2.csv"), incident_name=INCIDENT)
    assert index_keys("T-2") == name_index_keys("Antonio", "Morales Sánchez")
    assert person(session_factory, "T-2").surname_key == "morales sanchez"


def test_every_new_person_gets_exactly_its_own_index_keys(session_factory, tmp_path) -> None:
    """The index rows of a batch are written grouped by key (db.repositories.name_index): persons
    who share keys, names of different sizes, each still gets exactly its keys, once."""
    names = [("José Luis", "Hernández García"), ("José", "Hernández López"), ("Luis", "García Hernández"),
             ("María de la Luz", "de la Cruz Hernández"), ("Ana", "García"), ("José Luis", "Hernández García")]
    lines = [f"K-{i},{given},{surnames},GT,,{20 + i},,,,," for i, (given, surnames) in enumerate(names * 3)]
    report = import_roster(session_factory, write(tmp_path, HEADER + "\n" + "\n".join(lines) + "\n"),
                           incident_name=INCIDENT)
    assert report.ok and report.created == len(lines)
    with session_factory() as s:
        ids = {external_id: person_id for external_id, person_id in s.execute(select(Person.external_id, Person.id))}
        rows = s.execute(select(PersonNameKey.person_id, PersonNameKey.index_key, PersonNameKey.name_size)).all()
    by_person: dict[int, set[tuple[str, int]]] = {}
    for person_id, key, size in rows:
        by_person.setdefault(person_id, set()).add((key, size))
    for i, (given, surnames) in enumerate(names * 3):
        keys = name_keys(given, surnames)
        assert by_person[ids[f"K-{i}"]] == {(key, keys.size) for key in keys.index_keys}, i
    assert len(rows) == sum(len(keys) for keys in by_person.values())
    assert set(by_person) == set(ids.values())


def test_an_imported_death_reaches_followers_only_once_a_second_person_confirms_it(
        session_factory, tmp_path, settings) -> None:
    """An imported death is a proposal (four eyes), never a status; confirmed by another person, it
    takes the operator's path (bot.status_review.record_status): an urgent case for a person to call the
    follower, and no text from the bot."""
    import_roster(session_factory, write(tmp_path, GOOD), incident_name=INCIDENT)
    antonio_id = person(session_factory, "T-2").id
    with session_factory() as s:
        # The relative gave the birth date, so the policy knows they know the person.
        conversation = Conversation(channel="local", address="familia-ficticia-1",
                                    state={"details": {"birth_date": "1987-02-21"}})
        s.add(conversation)
        s.flush()
        s.add(Subscription(conversation_id=conversation.id, person_id=antonio_id))
        s.commit()
    dead = GOOD.replace("21/02/1987,,,,,,", "21/02/1987,,fallecido,,Fiscalía (ficticia) 30/03,,")
    report = import_roster(session_factory, write(tmp_path, dead, "v2.csv"), incident_name=INCIDENT)
    assert (report.status_reports, report.proposals) == (0, 1)
    assert any(str(w).startswith("line 3: deceased is not recorded by an import: it is a proposal")
               for w in report.warnings)
    assert person(session_factory, "T-2").current_status == "unconfirmed"
    with session_factory.begin() as s:
        assert s.scalars(select(Case)).all() == []
        [pending] = status_review.list_pending(s, antonio_id)
        assert (pending.status, pending.proposer) == ("deceased", "import")
        with pytest.raises(OperatorError):  # whoever ran the import cannot be the second person
            status_review.confirm_pending(s, pending.id, settings, actor="import")
    with session_factory.begin() as s:
        status_review.confirm_pending(s, pending.id, settings, actor="token:99", principal="user:99")
    assert person(session_factory, "T-2").current_status == "deceased"
    with session_factory() as s:
        cases = s.scalars(select(Case)).all()
        assert [(c.reason, c.priority) for c in cases] == [("death_notification", "urgent")]
        assert s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "notification")).all() == []
