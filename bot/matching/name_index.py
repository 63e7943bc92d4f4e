"""Keeping the name index in step with persons' names.

Every writer of persons gets this for free through two ORM events registered when this module is
imported (``bot.matching.search`` imports it): before a flush, a new or renamed person gets its
search keys (``person_keys``) set; after the flush, its rows in ``person_name_keys`` are replaced
and new tokens are added to ``name_variants``. Code that writes persons with Core statements or
COPY (bulk imports, the benchmark) calls ``bulk_index_names`` with the new rows instead, in the
same transaction (or ``bulk_index_keys`` with the keys they already computed: the roster importer
computes each person's keys once). ``reindex_all`` rebuilds everything (the data migration uses it).
"""

from __future__ import annotations

from collections.abc import Iterable, MutableSet, Sequence
from typing import Any, cast

from sqlalchemy import Connection, event, inspect
from sqlalchemy.orm import Session

from bot.matching.keys import NameKeys, name_keys, person_keys, token_variants
from db.models import Person
from db.repositories import name_index as repo

_NAME_FIELDS = ("given_names", "surnames")


def index_rows(given_names: str, surnames: str) -> tuple[set[str], int, set[tuple[str, str]]]:
    """The index keys of one person, the number of words of their name, and the (variant, token)
    rows of its tokens."""
    keys = name_keys(given_names, surnames)
    return set(keys.index_keys), keys.size, {(v, t) for t in keys.tokens for v in token_variants(t)}


def bulk_index_names(
    db: Session | Connection, rows: Iterable[tuple[int, str, str]], *, replace: bool = False
) -> None:
    """Index (person_id, given_names, surnames) rows. ``replace`` first drops the persons' old keys
    (renamed persons); without it the persons must have no keys yet (a bulk insert)."""
    bulk_index_keys(db, ((pid, name_keys(given, surnames)) for pid, given, surnames in rows), replace=replace)


def bulk_index_keys(
    db: Session | Connection,
    rows: Iterable[tuple[int, NameKeys]],
    *,
    replace: bool = False,
    known_tokens: MutableSet[str] | None = None,
    templates: Sequence[str | None] | None = None,
) -> None:
    """Index (person_id, keys) rows whose keys are already computed (``name_keys``). The variants
    are computed once per distinct token; tokens in ``known_tokens`` (those this caller already
    recorded) are skipped, and the new ones are added to it. ``templates``: the rows' index rows
    as ``key_rows_template`` built them (new persons on PostgreSQL), in the same order."""
    rows = list(rows)
    tokens: set[str] = set()
    for _, keys in rows:
        tokens |= keys.tokens
    if known_tokens is not None:
        tokens -= known_tokens
        known_tokens |= tokens
    if templates is not None and not replace and all(t is not None for t in templates):
        repo.add_person_key_templates(db, zip((pid for pid, _ in rows), cast(Sequence[str], templates), strict=True))
    elif replace:
        repo.replace_person_keys(db, {pid: (keys.index_keys, keys.size) for pid, keys in rows})
    else:
        repo.add_person_keys(db, ((pid, k, keys.size) for pid, keys in rows for k in keys.index_keys))
    repo.add_variants(db, ((v, t) for t in tokens for v in token_variants(t)))


def key_rows_template(keys: NameKeys) -> str | None:
    """A new person's index rows as COPY text, before its id is known (``bulk_index_keys``)."""
    return repo.key_rows_template(keys.index_keys, keys.size)


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
