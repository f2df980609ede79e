"""Database fixtures, each parametrised over SQLite and PostgreSQL.

- ``backend``: "sqlite" | "postgresql" (session scope; every DB test runs once per backend).
- ``database_factory``: makes throwaway empty databases of that backend; drops them at exit.
  PostgreSQL comes from ``TEST_POSTGRES_URL`` (default postgresql://postgres@127.0.0.1:5432/test,
  used only as the admin connection); unreachable -> skip, or fail if ``CI=true``.
- ``db_url`` / ``engine`` / ``session_factory``: one migrated database per backend and session.
- ``uow`` / ``uow_factory``: units of work on it; every table is emptied after each test.
- ``seeded_url`` / ``seeded_session_factory`` / ``seed_now``: a migrated and seeded database
  (read-only for tests), seeded as of ``seed_now``.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, List

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from crm_backend import migrate
from crm_backend.db import make_engine, make_session_factory
from crm_backend.models import metadata
from crm_backend.seed import seed
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = (
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
)


def _postgres_admin_url() -> str:
    return (
        os.environ.get("TEST_POSTGRES_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or DEFAULT_POSTGRES_URL
    )


class DatabaseFactory:
    """Creates uniquely named empty databases of one backend and drops them on ``close``."""

    def __init__(self, backend: str, tmp_dir: Path, admin_url: str = "") -> None:
        self.backend = backend
        self._tmp_dir = tmp_dir
        self._admin: Engine | None = None
        self._created: List[str] = []
        self._prefix = f"crm_test_{os.getpid()}_{secrets.token_hex(3)}"
        if backend == "postgresql":
            self._admin = make_engine(
                admin_url,
                poolclass=NullPool,
                isolation_level="AUTOCOMMIT",
                connect_args={"connect_timeout": 3},
            )
            with self._admin.connect() as conn:  # raises if PostgreSQL is unreachable
                conn.execute(text("SELECT 1"))

    def create(self, label: str) -> str:
        """URL of a new empty database."""
        name = f"{self._prefix}_{label}"
        if self._admin is None:
            return f"sqlite:///{self._tmp_dir / (name + '.sqlite3')}"
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self._created.append(name)
        return (
            make_url(str(self._admin.url)).set(database=name).render_as_string(hide_password=False)
        )

    def migrated(self, label: str) -> str:
        url = self.create(label)
        migrate.upgrade(url)
        return url

    def close(self) -> None:
        if self._admin is None:
            return
        with self._admin.connect() as conn:
            for name in self._created:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        self._admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_factory(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabaseFactory]:
    tmp_dir = tmp_path_factory.mktemp(f"db_{backend}")
    try:
        factory = DatabaseFactory(backend, tmp_dir, _postgres_admin_url())
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no PostgreSQL"
        url = make_url(_postgres_admin_url()).render_as_string(hide_password=True)
        reason = f"PostgreSQL not reachable at {url} (set TEST_POSTGRES_URL): {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def db_url(database_factory: DatabaseFactory) -> str:
    """A database migrated to head with Alembic (one per backend and test session)."""
    return database_factory.migrated("main")


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def session_factory(engine: Engine) -> "sessionmaker[Session]":
    return make_session_factory(engine)


def _empty_all_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def uow_factory(
    engine: Engine, session_factory: "sessionmaker[Session]"
) -> Iterator[Callable[[], SqlAlchemyUnitOfWork]]:
    """Make fresh units of work; whatever they commit is deleted after the test."""
    yield lambda: SqlAlchemyUnitOfWork(session_factory)
    _empty_all_tables(engine)


@pytest.fixture
def uow(uow_factory: Callable[[], SqlAlchemyUnitOfWork]) -> SqlAlchemyUnitOfWork:
    """A (not yet entered) unit of work on the test database, isolated per test."""
    return uow_factory()


@pytest.fixture(scope="session")
def seed_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture(scope="session")
def seeded_url(database_factory: DatabaseFactory, seed_now: datetime) -> str:
    """A migrated database seeded once as of ``seed_now``; tests must not modify it."""
    url = database_factory.migrated("seeded")
    assert seed(url, now=seed_now) is True
    return url


@pytest.fixture(scope="session")
def seeded_session_factory(seeded_url: str) -> Iterator["sessionmaker[Session]"]:
    eng = make_engine(seeded_url)
    yield make_session_factory(eng)
    eng.dispose()
