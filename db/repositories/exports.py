"""Queries for the exports to consulates and tracing services (bot/exports.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from db.models import Incident, Person, StatusReport


def _filters(nationality: str | None, incident_id: int | None, include_restricted: bool) -> list:
    conditions = []
    if nationality is not None:
        conditions.append(Person.nationality == nationality)
    if incident_id is not None:
        conditions.append(Person.incident_id == incident_id)
    if not include_restricted:
        conditions.append(Person.restricted.is_(False))
    return conditions


def _changed_since(since: datetime) -> ColumnElement[bool]:
    """The person's record was edited, or a status report was added, at or after ``since``."""
    later = aliased(StatusReport)  # the outer query joins StatusReport already (the current report)
    reported = exists().where(later.person_id == Person.id, later.created_at >= since)
    return or_(Person.updated_at >= since, Person.created_at >= since, reported)


def persons_with_current_report(
    session: Session, *, nationality: str | None = None, incident_id: int | None = None,
    include_restricted: bool = False, changed_since: datetime | None = None,
) -> list[tuple[Person, StatusReport | None]]:
    """Each selected person with their latest report (None before any), ordered by incident and
    external id, in one query (no IN list, so any number of persons). With ``changed_since``, only
    the persons edited or reported on since then."""
    conditions = _filters(nationality, incident_id, include_restricted)
    if changed_since is not None:
        conditions.append(_changed_since(changed_since))
    stmt: Select = (
        select(Person, StatusReport)
        .outerjoin(StatusReport, and_(StatusReport.person_id == Person.id,
                                      StatusReport.version == Person.status_version))
        .where(*conditions)
        .order_by(Person.incident_id, Person.external_id, Person.id)
    )
    return [(p, r) for p, r in session.execute(stmt)]


def reports_of_selected(
    session: Session, *, nationality: str | None = None, incident_id: int | None = None,
    include_restricted: bool = False, created_since: datetime | None = None,
) -> dict[int, list[StatusReport]]:
    """Every report (the whole history, oldest first) of the selected persons, by person id; with
    ``created_since``, only the reports added since then."""
    conditions = _filters(nationality, incident_id, include_restricted)
    if created_since is not None:
        conditions.append(StatusReport.created_at >= created_since)
    stmt = (
        select(StatusReport)
        .join(Person, StatusReport.person_id == Person.id)
        .where(*conditions)
        .order_by(StatusReport.person_id, StatusReport.version)
    )
    found: dict[int, list[StatusReport]] = {}
    for report in session.scalars(stmt):
        found.setdefault(report.person_id, []).append(report)
    return found


def incident_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Incident.id, Incident.name)).all())
