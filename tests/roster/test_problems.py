"""A roster file's problems are codes with their values (bot/roster/problems.py): every code has
English words, and the reader hands each interface the code and the values, not a sentence (the
English sentences themselves are checked word for word in test_parse.py). Pure. All data FICTIONAL."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from bot.roster.parse import validate
from bot.roster.problems import ENGLISH, Problem, ProblemCode, problem

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def check(data: bytes | str):
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return validate(lambda: io.BytesIO(raw), today=NOW.date(), now=NOW)


def test_every_code_has_english_words() -> None:
    assert set(ENGLISH) == set(ProblemCode)


def test_a_bad_line_carries_codes_and_values_not_sentences() -> None:
    result = check("id,nombres,apellidos,nacionalidad,edad,estado,color\n"
                   "X-1,Ana,Prueba,Narnia,300,hospitalizado,azul\n"
                   "X-1,,Otra,GT,,,\n")
    found = [(e.line, e.column, e.problem.code, dict(e.problem.params)) for e in result.errors]
    assert found == [
        (2, "nacionalidad", ProblemCode.UNKNOWN_NATIONALITY, {"value": "Narnia"}),
        (2, "edad", ProblemCode.AGE_OUT_OF_RANGE, {"age": 300, "maximum": 120}),
        (2, "source", ProblemCode.STATUS_NEEDS_SOURCE, {"status": "hospitalized"}),
        (3, "nombres", ProblemCode.REQUIRED, {}),
        (3, "id", ProblemCode.DUPLICATE_EXTERNAL_ID, {"external_id": "X-1", "first_line": 2}),
    ]
    assert [(w.code, dict(w.params)) for w in result.warnings] == [(ProblemCode.UNKNOWN_COLUMN, {"column": "color"})]


def test_a_file_problem_and_a_warning_are_codes_too() -> None:
    assert [e.problem.code for e in check("").errors] == [ProblemCode.EMPTY_FILE]
    latin = check("nombres,apellidos\nJosé,Núñez\n".encode("cp1252"))
    assert [(w.code, dict(w.params)) for w in latin.warnings] == [
        (ProblemCode.NOT_UTF8, {"encoding": "cp1252", "bom": False})]
    missing = check("id,estado\n1,a salvo\n").errors[0].problem
    assert missing.code == ProblemCode.MISSING_COLUMN and "nombres" in missing.params["aliases"]


def test_the_words_come_from_the_catalogue_asked_for() -> None:
    proposal = problem(ProblemCode.DEATH_IS_PROPOSAL, line=7, proposal=3)
    assert str(proposal) == ("line 7: deceased is not recorded by an import: it is a proposal (proposal 3) that "
                             "another person must confirm (console: the person's record; API: "
                             "/api/v1/pending-status-reports)")
    assert "(proposal" not in str(problem(ProblemCode.DEATH_IS_PROPOSAL, line=7, proposal=None))
    catalogue = {ProblemCode.REQUIRED: "obligatorio", ProblemCode.TOO_LONG: "largo: {length}/{limit}"}
    assert Problem(ProblemCode.REQUIRED).words(catalogue) == "obligatorio"
    assert problem(ProblemCode.TOO_LONG, length=301, limit=300).words(catalogue) == "largo: 301/300"
