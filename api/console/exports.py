"""Exports for consulates and tracing services (admin): the per-nationality CSV and PFIF 1.4 XML,
made by bot/exports.py; each download is one ``export`` audit event by the user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from api.console.security import Admin, render
from api.deps import SessionDep, SettingsDep
from bot import exports
from db.models import Incident, Person

router = APIRouter()

# A string, so that the form's "todos" (an empty value) is accepted.
Incident_ = Annotated[str, Query(pattern=r"^[0-9]{0,10}$")]


def _incident(value: str) -> int | None:
    return int(value) if value and 0 < int(value) < 2**31 else None


@router.get("/exports")
def exports_page(request: Request, me: Admin, db: SessionDep) -> Response:
    nationalities = [n for n in db.scalars(select(Person.nationality).distinct().order_by(Person.nationality)) if n]
    incidents = list(db.scalars(select(Incident).order_by(Incident.name)))
    return render(request, "console/exports.html", {"nationalities": nationalities, "incidents": incidents})


@router.get("/exports/nationality.csv")
def nationality_csv(me: Admin, db: SessionDep,
                    nationality: Annotated[str, Query(pattern=r"^[A-Za-z]{2}$")],
                    incident: Incident_ = "") -> Response:
    body = exports.nationality_csv(db, nationality, _incident(incident), actor=me.actor)
    db.commit()  # the audit event is stored before the data leaves
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="hotline-{nationality.upper()}.csv"',
                             "Cache-Control": "no-store"})


@router.get("/exports/pfif.xml")
def pfif(request: Request, me: Admin, db: SessionDep, settings: SettingsDep, incident: Incident_ = "") -> Response:
    try:
        domain = exports.pfif_domain(settings)
    except exports.PfifDomainError:
        return render(request, "console/forbidden.html",
                      {"title": "Falta un dominio para PFIF",
                       "message": "Los identificadores PFIF deben empezar por un nombre de dominio, y ni PFIF_DOMAIN "
                                  "ni el host de HOTLINE_PUBLIC_URL lo son (una IP, localhost o una sola palabra). "
                                  "Configure PFIF_DOMAIN, por ejemplo PFIF_DOMAIN=linea.ejemplo.org."},
                      status_code=409)
    body = exports.pfif_xml(db, _incident(incident), domain=domain, actor=me.actor)
    db.commit()
    return Response(body, media_type="application/xml; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="hotline-pfif.xml"',
                             "Cache-Control": "no-store"})
