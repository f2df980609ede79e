"""Train the Rasa model only when its inputs changed.

``python -m bot.train`` hashes config.yml, domain.yml, data/ and the custom NLU code; if
the hash matches the one saved beside the current model it does nothing. Otherwise it
runs ``rasa train`` with all of Rasa's output sent to ``var/log/train.log``.

It always trains the repo's data into ``models/shop.tar.gz`` and never touches the versions
of the console (``models/versions/``): once an admin promoted a version, Rasa keeps serving
it (see ``bot.topology.served_model_path``) until an admin promotes or rolls back another;
this command then says so rather than silently switching models.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List, Optional

from bot.paths import (
    CODE_INPUTS,
    MODEL_NAME,
    TRAINING_INPUTS,
    fingerprint_path,
    model_path,
    project_file,
)
from crm_backend.settings import PROJECT_ROOT, Settings, get_settings


def _files(inputs: Iterable[str]) -> List[Path]:
    found: List[Path] = []
    for relative in inputs:
        path = project_file(relative)
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".md"
            )
        elif path.is_file():
            found.append(path)
    return found


def training_fingerprint(inputs: Iterable[str] = TRAINING_INPUTS) -> str:
    """SHA-256 over the relative paths and contents of every training input file."""
    digest = hashlib.sha256()
    for path in _files(inputs):
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def sentiment_version(settings: Settings) -> str:
    """The sentiment model ``rasa train`` would copy into the Rasa model (see
    ``bot.nlu.sentiment``): a new one, e.g. from ``python -m crm_backend.ml ensure``, makes
    the Rasa model stale."""
    from crm_backend.ml import registry
    from crm_backend.ml import sentiment as sentiment_model

    info = registry.current_info(sentiment_model.NAME, settings.model_dir)
    return info.version if info is not None else "bundled"


def _saved_stamp(settings: Settings) -> dict:
    try:
        stamp = json.loads(fingerprint_path(settings).read_text())
    except (OSError, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) else {}


def is_stale(settings: Settings) -> bool:
    """True when there is no model or its inputs changed since it was trained."""
    if not model_path(settings).exists():
        return True
    stamp = _saved_stamp(settings)
    return bool(
        stamp.get("fingerprint") != training_fingerprint()
        or stamp.get("sentiment") != sentiment_version(settings)
    )


def _code_changed(settings: Settings) -> bool:
    """Rasa's training cache keys on config and data, not on our components' code."""
    return bool(_saved_stamp(settings).get("code") != training_fingerprint(CODE_INPUTS))


def train(settings: Settings, log_file: Optional[Path] = None) -> Path:
    """Run ``rasa train`` into the model dir; Rasa's output goes to ``log_file``."""
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_file or settings.log_dir / "train.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    fingerprint = training_fingerprint()
    code = training_fingerprint(CODE_INPUTS)
    sentiment = sentiment_version(settings)
    force = ["--force"] if _code_changed(settings) else []
    command = [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        "data",
        "--out",
        str(settings.model_dir),
        "--fixed-model-name",
        MODEL_NAME,
        *force,
    ]
    env = {**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    started = time.monotonic()
    with log_file.open("w") as log:
        result = subprocess.run(
            command, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env
        )
    if result.returncode != 0:
        tail = log_file.read_text(errors="replace").splitlines()[-25:]
        raise RuntimeError(
            f"rasa train failed (exit {result.returncode}); last lines of {log_file}:\n"
            + "\n".join(tail)
        )
    fingerprint_path(settings).write_text(
        json.dumps(
            {
                "fingerprint": fingerprint,
                "code": code,
                "sentiment": sentiment,
                "seconds": round(time.monotonic() - started, 1),
            }
        )
    )
    return model_path(settings)


def ensure_model(settings: Optional[Settings] = None, force: bool = False) -> bool:
    """Train if needed; returns True when a model was trained."""
    settings = settings or get_settings()
    if not force and not is_stale(settings):
        return False
    train(settings)
    return True


def promoted_note(settings: Settings) -> Optional[str]:
    """A note when Rasa serves a promoted version rather than ``shop.tar.gz``."""
    from crm_backend.admin.versions import promoted_archive

    promoted = promoted_archive(settings.model_dir)
    if promoted is None:
        return None
    return (
        f"Note: Rasa serves the version promoted in the console ({promoted.name[:-7]}), "
        f"not {model_path(settings).name}; promote or roll back in /console/admin/models "
        f"(or delete {promoted.parent / 'LIVE'} to serve {model_path(settings).name})."
    )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="train even if up to date")
    args = parser.parse_args(argv)
    settings = get_settings()
    note = promoted_note(settings)
    if not args.force and not is_stale(settings):
        print(f"Model {model_path(settings)} is up to date.")
        if note:
            print(note)
        return 0
    print(f"Training the model (log: {settings.log_dir / 'train.log'}) ...", flush=True)
    started = time.monotonic()
    try:
        path = train(settings)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Trained {path} in {time.monotonic() - started:.0f} s.")
    if note:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
