"""Queries on the name index (``person_name_keys``, ``name_variants``).

The keys themselves are computed by ``bot.matching`` (db/ knows nothing of phonetics): these
functions only store and look them up. They accept a Session or a Connection, so that the data
migration and bulk loaders can use them too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    SmallInteger,
    Table,
    bindparam,
    case,
    delete,
    func,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.bulk import copy_block, copy_plain_rows
from db.models import NameVariant, Person, PersonNameKey
from db.prepared import one_of

# Rows per INSERT statement: well under SQLite's 32,766 bound parameters.
_BATCH = 5000


def _dialect(db: Session | Connection) -> str:
    return db.get_bind().dialect.name if isinstance(db, Session) else db.dialect.name


def _insert_ignoring_duplicates(db: Session | Connection, table: type, rows: list[dict[str, object]]) -> None:
    module = postgresql if _dialect(db) == "postgresql" else sqlite
    for start in range(0, len(rows), _BATCH):
        stmt = module.insert(table).on_conflict_do_nothing()
        db.execute(stmt, rows[start : start + _BATCH])


def replace_person_keys(db: Session | Connection, keys_by_person: Mapping[int, tuple[Collection[str], int]]) -> None:
    """Make these persons' index keys exactly the given ones: {person_id: (keys, name_size)}."""
    forget_persons(db, list(keys_by_person))
    add_person_keys(db, ((pid, k, size) for pid, (keys, size) in keys_by_person.items() for k in keys))


def forget_persons(db: Session | Connection, person_ids: Collection[int]) -> None:
    """Delete these persons' index keys: whoever deletes persons calls it first (the name index
    has no foreign key to ``persons``, so nothing cascades; see ``PersonNameKey``)."""
    ids = list(person_ids)
    for start in range(0, len(ids), _BATCH):
        db.execute(delete(PersonNameKey).where(PersonNameKey.person_id.in_(ids[start : start + _BATCH])))


def add_person_keys(db: Session | Connection, rows: Iterable[tuple[int, str, int]]) -> None:
    """Insert (person_id, key, name_size) rows for persons that have none yet (bulk loads): COPY on
    PostgreSQL, the driver's executemany on SQLite (db/bulk.py; about seven rows per person, so a
    roster import writes millions)."""
    table: Table = PersonNameKey.__table__  # type: ignore[assignment]
    copy_plain_rows(db, table, ("index_key", "name_size", "person_id"), [(k, size, pid) for pid, k, size in rows])


# Stands for the person's id in a template of its index rows (a key never holds it: keys are folded).
_PERSON = "\x00"


def key_rows_template(keys: Iterable[str], size: int) -> str | None:
    """A person's index rows as COPY text with a mark where its id goes: built before the id is
    known (a roster import builds them on its reading thread). None when a key holds a character
    that COPY text would need escaped (never, for folded keys; then add_person_keys is the way)."""
    text = "".join(f"{key}\t{size}\t{_PERSON}\n" for key in keys)
    lines = text.count("\n")
    if text.count("\t") != 2 * lines or "\\" in text or "\r" in text or text.count(_PERSON) != lines:
        return None
    return text


def add_person_key_templates(db: Session | Connection, rows: Iterable[tuple[int, str]]) -> None:
    """Insert persons' index rows from ``key_rows_template`` (PostgreSQL: one COPY), in the order of
    the primary key: key and size, then the persons in the given order. Each insertion into the
    primary key then lands next to the previous one (the pages just read) instead of anywhere:
    about a fifth less of the server's CPU for these rows; grouping costs ~6 ms a batch of 5,000."""
    table: Table = PersonNameKey.__table__  # type: ignore[assignment]
    persons_by_key: dict[str, list[str]] = {}
    for person_id, template in rows:
        person = f"{person_id}\n"
        for key_and_size in template.split(_PERSON + "\n")[:-1]:  # "key\tsize\t"
            persons = persons_by_key.get(key_and_size)
            if persons is None:
                persons_by_key[key_and_size] = [person]
            else:
                persons.append(person)
    block = "".join(key + person for key in sorted(persons_by_key) for person in persons_by_key[key])
    if block:
        copy_block(db, table, ("index_key", "name_size", "person_id"), block, block.count("\n"))


