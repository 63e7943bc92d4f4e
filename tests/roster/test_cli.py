"""``hotline roster import`` end to end, as a subprocess, on both databases. Names are FICTIONAL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import ImportRun, Incident, Person, StatusReport
from tests.support import hotline_env, run_hotline

GOOD = (
    "id;nombres;apellidos;nacionalidad;fecha_nacimiento;estado;ubicacion;fuente\n"
    "C-1;José Luis;Hernández García;GT;03/05/1996;hospitalizado;Hospital A (ficticio);Lista A (ficticia)\n"
    "C-2;Antonio;Moreno Sánchez;El Salvador;1987-02-21;;;\n"
)
BAD = (
    "id,nombres,apellidos,fecha_nacimiento,edad,estado,fuente\n"
    "C-1,José,Pérez,31/02/1990,,,\n"
    "C-2,Juan,López,,abc,,\n"
    "C-3,Luis,Gómez,,,herido,x\n"
    "C-1,Pedro,Paz,,,,\n"
)


def counts(factory: sessionmaker[Session]) -> tuple[int, int, int, int]:
    with factory() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Incident, Person, StatusReport, ImportRun)
        )


def test_cli_imports_reimports_and_reports(db_url: str, session_factory, tmp_path: Path) -> None:
    path = tmp_path / "lista.csv"
    path.write_text(GOOD, encoding="utf-8-sig")
    env = hotline_env(db_url)

    dry = run_hotline(["roster", "import", str(path), "--incident", "Prueba (ficticio)", "--dry-run"], env)
    assert dry.returncode == 0, dry.stderr
    assert "dry run: every line is valid; nothing was written. 2 rows: 2 would be created" in dry.stdout
    assert counts(session_factory) == (0, 0, 0, 0)

    first = run_hotline(["roster", "import", str(path), "--incident", "Prueba (ficticio)"], env)
    assert first.returncode == 0, first.stderr
    assert "file: lista.csv (UTF-8 with BOM, semicolon-separated)" in first.stdout
    assert "incident: Prueba (ficticio) (new)" in first.stdout
    assert "imported 2 rows: 2 created, 0 updated, 0 unchanged; 1 status reports added" in first.stdout
    assert counts(session_factory) == (1, 2, 1, 1)

    again = run_hotline(["roster", "import", str(path), "--incident", "Prueba (ficticio)"], env)
    assert again.returncode == 0
    assert "imported 2 rows: 0 created, 0 updated, 2 unchanged; 0 status reports added" in again.stdout
    assert counts(session_factory) == (1, 2, 1, 2)


def test_cli_reports_every_bad_line_and_exits_1(db_url: str, session_factory, tmp_path: Path) -> None:
    path = tmp_path / "mala.csv"
    path.write_text(BAD, encoding="utf-8")
    env = hotline_env(db_url)
    for extra in ([], ["--dry-run"]):
        result = run_hotline(["roster", "import", str(path), *extra], env)
        assert result.returncode == 1
        assert result.stdout.splitlines()[-5:] == [
            "4 error(s); nothing was imported:",
            "line 2, column fecha_nacimiento: impossible date '31/02/1990'",
            "line 3, column edad: age 'abc' is not a whole number of years",
            "line 4, column estado: unknown status 'herido' (use unconfirmed, safe, hospitalized, "
            "transferred, released, returned, deceased, or their Spanish words)",
            "line 5, column id: duplicate external_id 'C-1' (first on line 2)",
        ]
        assert counts(session_factory) == (0, 0, 0, 0)


def test_cli_latin1_warning_and_missing_file(db_url: str, session_factory, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("nombres;apellidos;nacionalidad\nÁngel;Núñez Yáñez;México\n".encode("latin-1"))
    env = hotline_env(db_url)
    result = run_hotline(["roster", "import", str(path)], env)
    assert result.returncode == 0, result.stderr
    assert "warning: the file is not valid UTF-8; it was read as Windows-1252 (Latin-1)" in result.stdout
    assert "incident: Incidente sin nombre (new)" in result.stdout
    with session_factory() as s:
        assert s.scalars(select(Person.surnames)).one() == "Núñez Yáñez"

    missing = run_hotline(["roster", "import", str(tmp_path / "nope.csv")], env)
    assert missing.returncode == 1
    assert "error: cannot read" in missing.stderr
