"""Queries about persons for the API and the console (reads only: status changes go through
``db.repositories.status.append_report``, imports through the roster importer)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, and_, func, select
from sqlalchemy.orm import Session

from db.models import Person, StatusReport
from db.prepared import one_of


def get_person(session: Session, person_id: int) -> Person | None:
    return session.get(Person, person_id)


def list_persons(
    session: Session,
    *,
    external_id: str | None = None,
    status: str | None = None,
    nationality: str | None = None,
    incident_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    include_restricted: bool = True,
) -> tuple[list[Person], int]:
    """A page of persons in a stable order (surnames, given names, id) and the total count."""
    conditions: list[Any] = []
    if not include_restricted:
        conditions.append(Person.restricted.is_(False))
    if external_id is not None:
        conditions.append(Person.external_id == external_id)
    if status is not None:
        conditions.append(Person.current_status == status)
    if nationality is not None:
        conditions.append(Person.nationality == nationality)
    if incident_id is not None:
        conditions.append(Person.incident_id == incident_id)
    total = session.scalar(select(func.count()).select_from(Person).where(*conditions)) or 0
    rows = session.scalars(
        select(Person)
        .where(*conditions)
        .order_by(Person.surname_key, Person.given_key, Person.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def current_reports(session: Session, persons: Iterable[Person]) -> dict[int, StatusReport]:
    """The latest report of each person, in one query (the one whose version is the cached one)."""
    ids = sorted(p.id for p in persons if p.status_version > 0)
    if not ids:
        return {}
    rows = session.scalars(_current_reports_statement(session.get_bind().dialect.name), {"ids": ids})
    return {r.person_id: r for r in rows}


@lru_cache(maxsize=4)
def _current_reports_statement(dialect: str) -> Select[StatusReport]:
    # Built once (parameter: ids): a search turn runs it, and building it cost as much as running it.
    return (
        select(StatusReport)
        .join(Person, and_(StatusReport.person_id == Person.id, StatusReport.version == Person.status_version))
        .where(one_of(dialect, Person.id, "ids", Integer))
    )
