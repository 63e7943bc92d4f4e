"""Fast bulk writes for large imports, inside the caller's transaction.

Why not ``INSERT ... RETURNING`` with executemany: on SQLite, SQLAlchemy can only keep RETURNING in
parameter order by sending one statement per row, and on PostgreSQL psycopg spends most of its time
re-parsing the huge multi-row statements. So the ids are allocated first (PostgreSQL: the
sequence; SQLite: after the maximum id, which is safe because the caller already holds SQLite's
single write lock), and the rows go in with ``COPY`` on PostgreSQL and the driver's executemany on
SQLite. A million persons then take minutes, not hours.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session


class IdAllocator:
    """Primary keys for new rows of one table, inside a transaction that holds the write lock."""

    def __init__(self, session: Session, table: Table) -> None:
        self._session = session
        self._table = table
        self._postgres = session.get_bind().dialect.name == "postgresql"

    def take(self, n: int) -> list[int]:
        if n <= 0:
            return []
        if self._postgres:
            sequence = f"pg_get_serial_sequence('{self._table.name}', 'id')"
            return list(self._session.scalars(
                text(f"SELECT nextval({sequence}) FROM generate_series(1, :n)"), {"n": n}
            ))
        # Read every time (an index lookup): ORM inserts in between also move the maximum. The ids
        # must be inserted before the next take().
        start = (self._session.scalar(select(func.max(self._table.c.id))) or 0) + 1
        return list(range(start, start + n))


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, ids included)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    cursor = session.connection().connection.cursor()
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[attr-defined]
        if not json_columns & set(columns):
            for row in rows:
                copy.write_row([row[c] for c in columns])
            return
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])
