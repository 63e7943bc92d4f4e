"""Persons and their status reports (``/api/v1/persons``).

Audit: every request that returns person records is one audit event by the token: ``person_read``
for one record (its detail or its history), ``person_search`` for a list or name search. A search
event keeps the query text and filters and the ids returned: the audit trail lives in the database,
readable by admins only, and "who looked for whom" is exactly what it must answer. Logs never get
the query. The event is one INSERT in the request's transaction, committed before the records are
sent (``audit.append``): the whole price of the trail on the busiest route.

Optimistic concurrency: ``GET /persons/{id}`` answers with ``ETag: W/"<status_version>"``. A new
status report may carry ``expected_version`` in its body or the version in an ``If-Match`` header;
when the person's version has moved on, the answer is 409 with the current version and nothing is
written. Both are optional, so an integration that is the sole source for its persons may append
without reading first.

Roles: viewers read, but a restricted record's status and location are hidden from them (null, and
403 for its history); operators and admins also add status reports; a ``reporter`` token (a hospital,
a prosecutor's office) may ONLY add status reports (and so propose deaths), nothing else.

Four eyes for a death: ``deceased`` is not recorded at once. It becomes a pending proposal (202
with the proposal) that a second PERSON (not merely another token of the same person: see
bot/status_review.py) confirms or rejects through ``/pending-status-reports``
(api/routers/status_review.py, bot/status_review.py). Every other status is recorded at once and the
relatives who follow the person are told through the disclosure policy (bot/notifications.py).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, WithJsonSchema
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.deps import ReporterToken, SessionDep, SettingsDep, ViewerToken, actor_of, sees_restricted_status
from api.errors import ErrorCode, error_response
from api.routers.params import MAX_ID, Limit, NoControlChars, Offset, PersonId
from api.routers.status_review import refused
from api.schemas import (
    BODY_ERRORS,
    CurrentReport,
    PendingStatusReportOut,
    PersonCandidateOut,
    PersonDetailAdmin,
    PersonOut,
    PersonPage,
    PersonSearchPage,
    StatusCode,
    StatusHistory,
    StatusReportCreated,
    StatusReportIn,
    StatusReportOut,
    error_responses,
)
from bot.auth import principal_of
from bot.matching.search import search_persons
from bot.status_refusals import OperatorError
from bot.status_review import propose_status
from db.models import PendingStatusReport, Person, StatusReport
from db.repositories import audit, persons
from db.repositories.status import NewReport, StaleVersion, history

router = APIRouter(prefix="/api/v1", tags=["persons"], responses=error_responses(401, 403))

# The status version as ETag sends it (W/"3"; "3" and 3 too), or *; nine digits are plenty for a
# version. The same expression is the header's pattern in the OpenAPI document.
IF_MATCH_PATTERN = r'^[ \t]*(?:\*|(?:W/)?"?([0-9]{1,9})"?)[ \t]*$'
_IF_MATCH = re.compile(IF_MATCH_PATTERN)
# A header is absent or text: not the `null` that `str | None` would add to the document.
_IF_MATCH_SCHEMA = {"type": "string", "maxLength": 100, "pattern": IF_MATCH_PATTERN}
_ETAG = {"ETag": {"description": 'W/"<status_version>"', "required": True, "schema": {"type": "string"}}}
_LOCATION = {"Location": {"description": "where to read what was written", "required": True,
                          "schema": {"type": "string"}}}


def _upper(value: str | None) -> str | None:
    return value.upper() if value else None


def person_out(person: Person, report: StatusReport | None, *, admin: bool = False,
               hide_status: bool = False) -> PersonOut:
    """``hide_status``: a viewer reading a restricted record gets neither its status nor its location."""
    if hide_status and person.restricted:
        report = None
    fields: dict[str, Any] = {
        "id": person.id,
        "incident_id": person.incident_id,
        "external_id": person.external_id,
        "given_names": person.given_names,
        "surnames": person.surnames,
        "aliases": list(person.aliases or []),
        "nationality": person.nationality,
        "birth_date": person.birth_date,
        "approx_age": person.approx_age,
        "restricted": person.restricted,
        "current_status": None if hide_status and person.restricted else person.current_status,
        "status_version": person.status_version,
        "proof_locked": person.proof_locked_at is not None,
        "current_report": None
        if report is None
        else CurrentReport(
            status=report.status,
            location=report.location,
            source=report.source,
            verified_by=report.verified_by,
            verified_at=report.verified_at,
        ),
    }
    if admin:
        return PersonDetailAdmin(**fields, document_number=person.document_number, notes=person.notes)
    return PersonOut(**fields)


def _person_or_404(session: Session, person_id: int) -> Person:
    person = persons.get_person(session, person_id)
    if person is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no person with id {person_id}")
    return person


def _etag(version: int) -> str:
    return f'W/"{version}"'


@router.get("/persons", response_model=PersonSearchPage | PersonPage, responses=error_responses(422))
def list_persons(
    session: SessionDep,
    token: ViewerToken,
    limit: Limit = 50,
    offset: Offset = 0,
    q: Annotated[
        str | None, Query(max_length=200, description="a name: ranked candidates, best first"), NoControlChars
    ] = None,
    external_id: Annotated[
        str | None, Query(max_length=100, description="the id on the official list"), NoControlChars
    ] = None,
    status_: Annotated[StatusCode | None, Query(alias="status")] = None,
    nationality: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2"),
        AfterValidator(_upper),
    ] = None,
    incident: Annotated[int | None, Query(ge=1, le=MAX_ID, description="an incident's id")] = None,
) -> PersonSearchPage | PersonPage:
    """List persons, or search them by name (`q`) with ranked candidates. Viewer or more (a viewer does
    not see a restricted record's status)."""
    filters = {"external_id": external_id, "status": status_, "nationality": nationality,
               "incident": incident}
    hide = not sees_restricted_status(token)
    page: PersonSearchPage | PersonPage
    if q is not None:
        # The search ranks the best `offset + limit`; the other filters narrow that ranking.
        candidates = [
            c
            for c in search_persons(session, q, limit=offset + limit, incident_id=incident)
            if (external_id is None or c.person.external_id == external_id)
            and (status_ is None or (c.person.current_status == status_ and not (hide and c.person.restricted)))
            and (nationality is None or c.person.nationality == nationality)
        ]
        shown = candidates[offset : offset + limit]
        reports = persons.current_reports(session, [c.person for c in shown])
        items = [
            PersonCandidateOut(
                **person_out(c.person, reports.get(c.person.id), hide_status=hide).model_dump(),
                score=round(max(0.0, min(1.0, float(c.score))), 4),
                strong=bool(c.strong),
                reason=c.reason,
            )
            for c in shown
        ]
        page = PersonSearchPage(items=items, total=len(candidates), limit=limit, offset=offset)
    else:
        rows, total = persons.list_persons(
            session, external_id=external_id, status=status_, nationality=nationality,
            incident_id=incident, limit=limit, offset=offset,
            # Filtering a viewer's list by status must not tell a restricted record's status.
            include_restricted=not (hide and status_ is not None),
        )
        reports = persons.current_reports(session, rows)
        page = PersonPage(items=[person_out(p, reports.get(p.id), hide_status=hide) for p in rows], total=total,
                          limit=limit, offset=offset)
    audit.append(
        session,
        actor=actor_of(token),
        action="person_search",
        subject_type="person",
        details={
            "q": q,
            "filters": {k: v for k, v in filters.items() if v is not None},
            "count": len(page.items),
            "person_ids": [item.id for item in page.items],
        },
    )
    return page


@router.get("/persons/{person_id}", response_model=PersonDetailAdmin | PersonOut,
            responses={200: {"headers": _ETAG}, **error_responses(404, 422)})
def get_person(person_id: PersonId, session: SessionDep, token: ViewerToken, response: Response) -> PersonOut:
    """One person's record with the current status; `ETag` carries its status version. Viewer or more;
    `document_number` and `notes` only for an admin."""
    person = _person_or_404(session, person_id)
    report = persons.current_reports(session, [person]).get(person.id)
    audit.append(session, actor=actor_of(token), action="person_read", subject_type="person",
                 subject_id=person.id, details={"view": "record"})
    response.headers["ETag"] = _etag(person.status_version)
    return person_out(person, report, admin=token.role == "admin", hide_status=not sees_restricted_status(token))


@router.get("/persons/{person_id}/status-reports", response_model=StatusHistory, responses={
    200: {"headers": _ETAG},
    **error_responses(403, 404, 422, e403="a restricted record's history, for a viewer; or the token's role is "
                      "too small (a reporter)")})
def list_status_reports(
    person_id: PersonId, session: SessionDep, token: ViewerToken, response: Response
) -> StatusHistory:
    """A person's status history, oldest first (append-only). Viewer or more (a restricted record's:
    operator or more)."""
    person = _person_or_404(session, person_id)
    if person.restricted and not sees_restricted_status(token):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            detail="a restricted record's status history is for operators and admins")
    rows = history(session, person.id)
    audit.append(session, actor=actor_of(token), action="person_read", subject_type="person",
                 subject_id=person.id, details={"view": "status_reports"})
    response.headers["ETag"] = _etag(person.status_version)
    return StatusHistory(
        person_id=person.id,
        status_version=person.status_version,
        items=[StatusReportOut.model_validate(r) for r in rows],
    )


