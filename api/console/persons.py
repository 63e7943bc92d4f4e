"""Person records: name search, a record with its history, and a new verified status report.

A ``deceased`` report is only a proposal until a second operator confirms it (bot.status_review,
"four eyes"); the proposer sees it pending and cannot confirm it. Reading a record and searching
are audited (``person_read``, ``person_search``) like the JSON API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.console.format import mask_address
from api.console.security import Operator, OperatorForm, Viewer, render
from api.console.text_input import control_character_problem
from api.deps import SessionDep, SettingsDep
from bot import proof_lock, status_review
from bot.matching.search import search_persons
from bot.status_refusals import SPANISH, OperatorError
from db.models import STATUSES, Conversation, PendingStatusReport, Person, StatusReport
from db.repositories import audit, persons, proof_attempts
from db.repositories.status import NewReport, StaleVersion, history

router = APIRouter()

PersonId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PendingId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOTICES = {
    "registrado": "Estado registrado. Los familiares que siguen a esta persona reciben el aviso según la política.",
    "propuesto": "Fallecimiento propuesto: no tiene efecto hasta que otra persona lo confirme.",
    "confirmado": "Fallecimiento confirmado y registrado. Los familiares que siguen a esta persona tienen ahora un "
    "caso urgente para que una persona los llame; el asistente no les escribe.",
    "rechazado": "Propuesta rechazada.",
    "desbloqueado": "Bloqueo quitado. Quien pregunte por esta persona debe volver a dar su fecha de nacimiento.",
}


@router.get("/persons")
def search(request: Request, me: Viewer, db: SessionDep,
           q: Annotated[str, Query(max_length=200)] = "") -> Response:
    q = q.strip()
    candidates = search_persons(db, q, limit=25) if q else []
    if q:
        audit.record(db, actor=me.actor, action="person_search", subject_type="person",
                     details={"q": q, "count": len(candidates), "person_ids": [c.person.id for c in candidates]})
        db.commit()
    return render(request, "console/persons.html", {"q": q, "candidates": candidates})


def _person_or_404(db: Session, person_id: int) -> Person:
    person = persons.get_person(db, person_id)
    if person is None:
        raise HTTPException(404, detail="el registro no existe")
    return person


def person_page(request: Request, db: Session, me: Operator, person: Person, *, status_code: int = 200,
                error: str | None = None, notice: str | None = None, form: dict[str, str] | None = None) -> Response:
    audit.record(db, actor=me.actor, action="person_read", subject_type="person", subject_id=person.id,
                 details={"view": "console"})
    db.commit()
    return render(request, "console/person.html", {
        "person": person,
        "history": list(reversed(history(db, person.id))),
        "pending": status_review.list_pending(db, person.id),
        "proof_attempts": proof_attempts.for_person(db, person.id) if me.can("operator") else [],
        "attempt_contacts": _attempt_contacts(db, person.id) if me.can("operator") else {},
        "settings_lock_attempts": request.app.state.settings.proof_lock_attempts,
        "settings_lock_days": f"{request.app.state.settings.proof_lock_window_days:g}",
        "statuses": STATUSES,
        "error": error,
        "notice": notice,
        "form": form or {},
    }, status_code=status_code)


@router.get("/persons/{person_id}")
def show_person(person_id: PersonId, request: Request, me: Viewer, db: SessionDep,
                hecho: str | None = None) -> Response:
    return person_page(request, db, me, _person_or_404(db, person_id), notice=NOTICES.get(hecho or ""))


@router.post("/persons/{person_id}/status")
def add_status(person_id: PersonId, request: Request, me: OperatorForm, db: SessionDep, settings: SettingsDep,
               status: Annotated[str, Form()] = "", location: Annotated[str, Form()] = "",
               source: Annotated[str, Form()] = "", verified_by: Annotated[str, Form()] = "",
               expected_version: Annotated[str, Form()] = "") -> Response:
    form = {"status": status, "location": location, "source": source, "verified_by": verified_by}
    problems = []
    if status not in STATUSES:
        problems.append("Elija un estado.")
    if status != "unconfirmed" and not source.strip():
        problems.append("Un estado verificado necesita su fuente (quién lo dijo, cuándo).")
    for label, value, limit in (("Lugar", location, 300), ("Fuente", source, 300), ("Verificado por", verified_by, 200)):
        if len(value.strip()) > limit:
            problems.append(f"{label}: máximo {limit} caracteres.")
        if problem := control_character_problem(label, value.strip()):
            problems.append(problem)
    version = int(expected_version) if expected_version.isdigit() else None
    person = persons.get_person(db, person_id)
    if person is None:
        raise HTTPException(404, detail="el registro no existe")
    if problems:
        return person_page(request, db, me, person, status_code=422, error=" ".join(problems), form=form)
    db.refresh(person, with_for_update=True)
    report = NewReport(status=status, location=location.strip() or None, source=source.strip() or None,
                       verified_by=verified_by.strip() or me.username)
    try:
        result = status_review.propose_status(db, person, report, settings, user=me.user, expected_version=version)
    except StaleVersion as exc:
        db.rollback()
        return person_page(request, db, me, _person_or_404(db, person_id), status_code=409, form=form,
                           error=f"Otra persona registró un estado mientras usted escribía (versión {exc.actual}). "
                           "Revise el historial y vuelva a enviar si procede.")
    except OperatorError as exc:
        db.rollback()
        return person_page(request, db, me, _person_or_404(db, person_id), status_code=409, error=exc.words(SPANISH), form=form)
    db.commit()
    done = "propuesto" if isinstance(result, PendingStatusReport) else "registrado"
    assert isinstance(result, PendingStatusReport | StatusReport)
    return RedirectResponse(f"/console/persons/{person_id}?hecho={done}", status_code=303)


def _pending_or_404(db: Session, pending_id: int) -> PendingStatusReport:
    pending = db.get(PendingStatusReport, pending_id)
    if pending is None:
        raise HTTPException(404, detail="la propuesta no existe")
    return pending


@router.post("/pending/{pending_id}/confirm")
def confirm(pending_id: PendingId, request: Request, me: OperatorForm, db: SessionDep,
            settings: SettingsDep) -> Response:
    person_id = _pending_or_404(db, pending_id).person_id
    try:
        status_review.confirm_pending(db, pending_id, settings, user=me.user)
    except OperatorError as exc:
        db.rollback()
        return person_page(request, db, me, _person_or_404(db, person_id), status_code=409, error=exc.words(SPANISH))
    db.commit()
    return RedirectResponse(f"/console/persons/{person_id}?hecho=confirmado", status_code=303)


@router.post("/pending/{pending_id}/reject")
def reject(pending_id: PendingId, request: Request, me: OperatorForm, db: SessionDep,
           note: Annotated[str, Form()] = "") -> Response:
    person_id = _pending_or_404(db, pending_id).person_id
    if problem := control_character_problem("Motivo", note, multiline=True):
        return person_page(request, db, me, _person_or_404(db, person_id), status_code=422, error=problem)
    try:
        status_review.reject_pending(db, pending_id, user=me.user, note=note)
    except OperatorError as exc:
        db.rollback()
        return person_page(request, db, me, _person_or_404(db, person_id), status_code=409, error=exc.words(SPANISH))
    db.commit()
    return RedirectResponse(f"/console/persons/{person_id}?hecho=rechazado", status_code=303)


def _attempt_contacts(db: Session, person_id: int) -> dict[int, str]:
    """Each failed proof's contact, masked: enough to tell contacts apart, never the number."""
    contacts = {}
    for attempt in proof_attempts.for_person(db, person_id):
        conversation = db.get(Conversation, attempt.conversation_id) if attempt.conversation_id else None
        contacts[attempt.id] = mask_address(conversation.channel, conversation.address) if conversation else "—"
    return contacts


@router.post("/persons/{person_id}/proof-lock/clear")
def clear_proof_lock(person_id: PersonId, me: OperatorForm, db: SessionDep) -> Response:
    """Rule 6 of SPEC 5: an operator clears a person's proof lock (audited)."""
    proof_lock.clear(db, _person_or_404(db, person_id), actor=me.actor)
    db.commit()
    return RedirectResponse(f"/console/persons/{person_id}?hecho=desbloqueado", status_code=303)
