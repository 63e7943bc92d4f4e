"""Exports for consulates and tracing services (``/api/v1/exports``, admin only).

Each export is one ``export`` audit event naming the token, the parameters and the persons that left
(bot/exports.py explains what is and is not in the files; docs/operations.md the decisions).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from fastapi.responses import Response

from api.deps import AdminToken, SessionDep, SettingsDep, actor_of
from api.routers.params import MAX_ID
from api.schemas import AnyUtcDatetime, error_responses
from bot import exports

router = APIRouter(prefix="/api/v1/exports", tags=["exports"], responses=error_responses(401, 403, 422))

IncidentFilter = Annotated[int | None, Query(ge=1, le=MAX_ID, description="only this incident's persons")]
IncludeRestricted = Annotated[
    bool, Query(description="also export restricted records (off by default; recorded in the audit trail)")
]


@router.get("/nationality/{code}.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a header row"}})
def nationality_csv(
    code: Annotated[str, Path(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2, e.g. GT")],
    session: SessionDep,
    token: AdminToken,
    incident: IncidentFilter = None,
    include_restricted: IncludeRestricted = False,
) -> Response:
    """The persons of one nationality with their current verified status, for a consulate. Admin."""
    body = exports.nationality_csv(session, code, incident, include_restricted=include_restricted,
                                   actor=actor_of(token))
    filename = f"hotline-{code.upper()}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/pfif.xml", response_class=Response,
            responses={200: {"content": {"application/xml": {}}, "description": "a PFIF 1.4 document"},
                       **error_responses(409, e409="no domain name for the record ids: `detail` names the setting "
                                         "(PFIF_DOMAIN or HOTLINE_PUBLIC_URL)")})
def pfif(
    session: SessionDep,
    settings: SettingsDep,
    token: AdminToken,
    incident: IncidentFilter = None,
    include_restricted: IncludeRestricted = False,
    since: Annotated[AnyUtcDatetime | None, Query(
        description="incremental exchange: only the persons whose record or status changed at or after "
        "this ISO 8601 time (UTC when it has no zone), each with the notes written since")] = None,
) -> Response:
    """Every person as PFIF 1.4 (People Finder Interchange Format), one note per status report. Admin."""
    try:
        domain = exports.pfif_domain(settings)
    except exports.PfifDomainError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    body = exports.pfif_xml(session, incident, domain=domain, include_restricted=include_restricted,
                            since=since, actor=actor_of(token))
    return Response(body, media_type="application/xml; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="hotline-pfif.xml"'})
