"""Rasa's endpoints file, rendered from the settings for the chosen profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import yaml

from crm_backend.settings import Settings


def endpoints(settings: Settings) -> Dict[str, Any]:
    """Action server and tracker store for the embedded profile (SQLite trackers)."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    return {
        "action_endpoint": {"url": settings.action_url},
        "tracker_store": {
            "type": "SQL",
            "dialect": "sqlite",
            "db": str(settings.var_dir / "rasa_tracker.sqlite3"),
        },
    }


def write_endpoints(settings: Settings, path: Path) -> Path:
    """Write the endpoints YAML that ``rasa run`` will be given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints(settings), sort_keys=False))
    return path
