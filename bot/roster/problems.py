"""What can be wrong with a roster file, or worth a warning, as codes with their values.

The reader (bot/roster/parse.py) and the importer (bot/roster/importer.py) say each problem as a
``Problem``: a ``ProblemCode`` and the values its words need (a line, a value as written, a
limit). Each interface words it in its own language from a catalogue keyed by code: ``ENGLISH``
below for the command line, the logs and the tests (``str(problem)``; CONTRACT.md quotes these
sentences), the console's Spanish in api/console/import_es.py. Nothing matches on a sentence to
translate it. Nothing here is stored: an import run keeps counts, not its report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from bot import status_refusals
from bot.roster import vocab


class ProblemCode(StrEnum):
    """Every problem of a roster file; the comment names the values each one carries."""

    # the file as a whole (line 1 or the line after the last)
    EMPTY_FILE = "empty_file"
    NO_DATA_ROWS = "no_data_rows"
    UNREADABLE_CSV = "unreadable_csv"  # detail (the csv module's own words)
    NOT_UTF8 = "not_utf8"  # warning; encoding ("cp1252" or "latin-1"), bom (the file began with one)
    # the header
    UNKNOWN_COLUMN = "unknown_column"  # warning; column (as written)
    DUPLICATE_COLUMN = "duplicate_column"  # column (canonical), also (as first written)
    MISSING_COLUMN = "missing_column"  # aliases (the headers that would name it)
    # a line
    TOO_MANY_FIELDS = "too_many_fields"  # fields, columns
    CONTROL_CHARACTER = "control_character"  # character ("U+0007")
    TOO_LONG = "too_long"  # length, limit
    REQUIRED = "required"
    UNKNOWN_NATIONALITY = "unknown_nationality"  # value
    NOT_A_DATE = "not_a_date"  # value
    IMPOSSIBLE_DATE = "impossible_date"  # value
    BIRTH_DATE_IN_FUTURE = "birth_date_in_future"  # date (ISO)
    BIRTH_DATE_TOO_OLD = "birth_date_too_old"  # date (ISO), years
    AGE_NOT_A_NUMBER = "age_not_a_number"  # value
    AGE_OUT_OF_RANGE = "age_out_of_range"  # age, maximum
    UNKNOWN_STATUS = "unknown_status"  # value
    STATUS_NEEDS_SOURCE = "status_needs_source"  # status (code)
    NOT_A_TIMESTAMP = "not_a_timestamp"  # value
    TIMESTAMP_IN_FUTURE = "timestamp_in_future"  # value
    NOT_A_BOOLEAN = "not_a_boolean"  # value
    NAMES_TOO_LONG = "names_too_long"  # limit
    # a line against the others, or against the database
    DUPLICATE_EXTERNAL_ID = "duplicate_external_id"  # external_id, first_line
    DUPLICATE_NAME = "duplicate_name"  # first_line
    AMBIGUOUS_MATCH = "ambiguous_match"
    # warnings about a line the import accepted
    STATUS_KEPT_NEWER = "status_kept_newer"  # line, recorded, listed (verification times, UTC)
    DEATH_NOT_PROPOSED = "death_not_proposed"  # line, refusal (a StatusRefusal), refusal_params
    DEATH_IS_PROPOSAL = "death_is_proposal"  # line, proposal (its id, or None on a dry run)


Words = str | Callable[[Mapping[str, Any]], str]
Catalogue = Mapping[ProblemCode, Words]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem: its code and the values its words need. ``str()`` is the English sentence."""

    code: ProblemCode
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def words(self, catalogue: Catalogue) -> str:
        """The problem in an interface's words: a ``{name}`` template or a function of the values."""
        words = catalogue[self.code]
        return words(self.params) if callable(words) else words.format(**self.params)

    def __str__(self) -> str:
        return self.words(ENGLISH)


def problem(code: ProblemCode, **params: Any) -> Problem:
    return Problem(code, MappingProxyType(params))


def refusal_words(params: Mapping[str, Any], catalogue: Mapping[status_refusals.StatusRefusal, str]) -> str:
    """Why a death was not proposed (``DEATH_NOT_PROPOSED``), in a catalogue's words."""
    return catalogue[params["refusal"]].format(**params.get("refusal_params", {}))


