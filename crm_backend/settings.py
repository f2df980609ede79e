"""The one place that reads the environment.

Every component (actions, web app, Alembic, seed, benchmarks, run scripts) reads its
configuration through :func:`get_settings`; no other module touches ``os.environ`` for
configuration. Every key has a default that gives the embedded (SQLite) profile.
"""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import BaseSettings, validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime configuration; each field maps to an upper-case environment variable."""

    # embedded (SQLite, one machine) or scale (PostgreSQL, Redis, RabbitMQ)
    profile: str = "embedded"
    # SQLAlchemy URL of the CRM database
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'crm.sqlite3'}"
    var_dir: Path = PROJECT_ROOT / "var"
    model_dir: Path = PROJECT_ROOT / "models"
    log_dir: Path = PROJECT_ROOT / "var" / "log"
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8000
    public_rasa_url: str = ""
    seed_random: int = 20261125

    class Config:
        env_file = None
        case_sensitive = False

    @validator("database_url")
    def _postgres_driver(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        return value

    @property
    def rasa_url(self) -> str:
        return self.public_rasa_url or f"http://{self.host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.action_port}/webhook"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
