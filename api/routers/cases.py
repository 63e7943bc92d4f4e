"""Cases (escalations) and what an operator does with them (``/api/v1/cases``): reply to the relative,
link the case to a record (the bot's policy then answers, or says why not), record that a death
notification was made by phone, resolve. The console calls the same services (bot/cases/).

Who works a case: a token of a console user takes it (from a colleague only deliberately, with
``take_over``) and anyone with an operator token assigns it to a colleague or reopens it, as the
console does (bot/cases/work.py). An integration's token holds no case: it assigns.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy.orm import Session

from api.deps import OperatorToken, SessionDep, SettingsDep, ViewerToken, actor_of
from api.errors import ApiError
from api.routers.params import CaseId, Limit, NoControlChars, Offset
from api.schemas import (
    AssignIn,
    CaseOut,
    CasePage,
    CasePriority,
    CaseStatus,
    LinkIn,
    LinkOut,
    NoteIn,
    ReplyIn,
    ReplyQueued,
    TakeIn,
    WhatsAppWindowOut,
    error_responses,
)
from bot.cases import linking
from bot.cases import opening as case_service
from bot.cases import work as case_work
from bot.cases.refusals import CaseRefusal, CaseRefused
from bot.whatsapp_window import WindowRules, window_state
from common.vocab import CaseReason
from db.models import ApiToken, Case, Person, User
from db.repositories import case_search, cases

router = APIRouter(prefix="/api/v1", tags=["cases"], responses=error_responses(401, 403, 422))

# Why an action on a case is refused, in this API's language (the console words the same codes in
# Spanish, api/console/cases.py).
REFUSALS: dict[CaseRefusal, str] = {
    CaseRefusal.CLOSED: "the case is resolved: reopen it first",
    CaseRefusal.ALREADY_CLOSED: "the case is already resolved",
    CaseRefusal.NOT_CLOSED: "the case is not resolved",
    CaseRefusal.NO_CONVERSATION: "the case has no conversation to reply to",
    CaseRefusal.OPTED_OUT: "the relative has opted out of messages",
    CaseRefusal.VOICE_LINE: "the relative called the voice line: call them back on their number",
    CaseRefusal.DEATH_NOT_NOTIFIED: "this is a death notification case: a trained person must call the family "
                                    "and record the death notification first",
    CaseRefusal.DEATH_ALREADY_NOTIFIED: "the death notification is already recorded",
    CaseRefusal.DEATH_NOTE_REQUIRED: "say who called, whom, and what was said",
    CaseRefusal.RESOLUTION_NOTE_REQUIRED: "a closing note is required",
    CaseRefusal.REOPEN_REASON_REQUIRED: "say why the case is reopened",
    CaseRefusal.HELD_BY_OTHER: "the case is assigned to {holder}: send take_over to take it over ({holder} is "
                               "told on the console)",
    CaseRefusal.ALREADY_ASSIGNED: "the case is already assigned to {colleague}",
    CaseRefusal.NOT_ASSIGNABLE: "a case is assigned only to an active operator or admin",
}


# What linking a case to a record did (``LinkOut.explanation``): ``LinkOutcome`` codes and the policy's
# reasons (``CaseReason``) for not telling; the console words them in Spanish (api/console/cases.py).
LINK_EXPLANATIONS: dict[str, str] = {
    linking.LinkOutcome.DISCLOSED: "the verified information was sent to the relative",
    linking.LinkOutcome.NO_CONVERSATION: "the case has no conversation: there is nobody to answer",
    linking.LinkOutcome.OPTED_OUT: "the relative has opted out of messages",
    linking.LinkOutcome.VOICE_LINE: "the relative called the voice line and cannot be written to: call them to "
                                      "give the verified information",
    CaseReason.NO_MATCH: "the record does not match the name the relative gave",
    CaseReason.AMBIGUOUS: "the relative's details do not tell this record from another",
    CaseReason.CONFLICTING_DETAILS: "the relative's details (birth date, age or nationality) do not match the "
                                    "record, or are not enough to confirm they know the person",
    CaseReason.RESTRICTED: "the record is restricted: the bot never tells it",
    CaseReason.ABUSE_LIMIT: "the contact is over their lookup limit",
    CaseReason.DEATH_NOTIFICATION: "the record states a death: a trained person must call the family and record "
                                   "the notification before any other message",
    CaseReason.UNCONFIRMED: "the record's status is not verified (unconfirmed, or without a source)",
    CaseReason.NO_PROOF: "the relative did not give the person's birth date (or, when the record has none, their "
                         "age and nationality): they have not shown that they know the person",
    CaseReason.PROOF_ATTEMPTS: "the person is locked after failed proofs from several contacts: review the "
                               "attempts and clear the lock on the person's record before telling",
}


def _conflict(refusal: CaseRefused) -> ApiError:
    """The 409 of a refused case action: the refusal's code (``CaseRefusal``), its words in English."""
    return ApiError(status.HTTP_409_CONFLICT, refusal.code, refusal.words(REFUSALS))


