"""Engine and session factories. Nothing is created at import time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker


def is_sqlite(url: str) -> bool:
    """True if ``url`` points at a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build a 2.0-style engine for ``url``; SQLite connections get ``foreign_keys=ON``.

    Extra keyword arguments go to :func:`sqlalchemy.create_engine` (e.g. ``poolclass``).
    """
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, future=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def make_session_factory(engine: Engine) -> "sessionmaker[Session]":
    """A factory of 2.0-style sessions; objects stay usable after commit (views are built
    inside the unit of work anyway)."""
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)
