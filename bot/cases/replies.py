"""Faster replies: canned replies with the case's variables, and internal notes.

Variables a canned reply may use: ``{referencia}`` (the case's reference) and ``{nombre}`` (the
sought person's name as the relative wrote it). Never the record's name: a reply must not tell the
relative how the list spells a name before the disclosure policy has spoken. Internal notes are for
the team: they are stored and audited, and nothing ever sends them.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import CannedReply, Case, CaseNote
from db.repositories import audit
from db.repositories import replies as repo

VARIABLES = {"referencia": "la referencia del caso", "nombre": "el nombre de la persona buscada, como lo escribió el familiar"}
_VARIABLE = re.compile(r"\{([^{}]*)\}")
MAX_TITLE, MAX_BODY, MAX_NOTE = 100, 1600, 4000


class ReplyError(Exception):
    """Refused, with a Spanish sentence for the page."""


def unknown_variables(body: str) -> list[str]:
    return [name for name in _VARIABLE.findall(body) if name not in VARIABLES]


def fill(body: str, case: Case, details: dict[str, Any]) -> str:
    """The reply with the case's values; a name the relative never gave reads "la persona que busca"."""
    name = details.get("name") if isinstance(details.get("name"), str) else None
    values = {"referencia": case.reference, "nombre": (name or "").strip() or "la persona que busca"}
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def canned_replies(session: Session) -> list[CannedReply]:
    return repo.canned_replies(session)


def save_canned(session: Session, *, reply_id: int | None, title: str, body: str, actor: str) -> CannedReply:
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise ReplyError("Escriba el título y el texto de la respuesta.")
    if len(title) > MAX_TITLE or len(body) > MAX_BODY:
        raise ReplyError(f"El título admite {MAX_TITLE} caracteres y el texto {MAX_BODY}.")
    if bad := unknown_variables(body):
        known = ", ".join("{" + v + "}" for v in VARIABLES)
        raise ReplyError(f"Variable desconocida: {{{bad[0]}}}. Se pueden usar {known}.")
    clash = repo.canned_by_title(session, title)
    if clash is not None and clash.id != reply_id:
        raise ReplyError(f"Ya hay una respuesta con el título «{title}».")
    reply = repo.get_canned(session, reply_id) if reply_id is not None else None
    if reply_id is not None and reply is None:
        raise ReplyError("La respuesta ya no existe.")
    if reply is None:
        reply = repo.add_canned(session, title=title, body=body, updated_by=actor)
    else:
        reply.title, reply.body, reply.updated_by, reply.updated_at = title, body, actor, utcnow()
    session.flush()
    audit.record(session, actor=actor, action="canned_reply_saved", subject_type="canned_reply",
                 subject_id=reply.id, details={"title": title, "body": body})
    return reply


def delete_canned(session: Session, reply_id: int, *, actor: str) -> None:
    reply = repo.get_canned(session, reply_id)
    if reply is None:
        return
    audit.record(session, actor=actor, action="canned_reply_deleted", subject_type="canned_reply",
                 subject_id=reply_id, details={"title": reply.title})
    repo.delete_canned(session, reply)


def add_note(session: Session, case: Case, text: str, *, actor: str) -> CaseNote:
    text = text.strip()
    if not text:
        raise ReplyError("Escriba la nota.")
    if len(text) > MAX_NOTE:
        raise ReplyError(f"La nota es demasiado larga (máximo {MAX_NOTE} caracteres).")
    note = repo.add_note(session, case.id, author=actor, text=text)
    audit.record(session, actor=actor, action="internal_note", subject_type="case", subject_id=case.id,
                 details={"note_id": note.id, "text": text})
    return note


def notes_of(session: Session, case_id: int) -> list[CaseNote]:
    return repo.notes_of(session, case_id)
