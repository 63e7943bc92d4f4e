"""Finding 12: the SQLite database (and its -wal/-shm) readable only by the service's user, whatever
the umask; an older world-readable file is tightened when the service opens it."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from db.migrate import upgrade
from db.session import make_engine
from tests.support import hotline_env, run_hotline


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the usual default: files world-readable
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_wal_files_are_readable_only_by_the_service(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "hotline.db"
    url = f"sqlite:///{db}"
    upgrade(url)
    assert mode(db) == 0o600
    engine = make_engine(url)
    try:
        with engine.begin() as conn:  # WAL mode: the write leaves -wal and -shm beside the file
            conn.execute(text("CREATE TABLE prueba_ficticia (x INTEGER)"))
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM prueba_ficticia"))
            companions = [Path(f"{db}{s}") for s in ("-wal", "-shm")]
            assert all(p.exists() for p in companions)
            assert {p.name: mode(p) for p in companions} == {p.name: 0o600 for p in companions}
    finally:
        engine.dispose()


def test_hotline_db_upgrade_creates_it_private(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "nueva.db"
    result = run_hotline(["db", "upgrade"], hotline_env(f"sqlite:///{db}"))
    assert result.returncode == 0, result.stderr
    assert mode(db) == 0o600


def test_an_existing_world_readable_database_is_tightened_when_opened(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "vieja.db"
    sqlite3.connect(db).close()
    db.chmod(0o644)
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    assert mode(db) == 0o600
