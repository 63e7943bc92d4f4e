"""A case page (transcript, the relative's details, candidate records) and the operator's actions.

Every action calls the same service as the JSON API (bot.cases.opening, bot.cases.work, bot.cases.linking); the
console only words their coded refusals (bot/cases/refusals.py) in Spanish on the page. Showing the page is audited
(``case_viewed``, with the ids of the person records shown).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.console.format import shown_transcript
from api.console.security import Operator, OperatorForm, Viewer, render
from api.console.text_input import control_character_problem
from api.deps import SessionDep, SettingsDep
from bot import whatsapp_window
from bot.cases import calls, linking, replies
from bot.cases import opening as case_service
from bot.cases import work as case_work
from bot.cases.refusals import CaseRefusal, CaseRefused
from bot.matching.search import search_persons
from common.vocab import CaseReason
from db.models import CannedReply, Case, Conversation, Person, User
from db.repositories import audit, case_search, persons
from db.repositories import console as repo

router = APIRouter()

CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_REPLY = 1600  # one SMS concatenation limit; Telegram allows more, but replies stay readable

NOTICES = {
    "tomado": "Caso asignado a usted.",
    "asignado": "Caso asignado a su colega (recibe un aviso en la consola).",
    "reabierto": "Caso reabierto.",
    "nota": "Nota interna guardada (no se envía al familiar).",
    "respuesta": "Respuesta en cola: sale por el canal del familiar en unos segundos.",
    "notificacion": "Notificación de fallecimiento registrada.",
    "resuelto": "Caso resuelto.",
    "llamada": "Llamada en curso: Twilio llama primero a su teléfono; al contestar, le comunica con la familia "
               "desde el número de la línea. El resultado aparece en «Llamadas».",
}
# Why an action on a case is refused, as operators read it (the API has its own words, in English).
REFUSALS: dict[CaseRefusal, str] = {
    CaseRefusal.CLOSED: "el caso está cerrado",
    CaseRefusal.ALREADY_CLOSED: "el caso ya está cerrado",
    CaseRefusal.NOT_CLOSED: "El caso no está cerrado.",
    CaseRefusal.NO_CONVERSATION: "El caso no tiene conversación: no hay a quién responder.",
    CaseRefusal.OPTED_OUT: "El familiar pidió no recibir mensajes (BAJA): no se le puede escribir.",
    CaseRefusal.VOICE_LINE: "El familiar llamó a la línea de voz: no se le puede escribir. Llámele a su número.",
    CaseRefusal.DEATH_NOT_NOTIFIED: "registre primero la notificación de fallecimiento hecha por teléfono",
    CaseRefusal.DEATH_ALREADY_NOTIFIED: "la notificación ya está registrada",
    CaseRefusal.DEATH_NOTE_REQUIRED: "indique quién llamó, a quién y qué se dijo",
    CaseRefusal.RESOLUTION_NOTE_REQUIRED: "escriba una nota de cierre",
    CaseRefusal.REOPEN_REASON_REQUIRED: "Escriba por qué se reabre el caso.",
    CaseRefusal.HELD_BY_OTHER: "El caso lo tiene asignado {holder}. Para hacerse cargo, use «Tomar el caso de todos "
                               "modos» ({holder} recibirá un aviso).",
    CaseRefusal.ALREADY_ASSIGNED: "El caso ya está asignado a {colleague}.",
    CaseRefusal.NOT_ASSIGNABLE: "Solo se puede asignar a un operador o administrador activo.",
}
# What one action says differently from the catalogue above.
DEATH_FIRST = ("Registre primero la notificación de fallecimiento hecha por teléfono: una persona capacitada debe "
               "llamar a la familia antes de cualquier mensaje escrito.")
REPLY_REFUSALS = {CaseRefusal.CLOSED: "El caso está cerrado: no se puede responder.",
                  CaseRefusal.DEATH_NOT_NOTIFIED: DEATH_FIRST}
TAKE_REFUSALS = {CaseRefusal.CLOSED: "El caso está cerrado: reábralo antes de tomarlo."}
ASSIGN_REFUSALS = {CaseRefusal.CLOSED: "El caso está cerrado: reábralo antes de asignarlo."}
# What linking a case to a record did, or why the policy did not let it be told, in words an operator
# can act on (the API has its own words, in English).
LINK_EXPLANATIONS: dict[str, str] = {
    linking.LinkOutcome.DISCLOSED: "Se envió al familiar la información verificada.",
    linking.LinkOutcome.NO_CONVERSATION: "El caso no tiene conversación: no hay a quién responder.",
    linking.LinkOutcome.OPTED_OUT: "El familiar pidió no recibir mensajes (BAJA).",
    linking.LinkOutcome.VOICE_LINE: "El familiar llamó a la línea de voz: el asistente no puede escribirle. "
                                      "Llámele para darle la información verificada.",
    CaseReason.NO_MATCH: "El registro no coincide con el nombre dado por el familiar.",
    CaseReason.AMBIGUOUS: "Los datos del familiar no distinguen este registro de otro.",
    CaseReason.CONFLICTING_DETAILS: "Los datos del familiar (fecha de nacimiento, edad o nacionalidad) no coinciden "
                                    "con el registro, o no bastan para confirmar que conoce a la persona.",
    CaseReason.RESTRICTED: "El registro es restringido: el asistente nunca lo comunica.",
    CaseReason.ABUSE_LIMIT: "El contacto superó su límite de consultas.",
    CaseReason.DEATH_NOTIFICATION: "El registro indica fallecimiento: una persona capacitada debe llamar a la familia "
                                   "y registrar la notificación antes de cualquier otro mensaje.",
    CaseReason.UNCONFIRMED: "El estado del registro no está verificado (sin confirmar o sin fuente).",
    CaseReason.NO_PROOF: "El familiar no dio la fecha de nacimiento de la persona (o, si el registro no la tiene, su "
                         "edad y nacionalidad): no ha mostrado que la conoce.",
    CaseReason.PROOF_ATTEMPTS: "La persona está bloqueada por intentos fallidos de prueba desde varios contactos: "
                               "revise los intentos y quite el bloqueo en la ficha de la persona antes de informar.",
}


def _case_or_404(db: Session, case_id: int, *, lock: bool = False) -> Case:
    case = db.get(Case, case_id, with_for_update=lock)
    if case is None:
        raise HTTPException(404, detail="el caso no existe")
    return case


def _sought_name(opened: dict[str, Any], state: dict[str, Any]) -> str | None:
    for details in (opened, state):
        name = details.get("name")
        if isinstance(name, str) and name.strip():
            return name
    return None


def case_page(request: Request, db: Session, me: Operator, case: Case, *, status_code: int = 200,
              error: str | None = None, notice: str | None = None,
              link: linking.LinkResult | None = None, reply_text: str = "") -> Response:
    conversation = db.get(Conversation, case.conversation_id) if case.conversation_id else None
    state_details = dict(((conversation.state or {}).get("details") or {}) if conversation else {})
    opened = repo.case_opened_details(db, case.id)
    name = _sought_name(opened, state_details)
    candidates = search_persons(db, name, limit=8) if name else []
    linked = db.get(Person, case.person_id) if case.person_id else None
    shown = [c.person for c in candidates] + ([linked] if linked is not None else [])
    reports = persons.current_reports(db, shown)
    settings = request.app.state.settings
    call_number = calls.relative_number(db, case)
    judged, judged_source = linking.judged_details(db, case, conversation) if conversation else ({}, "opened")
    audit.record(db, actor=me.actor, action="case_viewed", subject_type="case", subject_id=case.id,
                 details={"person_ids": sorted({p.id for p in shown})})
    db.commit()  # the audit event is stored before the records leave
    return render(request, "console/case.html", {
        "case": case,
        "conversation": conversation,
        "transcript": shown_transcript(repo.transcript(db, conversation.id)) if conversation else [],
        "state_details": state_details,
        "opened_details": opened,
        "sought_name": name,
        "candidates": candidates,
        "linked": linked,
        "reports": reports,
        "assignee": repo.usernames(db, {case.assignee_id}).get(case.assignee_id) if case.assignee_id else None,
        "needs_death_notification": case.reason == "death_notification" and case.death_notified_at is None,
        "link": {"disclosed": link.disclosed, "explanation": LINK_EXPLANATIONS.get(link.code, link.code),
                 "text": link.text} if link is not None else None,
        "error": error,
        "notice": notice,
        "max_reply": MAX_REPLY,
        "calls": calls.calls_of(db, case.id),
        "call_outcomes": calls.OUTCOMES,
        "leg_labels": calls.LEG_LABELS,
        "call_duration": calls.duration_text,
        "mask_phone": calls.mask,
        "call_number": calls.mask(call_number) if call_number else None,
        "twilio_on": settings.twilio_enabled,
        "death_draft": calls.death_note_draft(db, case, settings.hotline_timezone),
        "judged_details": judged,
        "canned": replies.canned_replies(db),
        "reply_text": reply_text,
        "notes": replies.notes_of(db, case.id),
        "judged_source": judged_source,
        "whatsapp": whatsapp_window.window_state(db, conversation, whatsapp_window.WindowRules.from_settings(settings))
        if conversation else None,
        "history": case_search.contact_history(db, case),
        "held_by_other": bool(case.assignee_id and case.assignee_id != me.user_id),
        "colleagues": [u for u in repo.list_users(db) if u.active and u.role in ("operator", "admin")
                       and u.id != case.assignee_id],
    }, status_code=status_code)


@router.get("/cases/{case_id}")
def show_case(case_id: CaseId, request: Request, me: Viewer, db: SessionDep, hecho: str | None = None,
              plantilla: str | None = None) -> Response:
    """The case page; ``?plantilla=ID`` puts that canned reply, filled with the case's values, in the
    reply box (the operator reads and edits it before sending)."""
    case = _case_or_404(db, case_id)
    text = ""
    if plantilla and plantilla.isdigit() and 0 < int(plantilla) < 2**31:
        canned = db.get(CannedReply, int(plantilla))
        if canned is not None:
            conversation = db.get(Conversation, case.conversation_id) if case.conversation_id else None
            details = linking.judged_details(db, case, conversation)[0] if conversation else {}
            text = replies.fill(canned.body, case, details)
    return case_page(request, db, me, case, notice=NOTICES.get(hecho or ""), reply_text=text)


@router.post("/cases/{case_id}/note")
def note(case_id: CaseId, request: Request, me: OperatorForm, db: SessionDep,
         text: Annotated[str, Form()] = "") -> Response:
    """An internal note: for the team, never sent to the relative."""
    if problem := control_character_problem("Nota interna", text, multiline=True):
        return _refused(request, db, me, case_id, problem, 422)
    case = _case_or_404(db, case_id, lock=True)
    try:
        replies.add_note(db, case, text, actor=me.actor)
    except replies.ReplyError as exc:
        return _refused(request, db, me, case_id, str(exc), 422)
    db.commit()
    return RedirectResponse(f"/console/cases/{case.id}?hecho=nota#notes", status_code=303)


def _done(case: Case, key: str) -> Response:
    return RedirectResponse(f"/console/cases/{case.id}?hecho={key}", status_code=303)


def _refused(request: Request, db: Session, me: Operator, case_id: int, message: str, status_code: int = 409) -> Response:
    db.rollback()
    return case_page(request, db, me, _case_or_404(db, case_id), status_code=status_code, error=message)


def _case_refused(request: Request, db: Session, me: Operator, case_id: int, refusal: CaseRefused,
                  overrides: dict[CaseRefusal, str] | None = None) -> Response:
    return _refused(request, db, me, case_id, refusal.words(REFUSALS, overrides))


@router.post("/cases/{case_id}/take")
def take(case_id: CaseId, request: Request, me: OperatorForm, db: SessionDep,
         take_over: Annotated[str, Form()] = "") -> Response:
    """Take the case; from a colleague only with ``take_over=1`` (audited, the colleague is told)."""
    case = _case_or_404(db, case_id, lock=True)
    try:
        case_work.take(db, case, me.user, take_over=take_over == "1")
    except CaseRefused as exc:
        return _case_refused(request, db, me, case_id, exc, TAKE_REFUSALS)
    db.commit()
    return _done(case, "tomado")


@router.post("/cases/{case_id}/assign")
def assign(case_id: CaseId, request: Request, me: OperatorForm, db: SessionDep,
           user_id: Annotated[str, Form()] = "") -> Response:
    colleague = db.get(User, int(user_id)) if user_id.isdigit() and 0 < int(user_id) < 2**31 else None
    if colleague is None:
        return _refused(request, db, me, case_id, "Elija a un colega de la lista.", 422)
    case = _case_or_404(db, case_id, lock=True)
    try:
        case_work.assign(db, case, colleague, by=me.user)
    except CaseRefused as exc:
        return _case_refused(request, db, me, case_id, exc, ASSIGN_REFUSALS)
    db.commit()
    return _done(case, "asignado")


@router.post("/cases/{case_id}/reopen")
def reopen(case_id: CaseId, request: Request, me: OperatorForm, db: SessionDep, settings: SettingsDep,
           note: Annotated[str, Form()] = "") -> Response:
    if problem := control_character_problem("Motivo", note, multiline=True):
        return _refused(request, db, me, case_id, problem, 422)
    case = _case_or_404(db, case_id, lock=True)
    try:
        case_work.reopen(db, case, actor=me.actor, note=note,
                         followup_interval_hours=settings.followup_interval_hours)
    except CaseRefused as exc:
        return _case_refused(request, db, me, case_id, exc)
    db.commit()
    return _done(case, "reabierto")


def _held_elsewhere(request: Request, db: Session, me: Operator, case: Case) -> Response | None:
    """While a colleague holds the case, only they act on it from the console."""
    try:
        case_work.check_holder(db, case, me.user)
    except CaseRefused as exc:
        return _case_refused(request, db, me, case.id, exc)
    return None


@router.post("/cases/{case_id}/reply")
def reply(case_id: CaseId, request: Request, me: OperatorForm, db: SessionDep,
          text: Annotated[str, Form()] = "") -> Response:
    text = text.strip()
    if not text:
        return _refused(request, db, me, case_id, "Escriba el mensaje para el familiar.", 422)
    if problem := control_character_problem("Mensaje", text, multiline=True):
        return _refused(request, db, me, case_id, problem, 422)
    if len(text) > MAX_REPLY:
        too_long = f"El mensaje es demasiado largo ({len(text)} caracteres; máximo {MAX_REPLY})."
        return _refused(request, db, me, case_id, too_long, 422)
    case = _case_or_404(db, case_id, lock=True)
    if (held := _held_elsewhere(request, db, me, case)) is not None:
        return held
    try:
        case_service.queue_operator_reply(db, case, text, actor=me.actor)
    except CaseRefused as exc:
        return _case_refused(request, db, me, case_id, exc, REPLY_REFUSALS)
    db.commit()
    return _done(case, "respuesta")


@router.post("/cases/{case_id}/link")
def link(case_id: CaseId, request: Request, me: OperatorForm, db: SessionDep, settings: SettingsDep,
         person_id: Annotated[str, Form()] = "", person_id_manual: Annotated[str, Form()] = "") -> Response:
    chosen = (person_id_manual or person_id).strip()
    if not chosen.isdigit() or not 0 < int(chosen) < 2**31:
        return _refused(request, db, me, case_id, "Elija un registro de la lista o escriba el número de registro.", 422)
    person = db.get(Person, int(chosen))
    if person is None:
        return _refused(request, db, me, case_id, f"No existe el registro n.º {chosen}.", 422)
    case = _case_or_404(db, case_id, lock=True)
    if (held := _held_elsewhere(request, db, me, case)) is not None:
        return held
    try:
        result = linking.link_case(db, case, person, settings, actor=me.actor)
    except CaseRefused as exc:
        return _case_refused(request, db, me, case_id, exc)
    db.commit()
    return case_page(request, db, me, case, link=result)


@router.post("/cases/{case_id}/call")
def call(case_id: CaseId, request: Request, me: OperatorForm, db: SessionDep, settings: SettingsDep,
         operator_phone: Annotated[str, Form()] = "") -> Response:
    """"Llamar": Twilio rings the operator (the phone typed, or the account's), then the family."""
    if problem := control_character_problem("Teléfono", operator_phone):
        return _refused(request, db, me, case_id, problem, 422)
    if len(operator_phone) > 32:
        return _refused(request, db, me, case_id, "El teléfono es demasiado largo.", 422)
    case = _case_or_404(db, case_id)  # no lock: placing commits before asking Twilio (bot/cases/calls.py)
    if (held := _held_elsewhere(request, db, me, case)) is not None:
        return held
    try:
        calls.place_call(db, case, settings, actor=me.actor, user_id=me.user_id,
                         operator_phone=operator_phone.strip() or None)
    except calls.CallRefused as exc:
        return _refused(request, db, me, case_id, exc.words(calls.REFUSALS_ES))
    return _done(case, "llamada")


@router.post("/cases/{case_id}/death-notification")
def death_notification(case_id: CaseId, request: Request, me: OperatorForm, db: SessionDep,
                       note: Annotated[str, Form()] = "") -> Response:
    if problem := control_character_problem("Nota", note, multiline=True):
        return _refused(request, db, me, case_id, problem, 422)
    case = _case_or_404(db, case_id, lock=True)
    if (held := _held_elsewhere(request, db, me, case)) is not None:
        return held
    try:
        linking.record_death_notification(db, case, actor=me.actor, note=note)
    except CaseRefused as exc:
        return _case_refused(request, db, me, case_id, exc)
    db.commit()
    return _done(case, "notificacion")


@router.post("/cases/{case_id}/resolve")
def resolve(case_id: CaseId, request: Request, me: OperatorForm, db: SessionDep,
            note: Annotated[str, Form()] = "") -> Response:
    if problem := control_character_problem("Nota", note, multiline=True):
        return _refused(request, db, me, case_id, problem, 422)
    case = _case_or_404(db, case_id, lock=True)
    if (held := _held_elsewhere(request, db, me, case)) is not None:
        return held
    try:
        linking.resolve_case(db, case, actor=me.actor, note=note)
    except CaseRefused as exc:
        return _case_refused(request, db, me, case_id, exc)
    db.commit()
    return _done(case, "resuelto")