def case_out(case: Case, assignee: str | None) -> CaseOut:
    return CaseOut(
        id=case.id,
        reference=case.reference,
        priority=case.priority,
        reason=case.reason,
        status=case.status,
        channel=case.channel,
        person_id=case.person_id,
        assignee_id=case.assignee_id,
        assignee=assignee,
        created_at=case.created_at,
        updated_at=case.updated_at,
        last_contact_at=case.last_contact_at,
        next_followup_at=case.next_followup_at,
        resolved_at=case.resolved_at,
        resolution=case.resolution,
    )


def _case_or_404(session: Session, case_id: int) -> Case:
    found = cases.get_case(session, case_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no case with id {case_id}")
    return found


@router.get("/cases", response_model=CasePage)
def list_cases(
    session: SessionDep,
    _: ViewerToken,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    priority: CasePriority | None = None,
    q: Annotated[str | None, Query(max_length=100, description=(
        "find cases, open and resolved: a reference (JRZ-4F7K), a contact (the whole number or at least its "
        "last 4 digits) or the sought person's name")), NoControlChars] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CasePage:
    """Cases in queue order: urgent first, then oldest. Viewer or more."""
    if q:
        # A search spans open and resolved cases, urgent first, then the longest without contact.
        rows, total = case_search.find_cases(session, q=q, view="all", status=status_, priority=priority,
                                             limit=limit, offset=offset)
    else:
        rows, total = cases.list_cases(session, status=status_, priority=priority, limit=limit, offset=offset)
    names = cases.assignee_names(session, rows)
    items = [case_out(c, names.get(c.assignee_id) if c.assignee_id else None) for c in rows]
    return CasePage(items=items, total=total, limit=limit, offset=offset)


@router.get("/cases/{case_id}", response_model=CaseOut, responses=error_responses(404))
def get_case(case_id: CaseId, session: SessionDep, settings: SettingsDep, _: ViewerToken) -> CaseOut:
    """One case, with its WhatsApp window when the relative writes on WhatsApp. Viewer or more."""
    found = _case_or_404(session, case_id)
    names = cases.assignee_names(session, [found])
    out = case_out(found, names.get(found.assignee_id) if found.assignee_id else None)
    state = window_state(session, found.conversation, WindowRules.from_settings(settings)) if found.conversation else None
    if state is not None:
        out.whatsapp = WhatsAppWindowOut(**dataclasses.asdict(state))
    return out


@router.post(
    "/cases/{case_id}/replies",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReplyQueued,
    responses=error_responses(400, 404, 409, 413, e409="the case is resolved, has no conversation, the relative "
                              "opted out, or a death notification must first be made by phone and recorded"),
)
def reply_to_case(case_id: CaseId, body: ReplyIn, session: SessionDep, token: OperatorToken) -> ReplyQueued:
    """Queue an operator's reply to the relative, on the relative's own channel. Operator or admin."""
    found = _case_or_404(session, case_id)
    try:
        message = case_service.queue_operator_reply(session, found, body.text, actor=actor_of(token))
    except CaseRefused as exc:
        raise _conflict(exc) from exc
    return ReplyQueued(outbound_id=message.id, case_id=found.id, status=message.status)


def _case_out(session: Session, case: Case) -> CaseOut:
    names = cases.assignee_names(session, [case])
    return case_out(case, names.get(case.assignee_id) if case.assignee_id else None)


_REFUSED = error_responses(400, 404, 409, 413,
                           e409="the action does not fit the case's state; the reason is in `detail`, its "
                                "code (`bot/cases/refusals.py` `CaseRefusal`) in `code`")


@router.post("/cases/{case_id}/link", response_model=LinkOut, responses=_REFUSED)
def link_case(case_id: CaseId, body: LinkIn, session: SessionDep, settings: SettingsDep,
              token: OperatorToken) -> LinkOut:
    """Link the case to a person's record; the bot tells the relative if the disclosure policy allows.
    Operator or admin."""
    found = _case_or_404(session, case_id)
    person = session.get(Person, body.person_id)
    if person is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no person with id {body.person_id}")
    try:
        result = linking.link_case(session, found, person, settings, actor=actor_of(token))
    except CaseRefused as exc:
        raise _conflict(exc) from exc
    return LinkOut(disclosed=result.disclosed, code=str(result.code),
                   explanation=LINK_EXPLANATIONS.get(result.code, result.code),
                   case=_case_out(session, found))


@router.post("/cases/{case_id}/death-notification", response_model=CaseOut, responses=_REFUSED)
def record_death_notification(case_id: CaseId, body: NoteIn, session: SessionDep, token: OperatorToken) -> CaseOut:
    """Record that a trained person told the family of the death by phone (who called, whom, what).
    Operator or admin."""
    found = _case_or_404(session, case_id)
    try:
        linking.record_death_notification(session, found, actor=actor_of(token), note=body.note)
    except CaseRefused as exc:
        raise _conflict(exc) from exc
    return _case_out(session, found)


@router.post("/cases/{case_id}/resolve", response_model=CaseOut, responses=_REFUSED)
def resolve_case(case_id: CaseId, body: NoteIn, session: SessionDep, token: OperatorToken) -> CaseOut:
    """Close the case with a note (a death notification case only after the call is recorded). Operator
    or admin."""
    found = _case_or_404(session, case_id)
    try:
        linking.resolve_case(session, found, actor=actor_of(token), note=body.note)
    except CaseRefused as exc:
        raise _conflict(exc) from exc
    return _case_out(session, found)


def _locked_case_or_404(session: Session, case_id: int) -> Case:
    """The case, locked for this transaction: two operators acting at once are serialised."""
    found = session.get(Case, case_id, with_for_update=True)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no case with id {case_id}")
    return found


def _token_user(session: Session, token: ApiToken) -> User | None:
    user = session.get(User, token.user_id) if token.user_id is not None else None
    return user if user is not None and user.active else None


@router.post("/cases/{case_id}/take", response_model=CaseOut, responses=error_responses(
    400, 404, 409, 413, e409="the case is resolved, another operator holds it (`detail` names them; send "
    "`take_over`; `code` `held_by_other`), or the token belongs to an integration, which holds no case (assign "
    "instead; `integration_token`)"))
def take_case(case_id: CaseId, body: TakeIn, session: SessionDep, token: OperatorToken) -> CaseOut:
    """Take the case: the token's user holds it from now on. Operator or admin, a console user's token."""
    found = _locked_case_or_404(session, case_id)
    user = _token_user(session, token)
    if user is None:
        raise ApiError(status.HTTP_409_CONFLICT, "integration_token", (
            "this token belongs to an integration, not to a console user: it cannot hold a case; "
            "assign it to a colleague with POST /api/v1/cases/{id}/assign"))
    try:
        case_work.take(session, found, user, take_over=body.take_over, actor=actor_of(token))
    except CaseRefused as exc:
        raise _conflict(exc) from exc
    return _case_out(session, found)


@router.post("/cases/{case_id}/assign", response_model=CaseOut, responses=error_responses(
    400, 404, 409, 413, e404="no such case, or no such user",
    e409="the case is resolved, already assigned to that colleague, or the colleague is not an active "
    "operator or admin"))
def assign_case(case_id: CaseId, body: AssignIn, session: SessionDep, token: OperatorToken) -> CaseOut:
    """Assign the case to a colleague; they are told on the console, and so is the previous holder.
    Operator or admin."""
    found = _locked_case_or_404(session, case_id)
    colleague = session.get(User, body.user_id)
    if colleague is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no user with id {body.user_id}")
    by = _token_user(session, token)
    label = None if by is not None else f"La integración «{token.integration or token.name}»"
    try:
        case_work.assign(session, found, colleague, by=by, actor=actor_of(token), by_label=label)
    except CaseRefused as exc:
        raise _conflict(exc) from exc
    return _case_out(session, found)


@router.post("/cases/{case_id}/reopen", response_model=CaseOut, responses=error_responses(
    400, 404, 409, 413, e409="the case is not resolved"))
def reopen_case(case_id: CaseId, body: NoteIn, session: SessionDep, settings: SettingsDep,
                token: OperatorToken) -> CaseOut:
    """Reopen a resolved case with the reason (audited); the relative hears from us again if nobody
    writes. Operator or admin."""
    found = _locked_case_or_404(session, case_id)
    try:
        case_work.reopen(session, found, actor=actor_of(token), note=body.note,
                         followup_interval_hours=settings.followup_interval_hours)
    except CaseRefused as exc:
        raise _conflict(exc) from exc
    return _case_out(session, found)
