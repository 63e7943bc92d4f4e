"""Reading and validating a roster CSV (CONTRACT.md, "Roster CSV"). Pure: no database.

``iter_file`` streams a file's lines, each a valid ``RosterRow`` or a ``BadLine`` with every fault
of the line: the importer (bot/roster/importer.py) reads a file once, through it, finding repeated
identities in the database. ``validate`` is the same check done in memory (it keeps every identity
seen: small files and tests); ``read_rows`` streams the rows of a file ``validate`` found clean.

Files come from spreadsheet programs: a UTF-8 byte-order mark is skipped, the separator is whichever
of comma, semicolon or tab the header uses most, and a file that is not valid UTF-8 is read as
Windows-1252 (Latin-1), which the report says.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import BinaryIO

from bot.matching.keys import NameKeys, name_keys
from bot.roster import vocab
from bot.roster.problems import ENCODINGS, Problem, problem
from bot.roster.problems import ProblemCode as P
from common.text import forbidden_character

MAX_AGE = 120
# Column sizes of db.models.Person / StatusReport (a longer value would fail on PostgreSQL and be
# silently kept whole on SQLite; either way the operator must hear about it here).
MAX_LENGTHS = {
    "external_id": 100,
    "given_names": 200,
    "surnames": 200,
    "location": 300,
    "source": 300,
}
KEY_LENGTHS = {"given_key": 200, "surname_key": 200, "name_key": 400}
# Rows read between two looks at the clock, and the time between two pauses that let the server's
# other threads run (see iter_file).
YIELD_EVERY_ROWS = 50
PAUSE_EVERY_SECONDS = 0.001
# csv's own limit (128 KiB) would stop the whole file; ours says which field is too long.
csv.field_size_limit(16 * 1024 * 1024)

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_DMY_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: 00:00(?::00)?)?$")
_AGE = re.compile(r"^(-?\d{1,6})(?:[.,]0+)?$")

ProgressCallback = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass(frozen=True, slots=True)
class RowError:
    """A fault of a line (or of the file, then line 1 or the line after the last): the column as
    the file's header wrote it, and what is wrong as a code with its values (bot/roster/problems.py)."""

    line: int
    column: str | None
    problem: Problem

    @property
    def reason(self) -> str:
        """What is wrong, in English."""
        return str(self.problem)

    def __str__(self) -> str:
        if self.column:
            return f"line {self.line}, column {self.column}: {self.reason}"
        return f"line {self.line}: {self.reason}"


@dataclass(eq=False, slots=True)  # a million of them: slots (a third of the memory), not frozen (3x slower)
class RosterRow:
    """One valid line. ``None`` means the cell was empty: "nothing to say" (see docs/roster.md).
    Never changed once read."""

    line: int
    external_id: str | None
    given_names: str
    surnames: str
    nationality: str | None
    birth_date: date | None
    age: int | None
    status: str | None
    location: str | None
    source: str | None
    verified_at: datetime | None
    restricted: bool | None
    _name: NameKeys | None = field(default=None, repr=False)
    _hash: int | None = field(default=None, repr=False)

    @property
    def name(self) -> NameKeys:
        """The person's search keys and name-index keys, computed once (on demand: they cost more
        than parsing the line, and an unchanged line of a re-import with an external id never
        needs them)."""
        if self._name is None:
            self._name = name_keys(self.given_names, self.surnames)
        return self._name

    @property
    def keys(self) -> dict[str, str]:
        """The person's search keys (Person.name_key, given_key, surname_key, phonetic_key)."""
        return self.name.person

    @property
    def row_hash(self) -> int:
        """A 64-bit hash of what the line says, once normalised: two lines that say the same thing
        ("Hospitalizado" and "hospitalized", "GT" and "Guatemala", 03/05/1996 and 1996-05-03, a time
        with its offset and the same time in UTC, an empty status and "sin confirmar" next to a
        location or a source) have the same hash, and any difference that the import would write
        changes it. Stored with the person (Person.import_hash); a re-import skips a line whose
        hash is the stored one."""
        if self._hash is not None:
            return self._hash
        # An empty status means unconfirmed when the line states a location or a source, and
        # nothing at all otherwise (docs/roster.md).
        states = self.status is not None or self.location is not None or self.source is not None
        # One f-string (a million lines): fields apart by U+001F, an empty cell U+001E. No cell
        # holds a control character (refused by _parse_cells), so a cell cannot forge either.
        text = (
            f"{_cell(self.external_id)}\x1f{self.given_names}\x1f{self.surnames}\x1f{_cell(self.nationality)}"
            f"\x1f{self.birth_date.isoformat() if self.birth_date else NONE}"
            f"\x1f{NONE if self.age is None else self.age}"
            f"\x1f{(self.status or 'unconfirmed') if states else NONE}"
            f"\x1f{_cell(self.location)}\x1f{_cell(self.source)}"
            f"\x1f{self.verified_at.isoformat() if self.verified_at else NONE}"
            f"\x1f{NONE if self.restricted is None else int(self.restricted)}"
        )
        digest = hashlib.blake2b(text.encode(), digest_size=8, person=_HASH_VERSION).digest()
        self._hash = int.from_bytes(digest, "big", signed=True)  # a BIGINT column
        return self._hash

    @property
    def states_status(self) -> bool:
        """Whether the row says anything about the status (an empty status means unconfirmed)."""
        return self.status is not None or self.location is not None or self.source is not None

    @property
    def effective_status(self) -> str:
        return self.status or "unconfirmed"

    @property
    def identity(self) -> tuple[str, str]:
        """Who this row is within an incident: its external id, else its name and birth date."""
        if self.external_id is not None:
            return ("id", self.external_id)
        return ("name", f"{self.keys['name_key']}|{self.birth_date.isoformat() if self.birth_date else ''}")


