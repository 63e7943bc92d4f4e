"""Fixtures of the adversarial check: the FICTIONAL roster imported through the real importer, and
one CI-sized run of the generated inquiries per database, played once per module and scored by the
oracle (tests/adversarial/harness.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from common.settings import Settings
from db.session import make_engine
from tests.adversarial.harness import Harness, PersonaRun, today_for
from tests.adversarial.inquiries import generate
from tests.adversarial.report import Figures, failures, figures, format_table
from tests.adversarial.roster import Record, generate_roster, import_fictional_roster
from tests.conftest import _truncate_all

ROSTER_SEED = 9
SAMPLE_SEED = 2026
SAMPLE_SIZE = 300  # personas per database: about 330 inquiries and 550 messages, ~15 s on SQLite


@dataclass
class SampleRun:
    backend: str
    roster: list[Record]
    runs: list[PersonaRun]
    table: dict[str, Figures]

    def summary(self) -> str:
        return format_table(self.table)

    def failures(self) -> str:
        return failures(self.runs, self.roster, per_cause=2)


@pytest.fixture(scope="session")
def fictional_roster() -> list[Record]:
    return generate_roster(seed=ROSTER_SEED)


@pytest.fixture
def imported(session_factory: sessionmaker[Session], settings: Settings,
             fictional_roster: list[Record]) -> dict[str, int]:
    """The fictional roster in this test's database: external id -> person id."""
    return import_fictional_roster(session_factory, fictional_roster, settings)


@pytest.fixture(scope="module")
def sample_run(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
               fictional_roster: list[Record]) -> Iterator[SampleRun]:
    """The CI-sized sample, played once per database for the whole module (the tests only read it).
    Its database is emptied again at once, so the other tests find empty tables."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path_factory.mktemp("adversarial") / "hotline.db"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("_postgres_url")
    engine = make_engine(url)
    try:
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        settings = Settings(database_url=url, hotline_public_url="http://testserver")
        ids = import_fictional_roster(factory, fictional_roster, settings)
        episodes = generate(fictional_roster, seed=SAMPLE_SEED, count=SAMPLE_SIZE, today=today_for(settings))
        runs = Harness(factory, settings, fictional_roster, ids).run(episodes)
    finally:
        engine.dispose()
        if backend != "sqlite":
            _truncate_all(url)
    yield SampleRun(backend, fictional_roster, runs, figures(runs))