def _expected_versions(body_version: int | None, if_match: str | None) -> set[int]:
    """The versions the client says it read (``expected_version``, ``If-Match``, both or neither).
    Two different ones cannot both be current: the caller answers 409, as for any stale one."""
    versions = {body_version} if body_version is not None else set()
    if if_match is not None:
        found = _IF_MATCH.match(if_match)
        if found is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail='If-Match must be the status version as sent in ETag, e.g. W/"3"',
            )
        if found.group(1) is not None:  # None: "*", any version
            versions.add(int(found.group(1)))
    return versions


def _conflict(current_version: int) -> JSONResponse:
    return error_response(status.HTTP_409_CONFLICT,
                          f"the record changed since you read it: its status version is now {current_version}",
                          ErrorCode.STALE_VERSION, headers={"ETag": _etag(current_version)},
                          current_version=current_version)


@router.post(
    "/persons/{person_id}/status-reports",
    status_code=status.HTTP_201_CREATED,
    response_model=StatusReportCreated | PendingStatusReportOut,
    responses={
        201: {"headers": {**_ETAG, **_LOCATION}},
        202: {"model": PendingStatusReportOut, "headers": _LOCATION,
              "description": "deceased: held as a proposal until a second person confirms it"},
        **error_responses(
            *BODY_ERRORS, 404, 409,
            e409="the status version moved on since the client read it (`current_version`; `expected_version` "
                 "and `If-Match` naming two versions count as that), a proposal for this person is already "
                 "pending, or `verified_at` is later than the server's clock",
            e422="invalid input (`errors`): a status other than `unconfirmed` without its `source`, a "
                 "malformed `If-Match`..."),
    },
)
def create_status_report(
    person_id: PersonId,
    body: StatusReportIn,
    session: SessionDep,
    settings: SettingsDep,
    token: ReporterToken,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=100, pattern=IF_MATCH_PATTERN, description=(
        'the `ETag` read (W/"3", "3" or 3): write only if the status version is still that; * = any')),
        WithJsonSchema(_IF_MATCH_SCHEMA)] = None,
) -> StatusReportCreated | PendingStatusReportOut | JSONResponse:
    """Append a verified status report (optionally conditional on the version read); `deceased`
    becomes a proposal for a second person (202). Operator, admin or reporter."""
    versions = _expected_versions(body.expected_version, if_match)
    person = _person_or_404(session, person_id)
    if body.verified_in_the_future():
        raise HTTPException(status.HTTP_409_CONFLICT, detail=(
            "verified_at is later than this server's clock (5 minutes of skew allowed): "
            "a report is verified in the past; check the sender's clock and time zone"))
    if len(versions) > 1:
        return _conflict(person.status_version)
    expected = next(iter(versions), None)
    new = NewReport(status=body.status, location=body.location, source=body.source,
                    verified_by=body.verified_by, verified_at=body.verified_at)
    try:
        result = propose_status(session, person, new, settings, actor=actor_of(token), principal=principal_of(token),
                                expected_version=expected)
        session.commit()
    except StaleVersion as exc:
        session.rollback()
        return _conflict(exc.actual)
    except OperatorError as exc:
        session.rollback()
        raise refused(exc) from exc
    except IntegrityError:
        # Another process appended the same version between our read and our write.
        session.rollback()
        current = session.get(Person, person_id)
        return _conflict(current.status_version if current else 0)
    if isinstance(result, PendingStatusReport):
        response.status_code = status.HTTP_202_ACCEPTED
        response.headers["Location"] = f"/api/v1/pending-status-reports/{result.id}"
        return PendingStatusReportOut.model_validate(result)
    response.headers["ETag"] = _etag(result.version)
    response.headers["Location"] = f"/api/v1/persons/{person_id}/status-reports"
    return StatusReportCreated(report=StatusReportOut.model_validate(result), status_version=result.version)
