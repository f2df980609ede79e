"""The one place that reads the environment.

Every component (actions, web app, Alembic, seed, benchmarks, run scripts) reads its
configuration through :func:`get_settings`; no other module touches ``os.environ`` for
configuration. Every key has a default that gives the embedded (SQLite) profile.
"""

from __future__ import annotations

import functools
import secrets
from pathlib import Path
from typing import Any, Dict

from pydantic import BaseSettings, Field, SecretStr, root_validator, validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432"
SCALE_DEFAULTS: Dict[str, Any] = {
    "database_url": f"{_LOCAL_POSTGRES}/shop_crm",
    "tracker_db_url": f"{_LOCAL_POSTGRES}/shop_tracker",
    "redis_url": "redis://127.0.0.1:6379/5",
    "rabbitmq_url": "amqp://guest:guest@127.0.0.1:5672/%2F",
    "rasa_replicas": 2,
    "action_workers": 2,
    # the profile's nginx in front of the Rasa replicas (its X-Forwarded-For is believed)
    "trusted_proxies": "127.0.0.1,::1",
}


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
    # shared, read-only datasets (e.g. uci_online_retail/ for `python -m crm_backend.importer`)
    datasets_dir: Path = PROJECT_ROOT.parent / "shared" / "datasets"
    # HMAC key for one-time codes and e-mail fingerprints. Set SECRET_KEY (the same value
    # in every process) in production; the default is random per process, so codes
    # issued before a restart stop working.
    secret_key: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_urlsafe(32)))
    # --- handoff & console ---
    # token of Rasa's HTTP API (`rasa run --enable-api --auth-token`): the web app reads
    # transcripts and writes agent replies / pause / resume events through it
    rasa_token: SecretStr = SecretStr("")
    # Rasa as the web app reaches it server-side (default http://HOST:RASA_PORT)
    rasa_internal_url: str = ""
    # live agents: opening hours (HH:MM-HH:MM, local time of support_timezone), days
    # (0=Mon .. 6=Sun, e.g. "0-4" or "0,1,2"), queue limit and minutes per case
    support_hours: str = "00:00-24:00"
    support_days: str = "0-6"
    support_timezone: str = "Europe/London"
    handoff_max_queue: int = 20
    handoff_minutes_per_case: float = 6.0
    # escalate when the NLU's sentiment label is negative and its score (-1..1) <= this
    handoff_sentiment_threshold: float = -0.6
    # console session cookie lifetime; set CONSOLE_SECURE_COOKIES=true behind HTTPS
    console_session_hours: int = 12
    console_secure_cookies: bool = False
    # chat channel rate limits, "COUNT/SECONDS" ("0" = off): per conversation and per
    # client IP (the peer, or X-Forwarded-For's client when the peer is a trusted proxy)
    chat_rate_per_sender: str = "30/60"
    chat_rate_per_ip: str = "300/60"
    trusted_proxies: str = ""
    # --- scale profile (PROFILE=scale; defaults per profile in _profile_defaults) ---
    # Rasa's SQL tracker store ("" = SQLite in VAR_DIR); Redis lock store and RabbitMQ
    # event broker ("" = none: in-memory locks, analytics read the tracker store)
    tracker_db_url: str = ""
    redis_url: str = ""
    rabbitmq_url: str = ""
    events_queue: str = "shop_events"
    rasa_replicas: int = 1
    action_workers: int = 1
    # conversations whose tracker each Rasa process keeps in memory (0 = none), validated
    # against the tracker store on every message (bot/tracker_cache.py)
    tracker_cache_size: int = Field(default=1000, ge=0, le=100_000)

    class Config:
        env_file = None
        case_sensitive = False

    @validator("database_url")
    def _postgres_driver(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        return value

    @root_validator(pre=True)
    def _secret_key_set_at_scale(cls, values: Dict[str, Any]) -> Dict[str, Any]:  # noqa: N805
        """PROFILE=scale runs many processes that must share one key: refuse the per-process
        development default (signed links made by one process must verify in another)."""
        given = values.get("secret_key")
        blank = (
            given is None
            or not str(given.get_secret_value() if isinstance(given, SecretStr) else given).strip()
        )
        if str(values.get("profile", "")).strip() == "scale" and blank:
            raise ValueError("SECRET_KEY must be set (the same value in every process)")
        return values

    @validator("rasa_replicas", "action_workers")
    def _process_count(cls, value: int) -> int:  # noqa: N805 - pydantic validator
        if not 1 <= value <= 8:
            raise ValueError("must be between 1 and 8")
        return value

    @root_validator(pre=True)
    def _profile_defaults(cls, values: Dict[str, Any]) -> Dict[str, Any]:  # noqa: N805
        """PROFILE=scale: PostgreSQL, Redis and RabbitMQ on this machine unless set."""
        if str(values.get("profile", "")).strip() == "scale":
            for key, default in SCALE_DEFAULTS.items():
                if values.get(key) in (None, ""):
                    values[key] = default
        return values

    @property
    def tracker_url(self) -> str:
        """SQLAlchemy URL of Rasa's tracker store."""
        return self.tracker_db_url or f"sqlite:///{self.var_dir / 'rasa_tracker.sqlite3'}"

    @property
    def rasa_url(self) -> str:
        return self.public_rasa_url or f"http://{self.host}:{self.rasa_port}"

    @property
    def rasa_api_url(self) -> str:
        return self.rasa_internal_url or f"http://{self.host}:{self.rasa_port}"

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
