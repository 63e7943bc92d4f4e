"""The migrations and the models agree, on SQLite and on PostgreSQL, and downgrade works."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from db.base import Base
from db.migrate import downgrade, upgrade


def _diff(url: str) -> list[object]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    return diff


def test_upgrade_to_head_matches_the_models(db_url: str) -> None:
    assert _diff(db_url) == []


def test_downgrade_to_base_and_back(db_url: str) -> None:
    downgrade(db_url, "base")
    engine = create_engine(db_url)
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set()
    upgrade(db_url)
    assert _diff(db_url) == []


def test_the_name_index_has_no_foreign_key_and_downgrade_drops_keys_without_person(db_url: str) -> None:
    # e5b2c8f41a07 dropped the foreign key (a roster import's per-row check); nothing cascades any more.
    engine = create_engine(db_url)
    foreign_keys = inspect(engine).get_foreign_keys("person_name_keys")
    with engine.begin() as conn:
        incident = conn.execute(text("INSERT INTO incidents (name, created_at) VALUES ('Simulacro (ficticio)', "
                                     "CURRENT_TIMESTAMP) RETURNING id")).scalar_one()
        person = conn.execute(text(
            "INSERT INTO persons (incident_id, given_names, surnames, aliases, restricted, name_key, given_key, "
            "surname_key, phonetic_key, current_status, status_version, created_at, updated_at) VALUES "
            "(:i, 'Ana', 'Pérez', '[]', false, 'ana perez', 'ana', 'perez', 'ana peres', 'unconfirmed', 0, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"), {"i": incident}).scalar_one()
        conn.execute(text("INSERT INTO person_name_keys (index_key, name_size, person_id) VALUES "
                          "('ana peres', 2, :p), ('ana peres', 2, :gone)"), {"p": person, "gone": person + 1000})
    engine.dispose()
    assert foreign_keys == []
    downgrade(db_url, "a7c4e2d91b05")
    engine = create_engine(db_url)
    assert [fk["referred_table"] for fk in inspect(engine).get_foreign_keys("person_name_keys")] == ["persons"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT person_id FROM person_name_keys")).scalars().all() == [person]
    engine.dispose()
    upgrade(db_url)
    assert _diff(db_url) == []