# Part of every row hash: changing how lines are normalised must change it, so that stored hashes
# no longer match and the next import compares every line in full.
_HASH_VERSION = b"roster-row-1"
NONE = "\x1e"  # an empty cell, in a row hash


def _cell(value: str | None) -> str:
    return NONE if value is None else value


def duplicate_reason(identity: tuple[str, str], first_line: int) -> Problem:
    """Why a line that repeats an earlier line's identity is refused."""
    if identity[0] == "id":
        return problem(P.DUPLICATE_EXTERNAL_ID, external_id=identity[1], first_line=first_line)
    return problem(P.DUPLICATE_NAME, first_line=first_line)


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that failed (or a file-level problem, then ``external_id`` is None)."""

    errors: list[RowError]
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class CsvFormat:
    encoding: str  # "utf-8" or "cp1252" / "latin-1"
    delimiter: str
    bom: bool

    @property
    def description(self) -> str:
        sep = {",": "comma", ";": "semicolon", "\t": "tab"}[self.delimiter]
        return f"{ENCODINGS[self.encoding]}{' with BOM' if self.bom else ''}, {sep}-separated"


@dataclass
class Validation:
    """The outcome of the first pass."""

    format: CsvFormat | None
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- format ---------------------------------------------------------------------------------------

OpenBinary = Callable[[], BinaryIO]


def detect_format(open_binary: OpenBinary) -> CsvFormat | None:
    """Encoding and separator of a file; None when the file holds nothing but blanks."""
    with open_binary() as stream:
        head = stream.read(1 << 16)  # the header row is in here
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8, chunk = True, head
        try:
            while chunk:
                decoder.decode(chunk)
                chunk = stream.read(1 << 20)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    bom = head.startswith(codecs.BOM_UTF8)
    if utf8:
        encoding = "utf-8"
        text = head.decode("utf-8-sig", errors="replace")
    else:
        # Spreadsheets on Windows write "ANSI", i.e. Windows-1252; a byte it lacks means Latin-1.
        encoding = "cp1252" if _decodes(open_binary, "cp1252") else "latin-1"
        text = head.decode(encoding, errors="replace")
    header = next((line for line in text.splitlines() if line.strip()), "")
    if not header.strip():
        return None
    counts = {d: _count_outside_quotes(header, d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    return CsvFormat(encoding=encoding, delimiter=delimiter, bom=bom)


def _decodes(open_binary: OpenBinary, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with open_binary() as stream:
        try:
            while chunk := stream.read(1 << 20):
                decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
    return True


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


class _CountingReader(io.RawIOBase):
    """Counts the bytes read, for a progress bar measured in bytes."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


