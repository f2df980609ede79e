"""Access to the CRM from actions: one unit of work per service call.

The engine is built on first use (never at import) and shared by the process; every
call gets its own session through a fresh :class:`SqlAlchemyUnitOfWork`. Service calls
are synchronous, so they run in a worker thread to keep the action server's event loop
free for other conversations.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Callable, TypeVar

from sqlalchemy.orm import sessionmaker

from crm_backend.db import make_engine, make_session_factory
from crm_backend.settings import get_settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

T = TypeVar("T")


@functools.lru_cache(maxsize=1)
def session_factory() -> sessionmaker:
    """The process-wide session factory for the configured CRM database."""
    return make_session_factory(make_engine(get_settings().database_url))


async def call_service(service: Callable[[SqlAlchemyUnitOfWork], T]) -> T:
    """Run ``service(uow)`` with a fresh unit of work in a worker thread."""

    def run() -> T:
        return service(SqlAlchemyUnitOfWork(session_factory()))

    return await asyncio.get_running_loop().run_in_executor(None, run)
