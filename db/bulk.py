"""Fast bulk writes for large imports, inside the caller's transaction.

A roster of a million persons writes millions of rows (persons, first reports, about seven
name-index rows per person). Through the ORM, or ``INSERT`` with executemany, that is hours on
SQLite and many minutes on PostgreSQL: SQLAlchemy builds a parameter dictionary per row and, to
keep ``RETURNING`` in order, sends one statement per row on SQLite; psycopg re-parses huge
multi-row statements. So the ids are allocated first (PostgreSQL: the sequence; SQLite: after the
maximum id, which is safe because every SQLite transaction holds the single write lock from its
``BEGIN IMMEDIATE``, db/session.py), and rows go in as plain tuples: ``COPY`` on PostgreSQL (psycopg
3's ``cursor.copy()``), the driver's own executemany on SQLite, values converted once by the
columns' own SQLAlchemy types.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from typing import Any

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.orm import Session

Db = Session | Connection


def connection_of(db: Db) -> Connection:
    return db.connection() if isinstance(db, Session) else db


def is_postgres(db: Db) -> bool:
    return connection_of(db).dialect.name == "postgresql"


class IdAllocator:
    """Primary keys for new rows of one table, inside a transaction that holds the write lock."""

    def __init__(self, db: Db, table: Table) -> None:
        self._db = db
        self._table = table
        self._postgres = is_postgres(db)

    def take(self, n: int) -> list[int]:
        if n <= 0:
            return []
        conn = connection_of(self._db)
        if self._postgres:
            sequence = f"pg_get_serial_sequence('{self._table.name}', 'id')"
            return list(conn.scalars(text(f"SELECT nextval({sequence}) FROM generate_series(1, :n)"), {"n": n}))
        # Read every time (an index lookup): ORM inserts in between also move the maximum. The ids
        # must be inserted before the next take().
        start = (conn.scalar(select(func.max(self._table.c.id))) or 0) + 1
        return list(range(start, start + n))


def copy_rows(db: Db, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``, ids included); the number inserted.

    Values are Python values as the ORM would take them (dates, aware datetimes, dicts and lists
    for JSON columns)."""
    conn = connection_of(db)
    if conn.dialect.name == "postgresql":
        return _copy(conn, table, columns, rows)
    converters = [(i, f) for i, f in enumerate(_converters(conn, table, columns)) if f is not None]
    placeholders = ", ".join("?" for _ in columns)
    statement = f'INSERT INTO "{table.name}" ({_names(columns)}) VALUES ({placeholders})'
    batch: list[Sequence[Any]] = []
    for row in rows:
        if converters:
            values = list(row)
            for i, convert in converters:
                values[i] = convert(values[i])
            row = tuple(values)  # the driver's executemany takes tuples
        batch.append(row)
    if batch:
        conn.exec_driver_sql(statement, batch)  # type: ignore[arg-type]
    return len(batch)


def _copy(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    json_positions = [i for i, c in enumerate(columns) if table.c[c].type.__class__.__name__ == "JSON"]
    n = 0
    with closing(conn.connection.cursor()) as cursor, \
            cursor.copy(f'COPY "{table.name}" ({_names(columns)}) FROM STDIN') as copy:  # type: ignore[attr-defined]
        write = copy.write_row
        if not json_positions:
            for row in rows:
                write(row)
                n += 1
            return n
        for row in rows:
            values = list(row)
            for i in json_positions:
                value = values[i]
                values[i] = "[]" if value == [] else json.dumps(value)  # a new person's aliases: []
            write(values)
            n += 1
    return n


def copy_plain_rows(db: Db, table: Table, columns: Sequence[str], rows: Sequence[Sequence[str | int]]) -> int:
    """``copy_rows`` for rows of short strings and integers with no backslash, tab or line break
    (the name index's millions of rows): on PostgreSQL the COPY text is written in one piece,
    without formatting row by row. Any other row goes through ``copy_rows``."""
    conn = connection_of(db)
    if conn.dialect.name != "postgresql" or not rows:
        return copy_rows(db, table, columns, rows)
    block = "\n".join("\t".join(map(str, row)) for row in rows) + "\n"
    # A value holding a separator would add one: counted, the block is checked in two C loops.
    if (block.count("\t") != len(rows) * (len(columns) - 1) or block.count("\n") != len(rows)
            or "\\" in block or "\r" in block):
        return copy_rows(db, table, columns, rows)
    return copy_block(conn, table, columns, block, len(rows))


def copy_text(values: Sequence[Any]) -> str:
    """``values`` as one line of PostgreSQL's COPY text format (no line break): a row can be
    prepared on another thread, ahead of its id (``copy_lines``)."""
    return "\t".join(_copy_text(v) for v in values)


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES) if _needs_escape(value) else value
    if isinstance(value, list | dict):
        if not value:  # a new person's aliases, on every row: json.dumps cost 8 % of an import's CPU
            return "[]" if isinstance(value, list) else "{}"
        return _copy_text(json.dumps(value))
    return str(value) if isinstance(value, int | float) else _copy_text(value.isoformat())  # date, datetime


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _needs_escape(value: str) -> bool:
    return "\\" in value or "\t" in value or "\n" in value or "\r" in value


def copy_lines(db: Db, table: Table, columns: Sequence[str], ids: Sequence[int], tails: Sequence[str]) -> int:
    """PostgreSQL: COPY rows whose first column is an id and whose other columns are already COPY
    text (``copy_text``), one block for the whole batch."""
    conn = connection_of(db)
    if not ids:
        return 0
    block = "".join(f"{i}\t{tail}\n" for i, tail in zip(ids, tails, strict=True))
    return copy_block(conn, table, columns, block, len(ids))


def copy_block(db: Db, table: Table, columns: Sequence[str], block: str, rows: int) -> int:
    """PostgreSQL: COPY one block of COPY text (whole lines)."""
    conn = connection_of(db)
    with closing(conn.connection.cursor()) as cursor, \
            cursor.copy(f'COPY "{table.name}" ({_names(columns)}) FROM STDIN') as copy:  # type: ignore[attr-defined]
        copy.write(block)
    return rows


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _converters(conn: Connection, table: Table, columns: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    """Each column's SQLAlchemy bind processor on this dialect (dates to text, JSON to text...),
    remembering its last results: a batch repeats the same few values (its timestamp, the birth
    dates, an empty list of aliases)."""
    dialect = conn.dialect
    return [None if (f := table.c[c].type._cached_bind_processor(dialect)) is None else _remembering(f)
            for c in columns]


def _remembering(convert: Callable[[Any], Any], size: int = 4096) -> Callable[[Any], Any]:
    done: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        if isinstance(value, list | dict):  # JSON: not hashable (and [] is the only common one)
            return convert(value)
        try:
            return done[value]
        except KeyError:
            if len(done) >= size:
                done.clear()
            result = done[value] = convert(value)
            return result

    return remembered