# --- rows -----------------------------------------------------------------------------------------


@dataclass
class _Header:
    columns: dict[int, str]  # position -> canonical column
    names: dict[str, str]  # canonical column -> header as written in the file (for messages)
    width: int


def _read_header(reader: Iterator[list[str]], warnings: list[Problem]) -> tuple[_Header | None, list[RowError]]:
    for cells in reader:
        if any(c.strip() for c in cells):
            break
    else:
        return None, [RowError(1, None, problem(P.EMPTY_FILE))]
    errors: list[RowError] = []
    columns: dict[int, str] = {}
    names: dict[str, str] = {}
    for position, raw in enumerate(cells):
        written = _clean(raw)
        if position == 0:
            written = written.lstrip("\ufeff")  # a BOM left by a second encoding round-trip
        if not written:
            continue
        column = vocab.header_column(written)
        if column is None:
            warnings.append(problem(P.UNKNOWN_COLUMN, column=written))
        elif column in names:
            errors.append(RowError(1, written, problem(P.DUPLICATE_COLUMN, column=column, also=names[column])))
        else:
            columns[position] = column
            names[column] = written
    for column in vocab.REQUIRED_COLUMNS:
        if column not in names:
            errors.append(RowError(1, column, problem(P.MISSING_COLUMN, aliases=tuple(vocab.COLUMNS[column]))))
    return _Header(columns, names, len(cells)), errors


def iter_file(
    open_binary: OpenBinary,
    fmt: CsvFormat,
    *,
    today: date,
    now: datetime,
    warnings: list[Problem] | None = None,
    progress: ProgressCallback | None = None,
    total_bytes: int = 0,
    header_names: dict[str, str] | None = None,
    pause: bool | Callable[[], bool] = True,
) -> Iterator[RosterRow | BadLine]:
    """Every data line as a ``RosterRow`` or the list of its errors (header errors come first).

    ``header_names`` is filled with canonical column -> the header as written in the file.
    ``pause``: let other threads of the process run now and then (see below); a command-line
    process, where no other thread waits for the lock, turns it off; a callable says each time.
    """
    warnings = warnings if warnings is not None else []
    with open_binary() as raw:
        counter = _CountingReader(raw)
        text = io.TextIOWrapper(
            io.BufferedReader(counter, 1 << 16),
            encoding="utf-8-sig" if fmt.encoding == "utf-8" else fmt.encoding,
            newline="",
        )
        reader = csv.reader(text, delimiter=fmt.delimiter, strict=True)
        try:
            header, header_errors = _read_header(reader, warnings)
        except csv.Error as exc:
            yield _unreadable(reader.line_num or 1, exc)
            return
        if header is not None and header_names is not None:
            header_names.update(header.names)
        if header_errors:
            yield BadLine(header_errors)
        if header is None or header_errors:
            return
        last_line = reader.line_num
        seen_rows = False
        n = 0
        paused = time.perf_counter()
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield _unreadable(last_line + 1, exc)
                return
            line = last_line + 1
            last_line = reader.line_num
            n += 1
            if (n % YIELD_EVERY_ROWS == 0 and (pause is True or (pause is not False and pause()))
                    and (clock := time.perf_counter()) - paused >= PAUSE_EVERY_SECONDS):
                # Reading a list is seconds of pure-Python CPU. In a server it runs on a thread of
                # the process that also answers webhooks: without a pause, every thread that needs
                # the interpreter lock waits up to 5 ms per hand-over, and a request needs dozens.
                # A pause every millisecond of work, not every N rows: a pause costs from tens of
                # microseconds to milliseconds (on a busy machine the kernel runs others meanwhile),
                # whatever the rows cost.
                time.sleep(0)
                paused = clock
            if progress is not None and n % 5000 == 0:
                progress("validating", counter.count, total_bytes)
            if not (cells and cells[0].strip()) and not any(c.strip() for c in cells):
                continue  # spreadsheets leave blank rows (";;;;") at the end
            seen_rows = True
            yield _parse_cells(line, cells, header, today, now)
        if progress is not None:
            progress("validating", total_bytes or counter.count, total_bytes)
        if not seen_rows:
            yield BadLine([RowError(last_line + 1, None, problem(P.NO_DATA_ROWS))])