def add_variants(db: Session | Connection, rows: Iterable[tuple[str, str]]) -> None:
    """Record (variant, token) rows; those already known are ignored."""
    unique = sorted(set(rows))
    if unique:
        _insert_ignoring_duplicates(db, NameVariant, [{"variant": v, "token": t} for v, t in unique])


def tokens_with_variants(db: Session | Connection, variants: Collection[str]) -> list[tuple[str, str]]:
    """The known (variant, token) rows for any of these variants."""
    if not variants:
        return []
    stmt = _variants_statement(_dialect(db))
    return [(v, t) for v, t in db.execute(stmt, {"variants": sorted(variants)})]


@lru_cache(maxsize=4)
def _variants_statement(dialect: str) -> Select[str, str]:
    # Built once per dialect (parameter: variants): building a statement costs about as much as
    # running it on the index.
    return select(NameVariant.variant, NameVariant.token).where(
        one_of(dialect, NameVariant.variant, "variants"))


def ranked_persons(
    session: Session,
    keys: Collection[str],
    *,
    preferred: Collection[str] = (),
    size: int,
    limit: int,
    incident_id: int | None = None,
) -> list[Person]:
    """The persons indexed under the most of ``keys``, most first (one round trip).

    A key in ``preferred`` (built from the words exactly as written) counts twice, one found
    through a neighbouring spelling once: among many persons who share a common pair, the one
    named exactly comes first; among equals, those whose name has as many words as the query
    (``size``). The ranking reads only the index rows of these keys.
    """
    if not keys:
        return []
    # Every key preferred (the first pass) ranks as no key preferred: all count the same, and the
    # database is spared a comparison per index row.
    weighted = bool(preferred) and not set(keys) <= set(preferred)
    stmt = _ranked_statement(_dialect(session), weighted, incident_id is not None)
    parameters: dict[str, Any] = {"keys": sorted(keys), "size": size, "limit": limit}
    if weighted:
        parameters["preferred"] = sorted(preferred)
    if incident_id is not None:
        parameters["incident_id"] = incident_id
    return list(session.scalars(stmt, parameters))


@lru_cache(maxsize=16)
def _ranked_statement(dialect: str, weighted: bool, by_incident: bool) -> Select[Person]:
    """The ranking statement of ``ranked_persons``, built once (parameters: keys, preferred, size,
    limit, incident_id): building it costs as much as running it on a small roster."""
    key = PersonNameKey.index_key
    weight = case((one_of(dialect, key, "preferred"), 2), else_=1) if weighted else literal(1)
    hits = func.sum(weight).label("hits")
    misfit = func.abs(func.min(PersonNameKey.name_size) - bindparam("size", type_=SmallInteger)).label("misfit")
    ranked = select(PersonNameKey.person_id, hits, misfit).where(one_of(dialect, key, "keys"))
    if by_incident:
        ranked = ranked.join(Person, Person.id == PersonNameKey.person_id).where(
            Person.incident_id == bindparam("incident_id", type_=Integer)
        )
    top = (
        ranked.group_by(PersonNameKey.person_id)
        .order_by(hits.desc(), misfit, PersonNameKey.person_id)
        .limit(bindparam("limit", type_=Integer))
        .subquery()
    )
    return (
        select(Person)
        .join(top, top.c.person_id == Person.id)
        .order_by(top.c.hits.desc(), top.c.misfit, Person.id)
    )


def person_names(db: Session | Connection, after_id: int, batch: int) -> Sequence[tuple[int, str, str]]:
    """A batch of (id, given_names, surnames) in id order, for reindexing."""
    stmt = (
        select(Person.id, Person.given_names, Person.surnames)
        .where(Person.id > after_id)
        .order_by(Person.id)
        .limit(batch)
    )
    return [(i, g, s) for i, g, s in db.execute(stmt)]