ENCODINGS = {"utf-8": "UTF-8", "cp1252": "Windows-1252 (Latin-1)", "latin-1": "Latin-1"}


def _status_words() -> str:
    return ", ".join(dict.fromkeys(vocab.STATUS_WORDS.values()))


def _death_is_proposal(p: Mapping[str, Any]) -> str:
    where = f" (proposal {p['proposal']})" if p.get("proposal") is not None else ""
    return (f"line {p['line']}: deceased is not recorded by an import: it is a proposal{where} that another "
            "person must confirm (console: the person's record; API: /api/v1/pending-status-reports)")


P = ProblemCode
# The command line's words (and the tests'): kept word for word, CONTRACT.md and docs/roster.md quote them.
ENGLISH: dict[ProblemCode, Words] = {
    P.EMPTY_FILE: "the file is empty (no header row)",
    P.NO_DATA_ROWS: "the file has a header row but no data rows",
    P.UNREADABLE_CSV: "unreadable CSV ({detail}); nothing after it was read",
    P.NOT_UTF8: lambda p: f"the file is not valid UTF-8; it was read as {ENCODINGS[p['encoding']]}"
                          f"{' with BOM' if p.get('bom') else ''}",
    P.UNKNOWN_COLUMN: "column '{column}' is not a roster column and was ignored",
    P.DUPLICATE_COLUMN: "the column {column} appears twice (also as '{also}')",
    P.MISSING_COLUMN: lambda p: f"required column is missing (a header named {' or '.join(p['aliases'])})",
    P.TOO_MANY_FIELDS: "{fields} fields but the header has {columns} columns",
    P.CONTROL_CHARACTER: "contains a control character ({character})",
    P.TOO_LONG: "too long ({length} characters; at most {limit})",
    P.REQUIRED: "required, cannot be empty",
    P.UNKNOWN_NATIONALITY: "unknown nationality '{value}' (use an ISO code such as GT or the country's name in Spanish)",
    P.NOT_A_DATE: "'{value}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
    P.IMPOSSIBLE_DATE: "impossible date '{value}'",
    P.BIRTH_DATE_IN_FUTURE: "birth date {date} is in the future",
    P.BIRTH_DATE_TOO_OLD: "birth date {date} is more than {years} years ago",
    P.AGE_NOT_A_NUMBER: "age '{value}' is not a whole number of years",
    P.AGE_OUT_OF_RANGE: "age {age} is out of range (0 to {maximum})",
    P.UNKNOWN_STATUS: lambda p: f"unknown status '{p['value']}' (use {_status_words()}, or their Spanish words)",
    P.STATUS_NEEDS_SOURCE: "status '{status}' needs a source: an unsourced status is unverified and would never "
                           "be told to a relative",
    P.NOT_A_TIMESTAMP: "'{value}' is not an ISO 8601 date and time (for example 2023-03-28T14:00:00-06:00)",
    P.TIMESTAMP_IN_FUTURE: "'{value}' is in the future",
    P.NOT_A_BOOLEAN: "'{value}' is not a yes/no value (use 1/0, sí/no or true/false)",
    P.NAMES_TOO_LONG: "names too long once normalised (at most {limit})",
    P.DUPLICATE_EXTERNAL_ID: "duplicate external_id '{external_id}' (first on line {first_line})",
    P.DUPLICATE_NAME: "same names and birth date as line {first_line} and no external_id to tell them apart",
    P.AMBIGUOUS_MATCH: "matches several recorded persons with the same names and birth date; give it an external_id",
    P.STATUS_KEPT_NEWER: "line {line}: status left as recorded, verified later ({recorded:%Y-%m-%d %H:%M} UTC) "
                         "than this list's ({listed:%Y-%m-%d %H:%M} UTC)",
    P.DEATH_NOT_PROPOSED: lambda p: f"line {p['line']}: deceased not proposed: {refusal_words(p, status_refusals.ENGLISH)}",
    P.DEATH_IS_PROPOSAL: _death_is_proposal,
}
