"""Engine and session factory. Whoever owns the request or the job owns the transaction."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from common.settings import get_settings, normalise_database_url

SQLITE_FILE_MODE = 0o600
_SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def secure_sqlite_file(url: str) -> None:
    """The SQLite database holds where detained people are and their families' numbers: only the
    service's user may read it. SQLite creates a missing file following the umask (usually
    world-readable), so the file is created here first, mode 0600; SQLite then gives its -wal, -shm
    and -journal files the database file's own mode. A file made before this (or copied in) loses
    its group and other bits."""
    parsed = make_url(url)
    database = parsed.database
    if not parsed.drivername.startswith("sqlite") or not database or database == ":memory:" \
            or database.startswith("file:") or parsed.query.get("mode") == "memory":
        return
    path = Path(database)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SQLITE_FILE_MODE))
    except FileExistsError:
        pass
    except OSError:
        return  # no such folder, read-only...: SQLite's own error says it better
    for suffix in _SQLITE_COMPANIONS:
        companion = Path(f"{path}{suffix}")
        try:
            st = companion.stat()
            if st.st_mode & 0o077 and st.st_uid == os.getuid():
                companion.chmod(stat.S_IMODE(st.st_mode) & 0o700)
        except OSError:
            pass


CONNECT_TIMEOUT_SECONDS = 5


def database_unreachable(exc: BaseException) -> bool:
    """The database does not answer (refused, timed out, dropped, shutting down), as opposed to
    refusing this statement: worth waiting for, never a reason to give up on the data."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = normalise_database_url(url or get_settings().database_url)
    # Errors (and a traceback in a log) show "[SQL parameters hidden]" instead of the values: the
    # values are names, phone numbers and message texts (SPEC section 9, no personal data in logs).
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        secure_sqlite_file(url)
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
    # A database host that does not answer at all (a network partition) fails in seconds instead of
    # the minutes of TCP's own give-up: webhooks then spool (api/intake.py), workers retry.
    kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
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