def _unreadable(line: int, exc: csv.Error) -> BadLine:
    return BadLine([RowError(line, None, problem(P.UNREADABLE_CSV, detail=str(exc)))])


def _clean(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def _parse_cells(
    line: int, cells: list[str], header: _Header, today: date, now: datetime
) -> RosterRow | BadLine:
    errors: list[RowError] = []
    if len(cells) > header.width and any(c.strip() for c in cells[header.width :]):
        errors.append(RowError(line, None, problem(P.TOO_MANY_FIELDS, fields=len(cells), columns=header.width)))
    values: dict[str, str] = {}
    width = len(cells)
    for position, column in header.columns.items():
        cell = cells[position] if position < width else ""
        values[column] = cell.strip() if cell.isascii() else _clean(cell)  # ASCII is already NFC
    # One look at the whole line (ignored columns too: they only cost the slow look below), the
    # cells one by one only when it holds a control character.
    if forbidden_character("".join(cells)):
        for position, column in header.columns.items():
            if position < width and (control := forbidden_character(cells[position])):
                # Invisible, and would break the database (NUL), the PFIF export (XML) or a screen.
                # (A line break inside a quoted cell is a spreadsheet's multi-line cell: allowed.)
                errors.append(RowError(line, header.names[column], problem(P.CONTROL_CHARACTER, character=control)))
                values[column] = ""

    def col(column: str) -> str:
        return header.names.get(column, column)

    def bad(column: str, code: P, **params: object) -> None:
        errors.append(RowError(line, col(column), problem(code, **params)))

    for column, limit in MAX_LENGTHS.items():
        if len(values.get(column, "")) > limit:
            bad(column, P.TOO_LONG, length=len(values[column]), limit=limit)
            values[column] = ""
    # Inner runs of spaces squeezed (str.split splits on the same whitespace as the regex \s+).
    given = " ".join(values.get("given_names", "").split())
    surnames = " ".join(values.get("surnames", "").split())
    for column, value in (("given_names", given), ("surnames", surnames)):
        if not value and not any(e.column == col(column) for e in errors):
            bad(column, P.REQUIRED)

    nationality = None
    if raw := values.get("nationality"):
        nationality = vocab.country_code(raw)
        if nationality is None:
            bad("nationality", P.UNKNOWN_NATIONALITY, value=raw)

    birth_date = None
    if raw := values.get("birth_date"):
        birth_date, fault = _parse_date(raw)
        if fault:
            errors.append(RowError(line, col("birth_date"), fault))
        elif birth_date is not None and birth_date > today:
            bad("birth_date", P.BIRTH_DATE_IN_FUTURE, date=birth_date.isoformat())
            birth_date = None
        elif birth_date is not None and birth_date.year < today.year - MAX_AGE - 1:
            bad("birth_date", P.BIRTH_DATE_TOO_OLD, date=birth_date.isoformat(), years=MAX_AGE)

    age = None
    if raw := values.get("age"):
        match = _AGE.match(raw)
        if match is None:
            bad("age", P.AGE_NOT_A_NUMBER, value=raw)
        elif not 0 <= int(match.group(1)) <= MAX_AGE:
            bad("age", P.AGE_OUT_OF_RANGE, age=int(match.group(1)), maximum=MAX_AGE)
        else:
            age = int(match.group(1))

    status = None
    if raw := values.get("status"):
        status = vocab.status_code(raw)
        if status is None:
            bad("status", P.UNKNOWN_STATUS, value=raw)
    location = values.get("location") or None
    source = values.get("source") or None
    if status not in (None, "unconfirmed") and source is None and not any(
        e.column == col("source") for e in errors
    ):
        bad("source", P.STATUS_NEEDS_SOURCE, status=status)

    verified_at = None
    if raw := values.get("verified_at"):
        verified_at = _parse_timestamp(raw)
        if verified_at is None:
            bad("verified_at", P.NOT_A_TIMESTAMP, value=raw)
        elif verified_at > now + timedelta(days=1):
            bad("verified_at", P.TIMESTAMP_IN_FUTURE, value=raw)

    restricted = None
    if raw := values.get("restricted"):
        restricted = vocab.boolean(raw)
        if restricted is None:
            bad("restricted", P.NOT_A_BOOLEAN, value=raw)

    # The folded keys are never longer than the decomposed lower-case text (bot.matching.keys.fold).
    given_len, surnames_len = _folded_length(given), _folded_length(surnames)
    if given_len > KEY_LENGTHS["given_key"] or given_len + 1 + surnames_len > KEY_LENGTHS["name_key"]:
        bad("given_names", P.NAMES_TOO_LONG, limit=KEY_LENGTHS["given_key"])
    elif surnames_len > KEY_LENGTHS["surname_key"]:
        bad("surnames", P.NAMES_TOO_LONG, limit=KEY_LENGTHS["surname_key"])
    external_id = values.get("external_id") or None
    if errors:
        return BadLine(errors, external_id)
    return RosterRow(
        line=line,
        external_id=external_id,
        given_names=given,
        surnames=surnames,
        nationality=nationality,
        birth_date=birth_date,
        age=age,
        status=status,
        location=location,
        source=source,
        verified_at=verified_at,
        restricted=restricted,
    )


def _folded_length(text: str) -> int:
    return len(text) if text.isascii() else len(unicodedata.normalize("NFKD", text.lower()))


# Dates and times repeat across a list (birth dates, one verified_at per batch of admissions):
# parsed once each, at most this many remembered.
_PARSED_CACHE = 1 << 16


@lru_cache(maxsize=_PARSED_CACHE)
def _parse_date(raw: str) -> tuple[date | None, Problem | None]:
    if match := _ISO_DATE.match(raw):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY_DATE.match(raw):
        day, month, year = (int(g) for g in match.groups())
    else:
        return None, problem(P.NOT_A_DATE, value=raw)
    try:
        return date(year, month, day), None
    except ValueError:
        return None, problem(P.IMPOSSIBLE_DATE, value=raw)


@lru_cache(maxsize=_PARSED_CACHE)
def _parse_timestamp(raw: str) -> datetime | None:
    """ISO 8601; a time without an offset is taken as UTC (docs/roster.md)."""
    try:
        value = datetime.fromisoformat(raw)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 at +14:00 is before year 1 in UTC
        return None


# --- the two passes -------------------------------------------------------------------------------


def validate(
    open_binary: OpenBinary,
    *,
    today: date | None = None,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
    total_bytes: int = 0,
) -> Validation:
    """First pass: every bad line of the file, including duplicates within it."""
    now = now or datetime.now(UTC)
    today = today or now.date()
    fmt = detect_format(open_binary)
    if fmt is None:
        return Validation(None, errors=[RowError(1, None, problem(P.EMPTY_FILE))])
    result = Validation(fmt)
    if fmt.encoding != "utf-8":
        result.warnings.append(problem(P.NOT_UTF8, encoding=fmt.encoding, bom=fmt.bom))
    # identity -> first line; a million short strings is tens of megabytes, not the file.
    seen: dict[tuple[str, str], int] = {}
    names: dict[str, str] = {}
    for item in iter_file(open_binary, fmt, today=today, now=now, warnings=result.warnings,
                          progress=progress, total_bytes=total_bytes, header_names=names):
        if isinstance(item, BadLine):
            result.errors.extend(item.errors)
            # A duplicate id is worth reporting even on a line that has other faults.
            if item.external_id is not None and item.errors[0].line > 1:
                line = item.errors[0].line
                first = seen.setdefault(("id", item.external_id), line)
                if first != line:
                    reason = duplicate_reason(("id", item.external_id), first)
                    result.errors.append(RowError(line, names.get("external_id", "external_id"), reason))
            continue
        identity = item.identity
        first = seen.setdefault(identity, item.line)
        if first != item.line:
            column = names.get("external_id", "external_id") if identity[0] == "id" else None
            result.errors.append(RowError(item.line, column, duplicate_reason(identity, first)))
            continue
        result.rows += 1
    return result


def read_rows(open_binary: OpenBinary, fmt: CsvFormat, *, today: date, now: datetime) -> Iterator[RosterRow]:
    """Second pass: the rows of a file ``validate`` found clean."""
    for item in iter_file(open_binary, fmt, today=today, now=now):
        if isinstance(item, BadLine):  # pragma: no cover - validate() ran first
            raise ValueError(f"the file changed between the two passes: {item.errors[0]}")
        yield item
