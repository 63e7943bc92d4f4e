"""Test fixtures shared by the whole suite.

Every test that asks for ``db_url`` (or anything built on it) runs twice: against SQLite and
against the real PostgreSQL server (``--db`` narrows that). Each pytest process gets its own
PostgreSQL database, built by ``alembic upgrade head``, so that parallel runs never collide; every
test starts from empty tables (truncated after each test on PostgreSQL, a fresh copy of a migrated
file on SQLite). Nothing of our own is mocked.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from common.settings import Settings
from db.base import Base
from db.migrate import upgrade
from db.session import make_engine

pytest_plugins = ["tests.fakes.fixtures"]

# The webhooks' spool (bot/spool.py) is per host: this test run's own, never the working folder's,
# so that nothing a test spooled is replayed into another test's database. Tests of the spool
# itself give each app its own directory.
if "HOTLINE_SPOOL_DIR" not in os.environ:
    os.environ["HOTLINE_SPOOL_DIR"] = tempfile.mkdtemp(prefix="hotline-test-spool-")
    atexit.register(shutil.rmtree, os.environ["HOTLINE_SPOOL_DIR"], ignore_errors=True)

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("TEST_DB", "both"),
        choices=("both", *BACKENDS),
        help="which database(s) the database tests run against",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--db")
        backends = BACKENDS if chosen == "both" else (chosen,)
        if metafunc.definition.get_closest_marker("postgres_only"):
            backends = tuple(b for b in backends if b == "postgresql")
        metafunc.parametrize("backend", backends, scope="session")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_url() -> Iterator[str]:
    name = f"hotline_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - the suite must not silently skip PostgreSQL
        pytest.fail(f"PostgreSQL is required for the database tests ({PG_ADMIN_URL}): {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated, empty database of the chosen backend."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "hotline.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
    else:
        url: str = request.getfixturevalue("_postgres_url")
        yield url
        _truncate_all(url)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    # PFIF record ids need a domain name; "testserver" (TestClient's host, which webhook signatures
    # are checked against) is a single label.
    return Settings(database_url=db_url, hotline_public_url="http://testserver", pfif_domain="hotline.example.org")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s
