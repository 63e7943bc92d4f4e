"""Reading and validating roster CSVs (pure: no database). All names are FICTIONAL."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest

from bot.roster.parse import RosterRow, read_rows, validate
from bot.roster.vocab import country_code, status_code

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
HEADER = ("external_id,given_names,surnames,nationality,birth_date,age,status,location,source,verified_at,"
          "restricted")


def check(data: bytes | str):
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return validate(lambda: io.BytesIO(raw), today=NOW.date(), now=NOW)


def rows(data: bytes | str) -> list[RosterRow]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    result = check(raw)
    assert result.errors == [], [str(e) for e in result.errors]
    assert result.format is not None
    return list(read_rows(lambda: io.BytesIO(raw), result.format, today=NOW.date(), now=NOW))


def errors(data: bytes | str) -> list[str]:
    return [str(e) for e in check(data).errors]


def test_english_header_and_every_column() -> None:
    [row] = rows(HEADER + "\nA-1,José  Luis,Hernández García,GT,1996-05-03,27,hospitalized,"
                 "Hospital X (ficticio),Lista X (ficticia),2023-03-28T14:00:00-06:00,0\n")
    assert row.line == 2
    assert (row.external_id, row.given_names, row.surnames) == ("A-1", "José Luis", "Hernández García")
    assert (row.nationality, row.birth_date, row.age) == ("GT", date(1996, 5, 3), 27)
    assert (row.status, row.location) == ("hospitalized", "Hospital X (ficticio)")
    assert row.source == "Lista X (ficticia)"
    assert row.verified_at == datetime(2023, 3, 28, 20, 0, tzinfo=UTC)
    assert row.restricted is False
    assert row.keys["name_key"] == "jose luis hernandez garcia"


def test_spanish_header_aliases_with_accents_and_case() -> None:
    [row] = rows("ID,Nombres,Apellidos,Nacionalidad,Fecha_Nacimiento,Edad,Estado,Ubicación,Fuente,"
                 "Verificado En,Restringido\nB-2,Jesús,Velázquez Yáñez,Guatemala,25/12/1994,,A Salvo,"
                 "Albergue (ficticio),INM (ficticio),2023-03-28,sí\n")
    assert (row.external_id, row.nationality, row.birth_date) == ("B-2", "GT", date(1994, 12, 25))
    assert (row.status, row.restricted) == ("safe", True)
    assert row.verified_at == datetime(2023, 3, 28, tzinfo=UTC)


def test_only_names_are_required_and_empty_cells_say_nothing() -> None:
    [row] = rows("nombres,apellidos\nAntonio,Moreno Sánchez\n")
    assert row.external_id is None and row.status is None and row.restricted is None
    assert row.effective_status == "unconfirmed" and not row.states_status


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("unconfirmed", "unconfirmed"), ("Sin confirmar", "unconfirmed"), ("SIN_CONFIRMAR", "unconfirmed"),
        ("safe", "safe"), ("a salvo", "safe"), ("ASALVO", "safe"), ("Ileso", "safe"),
        ("hospitalized", "hospitalized"), ("hospitalizado", "hospitalized"),
        ("Hospitalizada", "hospitalized"),
        ("transferred", "transferred"), ("trasladado", "transferred"),
        ("released", "released"), ("liberado", "released"),
        ("returned", "returned"), ("retornado", "returned"), ("Deportado", "returned"),
        ("deceased", "deceased"), ("fallecido", "deceased"), ("FALLECIDA", "deceased"),
        ("ilesa", "safe"), ("Trasladada", "transferred"), ("liberada", "released"), ("retornada", "returned"),
        ("deportada", "returned"),
    ],
)
def test_status_words(word: str, code: str) -> None:
    assert status_code(word) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [("GT", "GT"), ("hn", "HN"), ("Guatemala", "GT"), ("el salvador", "SV"), ("MÉXICO", "MX"),
     ("Mexico", "MX"), ("Perú", "PE"), ("Estados Unidos", "US"), ("Venezuela", "VE")],
)
def test_nationality_codes_and_spanish_names(text: str, code: str) -> None:
    assert country_code(text) == code


@pytest.mark.parametrize("word", ["1", "sí", "SI", "true", "Sí"])
def test_restricted_yes_words(word: str) -> None:
    [row] = rows(f"nombres,apellidos,restringido\nA,B C,{word}\n")
    assert row.restricted is True


@pytest.mark.parametrize("word", ["0", "no", "NO", "false"])
def test_restricted_no_words(word: str) -> None:
    [row] = rows(f"nombres,apellidos,restringido\nA,B C,{word}\n")
    assert row.restricted is False


def test_dates_both_forms_and_spreadsheet_midnight() -> None:
    got = rows("nombres,apellidos,fecha_nacimiento\nA,B,03/05/1996\nC,D,1996-05-03\nE,F,3/5/1996\n"
               "G,H,1996-05-03 00:00:00\n")
    assert [r.birth_date for r in got] == [date(1996, 5, 3)] * 4


def test_utf8_bom_semicolon() -> None:
    data = "\ufeffid;nombres;apellidos;estado;fuente\nX-1;José;Pérez López;fallecido;Fiscalía (ficticia)\n"
    result = check(data.encode("utf-8"))
    assert result.format is not None and result.format.delimiter == ";" and result.format.bom
    assert result.warnings == []
    [row] = rows(data.encode("utf-8"))
    assert (row.external_id, row.given_names, row.status) == ("X-1", "José", "deceased")


def test_tab_separated() -> None:
    [row] = rows("id\tnombres\tapellidos\nT-1\tÓscar\tYáñez Cruz\n")
    assert (row.external_id, row.given_names, row.surnames) == ("T-1", "Óscar", "Yáñez Cruz")


def test_latin1_file_is_read_and_reported() -> None:
    data = "id;nombres;apellidos;nacionalidad\nL-1;José Ángel;Núñez Yáñez;México\n".encode("latin-1")
    result = check(data)
    assert [str(w) for w in result.warnings] == ["the file is not valid UTF-8; it was read as Windows-1252 (Latin-1)"]
    [row] = rows(data)
    assert (row.given_names, row.surnames, row.nationality) == ("José Ángel", "Núñez Yáñez", "MX")


def test_quoted_fields_with_separators_and_newlines_keep_line_numbers() -> None:
    data = 'nombres,apellidos,ubicacion\nA,B,"Hospital, piso 2\nala norte"\nC,D,\nE,,\n'
    assert errors(data) == ["line 5, column apellidos: required, cannot be empty"]


def test_blank_lines_are_skipped() -> None:
    assert len(rows("nombres;apellidos\nA;B\n;\n\n;;\n")) == 1


# --- every bad input, with its exact message -------------------------------------------------------


def test_missing_required_column() -> None:
    assert errors("id,nombres,estado\n1,A,\n") == [
        "line 1, column surnames: required column is missing (a header named surnames or apellidos)"
    ]


def test_empty_file_and_header_only() -> None:
    assert errors("") == ["line 1: the file is empty (no header row)"]
    assert errors("\n\n") == ["line 1: the file is empty (no header row)"]
    assert errors("nombres,apellidos\n") == ["line 2: the file has a header row but no data rows"]


def test_unknown_status() -> None:
    assert errors("nombres,apellidos,estado\nA,B,herido\n") == [
        "line 2, column estado: unknown status 'herido' (use unconfirmed, safe, hospitalized, "
        "transferred, released, returned, deceased, or their Spanish words)"
    ]


def test_status_without_source_is_an_error() -> None:
    assert errors("nombres,apellidos,estado,fuente\nA,B,hospitalizado,\nC,D,sin confirmar,\n") == [
        "line 2, column fuente: status 'hospitalized' needs a source: an unsourced status is unverified "
        "and would never be told to a relative"
    ]
    # Without a source column at all, the message names the canonical column.
    assert errors("nombres,apellidos,estado\nA,B,fallecido\n") == [
        "line 2, column source: status 'deceased' needs a source: an unsourced status is unverified "
        "and would never be told to a relative"
    ]


def test_impossible_and_malformed_and_future_dates() -> None:
    assert errors("nombres,apellidos,fecha_nacimiento\nA,B,31/02/1990\nC,D,1990.02.03\nE,F,2090-01-01\n"
                  "G,H,1850-01-01\n") == [
        "line 2, column fecha_nacimiento: impossible date '31/02/1990'",
        "line 3, column fecha_nacimiento: '1990.02.03' is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
        "line 4, column fecha_nacimiento: birth date 2090-01-01 is in the future",
        "line 5, column fecha_nacimiento: birth date 1850-01-01 is more than 120 years ago",
    ]


def test_duplicate_external_id_in_one_file() -> None:
    assert errors("id,nombres,apellidos\nX,A,B\nY,C,D\nX,E,F\n") == [
        "line 4, column id: duplicate external_id 'X' (first on line 2)"
    ]


def test_duplicate_external_id_is_reported_even_on_a_line_with_other_faults() -> None:
    assert errors("id,nombres,apellidos,edad\nX,A,B,\nX,C,D,abc\n") == [
        "line 3, column edad: age 'abc' is not a whole number of years",
        "line 3, column id: duplicate external_id 'X' (first on line 2)",
    ]


def test_same_name_and_birth_date_without_ids() -> None:
    assert errors("nombres,apellidos,fecha_nacimiento\nJuan,Pérez,1990-01-01\nJUAN,Perez,01/01/1990\n") == [
        "line 3: same names and birth date as line 2 and no external_id to tell them apart"
    ]


def test_huge_fields_are_capped_at_the_column_sizes() -> None:
    long_source = "x" * 301
    long_name = "y" * 201
    data = f"id,nombres,apellidos,estado,fuente\n{'i' * 101},{long_name},B,a salvo,{long_source}\n"
    assert errors(data) == [
        "line 2, column id: too long (101 characters; at most 100)",
        "line 2, column nombres: too long (201 characters; at most 200)",
        "line 2, column fuente: too long (301 characters; at most 300)",
    ]


def test_a_field_beyond_the_csv_module_limit_is_still_a_line_error() -> None:
    assert errors(f"nombres,apellidos,ubicacion\nA,B,{'z' * 200_000}\n") == [
        "line 2, column ubicacion: too long (200000 characters; at most 300)"
    ]


def test_unknown_nationality() -> None:
    assert errors("nombres,apellidos,nacionalidad\nA,B,Atlantis\nC,D,ZZ\n") == [
        "line 2, column nacionalidad: unknown nationality 'Atlantis' (use an ISO code such as GT or the "
        "country's name in Spanish)",
        "line 3, column nacionalidad: unknown nationality 'ZZ' (use an ISO code such as GT or the "
        "country's name in Spanish)",
    ]


def test_bad_ages() -> None:
    assert errors("nombres,apellidos,edad\nA,B,treinta\nC,D,-1\nE,F,121\nG,H,27.0\n") == [
        "line 2, column edad: age 'treinta' is not a whole number of years",
        "line 3, column edad: age -1 is out of range (0 to 120)",
        "line 4, column edad: age 121 is out of range (0 to 120)",
    ]


def test_bad_restricted_value() -> None:
    assert errors("nombres,apellidos,restringido\nA,B,tal vez\n") == [
        "line 2, column restringido: 'tal vez' is not a yes/no value (use 1/0, sí/no or true/false)"
    ]


def test_verified_at_must_be_iso_8601() -> None:
    assert errors("nombres,apellidos,verificado_en\nA,B,28/03/2023 14:00\nC,D,2023-03-28T14:00Z\n") == [
        "line 2, column verificado_en: '28/03/2023 14:00' is not an ISO 8601 date and time "
        "(for example 2023-03-28T14:00:00-06:00)"
    ]


def test_extra_fields_and_unknown_columns() -> None:
    result = check("nombres,apellidos,color\nA,B,azul,extra\n")
    assert [str(e) for e in result.errors] == ["line 2: 4 fields but the header has 3 columns"]
    assert [str(w) for w in result.warnings] == ["column 'color' is not a roster column and was ignored"]


def test_same_column_twice() -> None:
    assert errors("nombres,apellidos,given_names\nA,B,C\n") == [
        "line 1, column given_names: the column given_names appears twice (also as 'nombres')"
    ]


def test_unterminated_quote_stops_with_a_line_error() -> None:
    assert errors('nombres,apellidos\nA,B\n"C,D\n') == [
        "line 3: unreadable CSV (unexpected end of data); nothing after it was read"
    ]


def test_every_bad_line_is_reported_not_just_the_first() -> None:
    data = HEADER + "\n" + "\n".join(f"{i},A,B,,,abc,,,,," for i in range(500)) + "\n"
    assert len(check(data).errors) == 500
