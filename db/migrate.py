"""Run Alembic programmatically (``hotline db upgrade``, tests, the demo)."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config

from common.settings import get_settings, normalise_database_url
from db.session import secure_sqlite_file

# In a checkout the migrations sit beside the packages; an installed image says where (Dockerfile).
MIGRATIONS_DIR = Path(
    os.environ.get("HOTLINE_MIGRATIONS_DIR") or Path(__file__).resolve().parent.parent / "migrations"
)


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s")
    cfg.set_main_option("sqlalchemy.url", normalise_database_url(url or get_settings().database_url))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    cfg = alembic_config(url)
    secure_sqlite_file(cfg.get_main_option("sqlalchemy.url") or "")  # before Alembic creates it
    command.upgrade(cfg, revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
