"""Engine and session factory. Whoever owns the request or the job owns the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from common.settings import get_settings, normalise_database_url


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = normalise_database_url(url or get_settings().database_url)
    # Errors (and a traceback in a log) show "[SQL parameters hidden]" instead of the values: the
    # values are names, phone numbers and message texts (SPEC section 9, no personal data in logs).
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        # timeout: wait for a writer instead of failing at once ("database is locked").
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # The driver's own transaction handling off: we issue BEGIN ourselves (below).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Every transaction takes the write lock up front. A deferred transaction that reads
            # and then writes fails at once with "database is locked" when another process wrote
            # meanwhile; an immediate one waits its turn (busy timeout). This is what makes claiming
            # outbox rows and locking a conversation safe on SQLite. Readers still use WAL.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


@lru_cache
def get_engine() -> Engine:
    return make_engine()


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session] | None = None) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = (factory or get_sessionmaker())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
