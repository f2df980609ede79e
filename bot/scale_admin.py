"""Create and remove the scale profile's own PostgreSQL databases and RabbitMQ queue.

Only databases / queues whose names this project owns are ever removed: dropping refuses
any name that does not start with ``shop_scale_`` (tests and benchmarks create those).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from crm_backend.db import is_sqlite, make_engine

logger = logging.getLogger(__name__)
OWNED_PREFIX = "shop_scale_"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _admin(url: str) -> Engine:
    return make_engine(
        make_url(url).set(database="postgres").render_as_string(hide_password=False),
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
    )


def _safe_name(name: str) -> str:
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"refusing database name {name!r}")
    return name


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database of ``url`` if it is missing; True if created."""
    if is_sqlite(url):
        return False
    name = _safe_name(str(make_url(url).database or ""))
    admin = _admin(url)
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if exists:
                return False
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            return True
    finally:
        admin.dispose()


def terminate_connections(name: str, admin_url: str = ADMIN_URL) -> int:
    """``pg_terminate_backend`` every connection to OUR database ``name``; returns count."""
    if not _safe_name(name).startswith(OWNED_PREFIX):
        raise ValueError(f"refusing to touch connections of {name!r}")
    admin = _admin(admin_url)
    try:
        with admin.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).fetchall()
            return len(rows)
    finally:
        admin.dispose()


def drop_databases(names: Iterable[str], admin_url: str = ADMIN_URL) -> None:
    """Drop our own databases (``shop_scale_*`` only), ending their connections first."""
    for name in names:
        terminate_connections(name, admin_url)
        admin = _admin(admin_url)
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        finally:
            admin.dispose()


def drop_queue(rabbitmq_url: str, queue: str) -> None:
    """Delete our queue and its exchange (``shop_scale_*`` only); quiet if unreachable."""
    if not queue.startswith(OWNED_PREFIX):
        raise ValueError(f"refusing to delete queue {queue!r}")

    async def run() -> None:
        import aio_pika

        from crm_backend.analytics.consumer import exchange_name

        connection = await aio_pika.connect(rabbitmq_url, timeout=5)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(queue)
            await channel.exchange_delete(exchange_name(queue))

    try:
        asyncio.run(run())
    except Exception as error:  # noqa: BLE001 - cleanup is best effort
        logger.warning("could not delete RabbitMQ queue %s: %s", queue, error)


def main() -> int:
    """``python -m bot.scale_admin`` (``make db PROFILE=scale``): create the scale profile's
    databases if missing, migrate and seed the CRM."""
    from bot.topology import prepare_scale
    from crm_backend.settings import get_settings

    settings = get_settings()
    prepare_scale(settings)
    for url in (settings.database_url, settings.tracker_url):
        print(f"ready: {make_url(url).render_as_string(hide_password=True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
