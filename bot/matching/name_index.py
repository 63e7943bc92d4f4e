"""Keeping the name index in step with persons' names.

Every writer of persons gets this for free through two ORM events registered when this module is
imported (``bot.matching.search`` imports it): before a flush, a new or renamed person gets its
search keys (``person_keys``) set; after the flush, its rows in ``person_name_keys`` are replaced
and new tokens are added to ``name_variants``. Code that writes persons with Core statements or
COPY (bulk imports, the benchmark) calls ``bulk_index_names`` with the new rows instead, in the
same transaction. ``reindex_all`` rebuilds everything (the data migration uses it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, event, inspect
from sqlalchemy.orm import Session

from bot.matching.keys import name_index_keys, person_keys, phonetic_tokens, token_variants
from db.models import Person
from db.repositories import name_index as repo

_NAME_FIELDS = ("given_names", "surnames")


def index_rows(given_names: str, surnames: str) -> tuple[set[str], int, set[tuple[str, str]]]:
    """The index keys of one person, the number of words of their name, and the (variant, token)
    rows of its tokens."""
    keys = name_index_keys(given_names, surnames)
    size = len(phonetic_tokens(given_names)) + len(phonetic_tokens(surnames))
    tokens = {k for k in keys if " " not in k}
    return keys, min(size, 255), {(v, t) for t in tokens for v in token_variants(t)}


def bulk_index_names(
    db: Session | Connection, rows: Iterable[tuple[int, str, str]], *, replace: bool = False
) -> None:
    """Index (person_id, given_names, surnames) rows. ``replace`` first drops the persons' old keys
    (renamed persons); without it the persons must have no keys yet (a bulk insert)."""
    keys_by_person: dict[int, tuple[set[str], int]] = {}
    variants: set[tuple[str, str]] = set()
    for person_id, given, surnames in rows:
        keys, size, person_variants = index_rows(given, surnames)
        keys_by_person[person_id] = (keys, size)
        variants |= person_variants
    if replace:
        repo.replace_person_keys(db, keys_by_person)
    else:
        repo.add_person_keys(db, ((pid, k, size) for pid, (keys, size) in keys_by_person.items() for k in keys))
    repo.add_variants(db, variants)


def index_person_names(session: Session, persons: Iterable[Person]) -> None:
    """(Re)index these persons (already flushed, so they have ids). Idempotent."""
    rows = [(p.id, p.given_names or "", p.surnames or "") for p in persons]
    if rows:
        bulk_index_names(session, rows, replace=True)


def reindex_all(db: Session | Connection, batch: int = 5000) -> int:
    """Rebuild the name index of every person; the number of persons indexed."""
    after, done = 0, 0
    while rows := repo.person_names(db, after, batch):
        bulk_index_names(db, rows, replace=True)
        after, done = rows[-1][0], done + len(rows)
    return done


def _renamed(person: Person) -> bool:
    state = inspect(person)
    return state.pending or any(state.attrs[f].history.has_changes() for f in _NAME_FIELDS)


@event.listens_for(Session, "before_flush")
def _set_person_keys(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Person) and _renamed(obj):
            for field, value in person_keys(obj.given_names or "", obj.surnames or "").items():
                setattr(obj, field, value)
            session.info.setdefault("_persons_to_index", set()).add(obj)


@event.listens_for(Session, "after_flush")
def _index_flushed_persons(session: Session, _context: Any) -> None:
    pending: set[Person] = session.info.pop("_persons_to_index", set())
    if pending:
        index_person_names(session, [p for p in pending if p.id is not None])
