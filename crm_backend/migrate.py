"""Apply Alembic migrations programmatically: ``python -m crm_backend.migrate``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from crm_backend.settings import get_settings

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: Optional[str] = None) -> Config:
    """Alembic Config for crm_backend/alembic.ini aimed at ``database_url`` (or settings)."""
    url = database_url or get_settings().database_url
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser escaping
    config.attributes["configure_logger"] = False
    return config


def ensure_sqlite_dir(database_url: str) -> None:
    """Create the parent directory of a SQLite database file if it is missing."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not str(url.database).startswith("file:"):
            Path(str(url.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)


def upgrade(database_url: Optional[str] = None, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the latest)."""
    url = database_url or get_settings().database_url
    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(database_url: Optional[str] = None, revision: str = "base") -> None:
    """Migrate the database down to ``revision`` (default: drop everything)."""
    command.downgrade(alembic_config(database_url), revision)


def main(argv: Optional[list] = None) -> int:
    url = get_settings().database_url
    upgrade(url)
    print(f"database migrated to head: {make_url(url).render_as_string(hide_password=True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
