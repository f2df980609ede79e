"""Model versions: ``<model_dir>/versions/<id>.tar.gz`` plus ``<id>.json`` metadata.

The metadata says who trained the version, when, from which data (the fingerprint of
``bot.train``), its evaluation metrics and, once promoted, who promoted it. The repo's model
(``shop.tar.gz``, trained by ``bot.train``) is registered as version ``baseline`` the first
time the registry is used.

``LIVE`` names the version an admin promoted (or rolled back to); only a promotion writes
it (atomically, ``os.replace``). A Rasa server that starts or restarts loads that version
(:func:`promoted_archive`, used by ``bot.topology``); without ``LIVE`` it loads
``shop.tar.gz``, and the registry reports ``baseline`` as live.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

from crm_backend.errors import NotFound, ValidationError

VERSION_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
BASELINE = "baseline"


@dataclass(frozen=True)
class ModelVersion:
    id: str
    created_at: str  # ISO 8601, UTC
    created_by: str
    fingerprint: str = ""
    metrics: Dict[str, Any] = field(default_factory=dict)
    previous: Optional[str] = None  # the live version when this one was trained
    promoted_at: Optional[str] = None
    promoted_by: Optional[str] = None
    note: str = ""


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def new_version_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(2)


def promoted_archive(model_dir: Path) -> Optional[Path]:
    """The archive of the promoted version (``<model_dir>/versions/LIVE``), if there is one
    and it exists; ``None`` means "serve the repo's model"."""
    try:
        value = (model_dir / "versions" / "LIVE").read_text().strip()
    except OSError:
        return None
    if not VERSION_ID_RE.match(value):
        return None
    archive = model_dir / "versions" / f"{value}.tar.gz"
    return archive if archive.is_file() else None


def check_id(version_id: str) -> str:
    if not VERSION_ID_RE.match(version_id or ""):
        raise ValidationError("Unknown model version.", field="version")
    return version_id


class VersionRegistry:
    """The versions folder of one model dir."""

    def __init__(self, model_dir: Path, live_archive: Optional[Path] = None) -> None:
        self.root = model_dir / "versions"
        self.live_archive = live_archive  # the archive the server was started with

    def archive(self, version_id: str) -> Path:
        return self.root / f"{check_id(version_id)}.tar.gz"

    def _meta_path(self, version_id: str) -> Path:
        return self.root / f"{check_id(version_id)}.json"

    def confusion_png(self, version_id: str) -> Path:
        return self.root / f"{check_id(version_id)}.confusion.png"

    def save(self, version: ModelVersion) -> ModelVersion:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self._meta_path(version.id)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(version), indent=2, sort_keys=True))
        os.replace(tmp, path)
        return version

    def get(self, version_id: str) -> ModelVersion:
        try:
            data = json.loads(self._meta_path(version_id).read_text())
        except (OSError, ValueError) as error:
            raise NotFound("Unknown model version.") from error
        if not self.archive(version_id).exists():
            raise NotFound("Unknown model version.")
        known = {f for f in ModelVersion.__dataclass_fields__}
        return ModelVersion(**{k: v for k, v in data.items() if k in known})

    def list(self) -> List[ModelVersion]:
        """Every complete version, newest first."""
        self.ensure_baseline()
        found: List[ModelVersion] = []
        if self.root.is_dir():
            for meta in self.root.glob("*.json"):
                try:
                    found.append(self.get(meta.stem))
                except (NotFound, ValidationError, TypeError):
                    continue
        return sorted(found, key=lambda v: (v.created_at, v.id), reverse=True)

    def live_id(self) -> Optional[str]:
        """The promoted version, else ``baseline`` (the repo's model) when registered."""
        self.ensure_baseline()
        try:
            value = (self.root / "LIVE").read_text().strip()
        except OSError:
            return BASELINE if (self.root / f"{BASELINE}.json").exists() else None
        return value if VERSION_ID_RE.match(value) else None

    def set_live(self, version_id: str, actor: str) -> ModelVersion:
        version = replace(self.get(version_id), promoted_at=now_iso(), promoted_by=actor)
        self.save(version)
        tmp = self.root / f"LIVE.{os.getpid()}.tmp"
        tmp.write_text(version.id)
        os.replace(tmp, self.root / "LIVE")  # a restarting Rasa reads the old or the new
        return version

    def ensure_baseline(self) -> None:
        """Register the repo's model as ``baseline`` (once; ``LIVE`` is not written: until
        the first promotion a restarted server keeps loading ``shop.tar.gz``)."""
        if self.live_archive is None or not self.live_archive.exists():
            return
        if (self.root / f"{BASELINE}.json").exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.live_archive, self.archive(BASELINE))
        self.save(
            ModelVersion(
                id=BASELINE,
                created_at=now_iso(),
                created_by="system",
                note=f"the model the server started with ({self.live_archive.name})",
            )
        )
