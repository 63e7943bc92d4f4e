"""Finding cases: by reference, by the relative's contact (whole or its last digits) or by the
sought person's name, across open and resolved cases; and the console's views (mine, unassigned,
all open, resolved). One query for the console and ``GET /api/v1/cases?q=``."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from db.models import Case, Conversation, Person
from db.repositories.cases import SILENT_SINCE, URGENT_FIRST_SQL

VIEWS = ("mine", "unassigned", "open", "resolved", "all")
MIN_DIGITS = 4  # fewer trailing digits would match a large share of all numbers

_REFERENCE = re.compile(r"^[a-z]{1,8}-?[0-9a-z]{3,8}$", re.IGNORECASE)


def _fold(text: str) -> str:
    """Lower-case, no accents, words only: as bot.matching.keys.fold stores ``sought_name`` and
    ``Person.name_key`` (db must not import bot)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ñ", "n")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", stripped).split())


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def query_conditions(q: str) -> list[Any]:
    """What ``q`` may be, OR-ed: a reference, a contact's digits, a name's words."""
    text = q.strip()
    found: list[Any] = []
    if _REFERENCE.match(text):
        compact = text.upper()
        found.append(func.upper(Case.reference) == compact)
        if "-" not in compact and len(compact) > 3:
            found.append(func.replace(func.upper(Case.reference), "-", "") == compact)
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) >= MIN_DIGITS and not any(c.isalpha() for c in text):
        tail = "%" + _like_escape(digits)
        addresses = select(Conversation.id).where(Conversation.address.like(tail, escape="\\"))
        found.append(Case.conversation_id.in_(addresses))
        found.append(Case.callback_phone.like(tail, escape="\\"))
    words = _fold(text).split()
    if words and any(c.isalpha() for c in text):
        in_sought = and_(*(Case.sought_name.like(f"%{_like_escape(w)}%", escape="\\") for w in words))
        persons = select(Person.id).where(*(Person.name_key.like(f"%{_like_escape(w)}%", escape="\\")
                                            for w in words))
        found += [in_sought, Case.person_id.in_(persons)]
    return found


def find_cases(session: Session, *, q: str | None = None, view: str = "open", user_id: int | None = None,
               status: str | None = None, priority: str | None = None, limit: int = 50,
               offset: int = 0) -> tuple[list[Case], int]:
    """A page of cases and the total. Open views in queue order (urgent, then the longest without
    contact); ``resolved`` newest first; a search spans open and resolved cases unless a view narrows it."""
    conditions: list[Any] = []
    if q and q.strip():
        matches = query_conditions(q)
        if not matches:
            return [], 0
        conditions.append(or_(*matches))
    if view == "mine":
        conditions += [Case.assignee_id == user_id, Case.status != "resolved"]
    elif view == "unassigned":
        conditions += [Case.assignee_id.is_(None), Case.status != "resolved"]
    elif view == "open":
        conditions.append(Case.status != "resolved")
    elif view == "resolved":
        conditions.append(Case.status == "resolved")
    if status is not None:
        conditions.append(Case.status == status)
    if priority is not None:
        conditions.append(Case.priority == priority)
    total = int(session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0)
    order = ((Case.resolved_at.desc(), Case.id.desc()) if view == "resolved"
             else (URGENT_FIRST_SQL, SILENT_SINCE, Case.id))
    rows = session.scalars(select(Case).where(*conditions).order_by(*order).limit(limit).offset(offset))
    return list(rows), total


def contact_history(session: Session, case: Case, limit: int = 20) -> list[Case]:
    """The relative's other cases, newest first: the same conversation, the same number on another
    channel (SMS, WhatsApp, the voice line) or the number they gave for a call back."""
    conversation = session.get(Conversation, case.conversation_id) if case.conversation_id else None
    numbers: set[str] = set()
    if conversation is not None and conversation.channel in ("sms", "whatsapp", "voice"):
        numbers.add(conversation.address.removeprefix("whatsapp:"))
    if case.callback_phone:
        numbers.add(case.callback_phone)
    same: list[Any] = []
    if conversation is not None:
        same.append(Case.conversation_id == conversation.id)
    if numbers:
        addresses = [*numbers, *(f"whatsapp:{n}" for n in numbers)]
        same.append(Case.conversation_id.in_(select(Conversation.id).where(Conversation.address.in_(addresses))))
        same.append(Case.callback_phone.in_(numbers))
    if not same:
        return []
    return list(session.scalars(select(Case).where(or_(*same), Case.id != case.id)
                                .order_by(Case.id.desc()).limit(limit)))
