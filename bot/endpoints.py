"""Rasa's endpoints file, rendered from the settings for the chosen profile.

- embedded (default): the action server and Rasa's SQL tracker store on SQLite in
  ``VAR_DIR`` (with the validated tracker cache of ``bot/tracker_cache.py``, as in the
  scale profile); in-memory lock store; no event broker (the analytics writer reads the
  tracker store directly: ``crm_backend.analytics``).
- scale (``PROFILE=scale``): the tracker store on PostgreSQL (``TRACKER_DB_URL``), Rasa's
  Redis lock store (``REDIS_URL``: its own db index and key prefix) so that several Rasa
  processes can share conversations, and Rasa's Pika event broker to RabbitMQ
  (``RABBITMQ_URL``, queue ``EVENTS_QUEUE`` on its own fanout exchange). The store and the
  broker are Rasa's classes with two hardenings explained in ``bot/resilient.py``, the store
  also with the cache of ``bot/tracker_cache.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy.engine import make_url

from crm_backend.analytics.consumer import exchange_name
from crm_backend.settings import Settings

SCALE_PROFILE = "scale"
LOCK_KEY_PREFIX = "shopscale"  # Rasa requires an alphanumeric prefix
TRACKER_STORE_CLASS = "bot.tracker_cache.CachingSQLTrackerStore"
EVENT_BROKER_CLASS = "bot.resilient.BufferedPikaEventBroker"


def tracker_store(
    url: str, store_type: str = "SQL", cache_size: Optional[int] = None
) -> Dict[str, Any]:
    """Rasa's SQL tracker store config for a SQLAlchemy URL (SQLite or PostgreSQL);
    ``cache_size`` for :class:`bot.tracker_cache.CachingSQLTrackerStore`."""
    parsed = make_url(url)
    extra: Dict[str, Any] = {} if cache_size is None else {"cache_size": cache_size}
    if parsed.get_backend_name() == "sqlite":
        return {"type": store_type, "dialect": "sqlite", "db": str(parsed.database), **extra}
    config: Dict[str, Any] = {
        "type": store_type,
        "dialect": parsed.drivername,
        "url": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "db": parsed.database,
        "username": parsed.username,
    }
    if parsed.password:
        config["password"] = parsed.password
    return {**config, **extra}


def lock_store(url: str) -> Dict[str, Any]:
    """Rasa's Redis lock store config for ``redis://[:password@]host:port/db``."""
    parts = urlsplit(url)
    db = parts.path.strip("/") or "0"
    config: Dict[str, Any] = {
        "type": "redis",
        "url": parts.hostname or "127.0.0.1",
        "port": parts.port or 6379,
        "db": int(db),
        "key_prefix": LOCK_KEY_PREFIX,
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    return config


def event_broker(url: str, queue: str) -> Dict[str, Any]:
    """Rasa's Pika broker config. The AMQP URL keeps the virtual host; the credentials
    go in their own keys (Rasa adds them back), so Rasa's log lines never show them."""
    parts = urlsplit(url)
    netloc = parts.hostname or "127.0.0.1"
    netloc = f"[{netloc}]" if ":" in netloc else netloc
    bare = parts._replace(netloc=f"{netloc}:{parts.port or 5672}").geturl()
    return {
        "type": EVENT_BROKER_CLASS,
        "url": bare,
        "port": parts.port or 5672,
        # still percent-encoded: Rasa pastes them into the URL it connects with
        "username": parts.username or "guest",
        "password": parts.password or "guest",
        "queues": [queue],
        "exchange_name": exchange_name(queue),
    }


def action_endpoint(settings: Settings) -> Dict[str, Any]:
    """The action server. With Rasa's selective domain the ~120 KB domain (bilingual
    responses included) is no longer serialised into every action call: Rasa sends it only
    to the actions that need it, which are the ``validate_<form>`` validators (Rasa does so
    for every action named ``validate_*``; they read the forms' required slots)."""
    return {"url": settings.action_url, "enable_selective_domain": True}


def endpoints(settings: Settings) -> Dict[str, Any]:
    """The endpoints of the settings' profile."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    if settings.profile != SCALE_PROFILE:
        return {
            "action_endpoint": action_endpoint(settings),
            "tracker_store": tracker_store(
                settings.tracker_url, TRACKER_STORE_CLASS, settings.tracker_cache_size
            ),
        }
    config: Dict[str, Any] = {
        "action_endpoint": action_endpoint(settings),
        "tracker_store": tracker_store(
            settings.tracker_url, TRACKER_STORE_CLASS, settings.tracker_cache_size
        ),
    }
    if settings.redis_url:
        config["lock_store"] = lock_store(settings.redis_url)
    if settings.rabbitmq_url:
        config["event_broker"] = event_broker(settings.rabbitmq_url, settings.events_queue)
    return config


def write_endpoints(settings: Settings, path: Path) -> Path:
    """Write the endpoints YAML that ``rasa run`` will be given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints(settings), sort_keys=False))
    return path
