"""A database connection for the ML command-line jobs (built on demand, disposed after)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Optional

from sqlalchemy.pool import NullPool

from crm_backend.db import make_engine, make_session_factory
from crm_backend.settings import get_settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork


@contextmanager
def unit_of_work(
    database_url: Optional[str] = None,
) -> Iterator[Callable[[], SqlAlchemyUnitOfWork]]:
    """Yield a factory of fresh units of work on ``database_url`` (default: settings)."""
    engine = make_engine(database_url or get_settings().database_url, poolclass=NullPool)
    factory = make_session_factory(engine)
    try:
        yield lambda: SqlAlchemyUnitOfWork(factory)
    finally:
        engine.dispose()
