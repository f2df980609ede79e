"""Versioned model storage: ``<MODEL_DIR>/ml/<name>/<version>/`` plus a ``current`` pointer.

Each version directory holds ``model.joblib`` (the fitted artifact) and ``metadata.json``
(training-data fingerprint, inputs, metrics, date, library versions, parameters, code
version). ``<MODEL_DIR>/ml/<name>/current`` is a one-line text file naming the version in
use; it is replaced atomically after the version directory is complete, so a reader never
sees a half-written model. The oldest versions beyond :data:`KEEP_VERSIONS` are pruned.

Loading is lazy and cached: :func:`load_current` reads the (tiny) pointer file and
unpickles a version only the first time it is asked for, so every process loads each
model once and picks up a newly trained version without a restart. Only load models from
your own ``MODEL_DIR``: joblib files are pickles.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

import joblib

from crm_backend.settings import get_settings

CURRENT = "current"
MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
KEEP_VERSIONS = 5
_LOCK = threading.Lock()
_CACHE: Dict[Tuple[str, str], Any] = {}


class ModelNotTrained(RuntimeError):
    """No current version of the model exists; the message names the train command."""

    def __init__(self, name: str, root: Path) -> None:
        self.name = name
        super().__init__(
            f"No trained '{name}' model in {root / name}. Train it with: "
            f"python -m crm_backend.ml {name} train"
        )


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str
    path: Path
    metadata: Dict[str, Any]


def ml_root(model_dir: Optional[Path] = None) -> Path:
    """``<MODEL_DIR>/ml`` (the settings' model dir unless one is given)."""
    return (model_dir or get_settings().model_dir) / "ml"


def library_versions() -> Dict[str, str]:
    """Versions of the libraries a model depends on (for its metadata)."""
    import numpy
    import scipy
    import sklearn

    versions = {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "joblib": joblib.__version__,
    }
    try:
        import jieba

        versions["jieba"] = str(getattr(jieba, "__version__", "unknown"))
    except ImportError:  # pragma: no cover - jieba is pinned
        pass
    return versions


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_inputs(paths: Iterable[Path]) -> List[Dict[str, Any]]:
    """Name, size and SHA-256 of each training input file."""
    return [{"path": str(p), "bytes": p.stat().st_size, "sha256": file_digest(p)} for p in paths]


def fingerprint(*parts: Any) -> str:
    """SHA-256 of JSON-serialisable parts (inputs' digests, parameters, code version)."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _read_pointer(directory: Path) -> Optional[str]:
    try:
        version = (directory / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    # a pointer must name a direct child directory (never a path elsewhere)
    if not version or "/" in version or "\\" in version or version.startswith("."):
        return None
    return version if (directory / version / MODEL_FILE).is_file() else None


def current_info(name: str, model_dir: Optional[Path] = None) -> Optional[ModelInfo]:
    """The current version's metadata, or None if the model was never trained."""
    directory = ml_root(model_dir) / name
    version = _read_pointer(directory)
    if version is None:
        return None
    try:
        metadata = json.loads((directory / version / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        metadata = {}
    return ModelInfo(name, version, directory / version, metadata)


def is_current(
    name: str, data_fingerprint: str, model_dir: Optional[Path] = None
) -> Optional[ModelInfo]:
    """The current version if it was trained from exactly this fingerprint, else None."""
    info = current_info(name, model_dir)
    if info is not None and info.metadata.get("data_fingerprint") == data_fingerprint:
        return info
    return None


def save_model(
    name: str,
    artifact: Any,
    *,
    data_fingerprint: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, Any],
    inputs: Optional[List[Dict[str, Any]]] = None,
    extra: Optional[Mapping[str, Any]] = None,
    model_dir: Optional[Path] = None,
    training_seconds: Optional[float] = None,
) -> ModelInfo:
    """Write a new version and make it current; returns its info."""
    directory = ml_root(model_dir) / name
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    base = f"{now:%Y%m%dT%H%M%S}.{now.microsecond // 1000:03d}Z-{data_fingerprint[:8]}"
    version, n = base, 1
    while (directory / version).exists():
        n += 1
        version = f"{base}-{n}"
    metadata: Dict[str, Any] = {
        "name": name,
        "version": version,
        "created_at": now.isoformat(),
        "data_fingerprint": data_fingerprint,
        "inputs": inputs or [],
        "params": dict(params),
        "metrics": dict(metrics),
        "libraries": library_versions(),
        "training_seconds": None if training_seconds is None else round(training_seconds, 1),
        **dict(extra or {}),
    }
    staging = directory / f".{version}.tmp"
    staging.mkdir()
    try:
        joblib.dump(artifact, staging / MODEL_FILE, compress=3)
        (staging / METADATA_FILE).write_text(
            json.dumps(metadata, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
        staging.rename(directory / version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    pointer = directory / f".{CURRENT}.{os.getpid()}.tmp"
    pointer.write_text(version + "\n", encoding="utf-8")
    os.replace(pointer, directory / CURRENT)
    _prune(directory, keep=version)
    return ModelInfo(name, version, directory / version, metadata)


def _created(version_dir: Path) -> str:
    try:
        metadata = json.loads((version_dir / METADATA_FILE).read_text(encoding="utf-8"))
        return str(metadata.get("created_at", ""))
    except (OSError, ValueError):
        return ""


def _prune(directory: Path, keep: str) -> None:
    """Delete all but the newest :data:`KEEP_VERSIONS` versions (never ``keep``)."""
    versions = sorted(
        (p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: (_created(p), p.name),
    )
    for old in versions[:-KEEP_VERSIONS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def load_version(name: str, version: str, model_dir: Optional[Path] = None) -> Any:
    """Unpickle one version (cached per process)."""
    path = ml_root(model_dir) / name / version / MODEL_FILE
    key = (str(path), version)
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = joblib.load(path)
        return _CACHE[key]


def load_current(name: str, model_dir: Optional[Path] = None) -> Tuple[Any, ModelInfo]:
    """The current artifact and its info, loaded once per version.

    Raises:
        ModelNotTrained: no version exists (the message says how to train one).
    """
    info = current_info(name, model_dir)
    if info is None:
        raise ModelNotTrained(name, ml_root(model_dir))
    return load_version(name, info.version, model_dir), info


def clear_cache() -> None:
    """Forget every loaded model (tests)."""
    with _LOCK:
        _CACHE.clear()
