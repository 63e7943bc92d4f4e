"""Helpers for statements built once and run many times (a turn's lookups, the search).

Building a SQLAlchemy statement costs about as much as running it on an index, so the repositories
build the hot ones once per dialect (``functools.lru_cache``) with bound parameters, and run them
with values. A list of values is one parameter: see ``one_of``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeEngine


def one_of(dialect: str, column: Any, name: str, item_type: TypeEngine[Any] | type[TypeEngine[Any]] = String) \
        -> ColumnElement[bool]:
    """``column IN :name`` (a list of values of ``item_type``); on PostgreSQL ``= ANY(array)``, one
    statement text whatever the number of values, so the driver prepares it once and the server
    plans it once. One bound parameter either way: one SQL element per value costs more than the
    query."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(item_type)))
    return column.in_(bindparam(name, expanding=True))
