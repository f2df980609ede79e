"""Alembic migrations: up/down round trip and agreement with the models, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from crm_backend import migrate
from crm_backend.db import make_engine
from crm_backend.models import metadata
from crm_backend.settings import get_settings

EXPECTED_TABLES = set(metadata.tables)


def _tables(url: str) -> set:
    engine = make_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_round_trip(database_factory) -> None:
    url = database_factory.create("roundtrip")
    migrate.upgrade(url)
    assert _tables(url) == EXPECTED_TABLES
    migrate.downgrade(url, "base")
    assert _tables(url) == set()
    migrate.upgrade(url)
    assert _tables(url) == EXPECTED_TABLES
    migrate.upgrade(url)  # already at head: a no-op


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_expected_indexes_exist(engine: Engine) -> None:
    insp = inspect(engine)
    indexed = {
        (table, tuple(ix["column_names"]))
        for table in ("orders", "tickets", "interactions", "customers")
        for ix in [*insp.get_indexes(table), *insp.get_unique_constraints(table)]
    }
    for expected in [
        ("orders", ("order_number",)),
        ("orders", ("status",)),
        ("customers", ("email",)),
        ("interactions", ("conversation_id",)),
        ("tickets", ("conversation_id",)),
        ("tickets", ("status",)),
    ]:
        assert expected in indexed


def test_main_migrates_configured_sqlite_creating_parent_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_file = tmp_path / "missing" / "dir" / "crm.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_file}")
    get_settings.cache_clear()
    try:
        assert migrate.main([]) == 0
    finally:
        get_settings.cache_clear()
    assert db_file.exists()
    assert _tables(f"sqlite:///{db_file}") == EXPECTED_TABLES
