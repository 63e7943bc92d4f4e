"""Read queries about cases (escalations): one case, the API's list, a conversation's latest
reference, assignees' names; a case's conversation, holder and the relative's inquiries. Writing
cases: db/repositories/case_store.py; the rules of an operator's reply: bot/cases/opening.py."""

from __future__ import annotations

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.vocab import URGENT_FIRST
from db.models import Case, Conversation, Inquiry, User

# The queue's order, for every query that lists cases (the console's queue and search, the API):
# urgent first (death notifications), then high, then normal (common/vocab.py); then the longest
# without contact ("time without contact" runs from the last message to the relative, or from the
# opening).
URGENT_FIRST_SQL = sql_case({p.value: i for i, p in enumerate(URGENT_FIRST)}, value=Case.priority,
                            else_=len(URGENT_FIRST))
SILENT_SINCE = func.coalesce(Case.last_contact_at, Case.created_at)


def get_case(session: Session, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def list_cases(
    session: Session,
    *,
    status: str | None = None,
    priority: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Case], int]:
    """A page of cases in queue order (urgent first, then oldest) and the total count."""
    conditions = []
    if status is not None:
        conditions.append(Case.status == status)
    if priority is not None:
        conditions.append(Case.priority == priority)
    total = session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0
    rows = session.scalars(
        select(Case)
        .where(*conditions)
        .order_by(URGENT_FIRST_SQL, Case.created_at, Case.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def latest_reference(session: Session, conversation_id: int) -> str | None:
    """The reference of this conversation's newest case, an open one first (what a WhatsApp
    template names, bot/whatsapp_window.py)."""
    return session.scalar(
        select(Case.reference).where(Case.conversation_id == conversation_id)
        .order_by(sql_case((Case.status == "resolved", 1), else_=0), Case.id.desc()).limit(1)
    )


def assignee_names(session: Session, cases: list[Case]) -> dict[int, str]:
    ids = {c.assignee_id for c in cases if c.assignee_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).tuples().all())


def conversation_of(session: Session, case: Case) -> Conversation | None:
    """The relative's conversation (None once purged, or for a case opened without one)."""
    return session.get(Conversation, case.conversation_id) if case.conversation_id else None


def holder_of(session: Session, case: Case) -> User | None:
    """The user the case is assigned to."""
    return session.get(User, case.assignee_id) if case.assignee_id is not None else None


def get_inquiry(session: Session, inquiry_id: int) -> Inquiry | None:
    return session.get(Inquiry, inquiry_id)


def latest_inquiry_about(session: Session, conversation_id: int, person_id: int) -> Inquiry | None:
    """The conversation's newest inquiry matched to ``person_id``."""
    return session.scalars(
        select(Inquiry).where(Inquiry.conversation_id == conversation_id, Inquiry.person_id == person_id)
        .order_by(Inquiry.id.desc())
    ).first()


def recent_inquiries(session: Session, conversation_id: int, limit: int = 50) -> list[Inquiry]:
    """The conversation's newest inquiries, newest first."""
    return list(session.scalars(select(Inquiry).where(Inquiry.conversation_id == conversation_id)
                                .order_by(Inquiry.id.desc()).limit(limit)))
