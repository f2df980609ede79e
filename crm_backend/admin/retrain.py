"""The retraining job: ``python -m crm_backend.admin.retrain --version ID --actor NAME``.

Started by :mod:`crm_backend.admin.jobs` as a subprocess (the web app stays responsive).
Stages, reported in ``<versions>/jobs/<id>.status.json`` (the log goes to stdout):

1. export the inbox annotations to the NLU data and the inbox test sets;
2. ``rasa train`` into a scratch folder (Rasa's cache makes unchanged parts quick). Intents
   created in the inbox are not in ``domain.yml``: the job trains with a domain *folder* in
   its scratch folder, a copy of ``domain.yml`` plus a fragment listing them
   (:func:`crm_backend.admin.intents.write_domain_fragment`); ``domain.yml`` is not edited;
3. evaluate the new model and the live one on the same held-out test sets;
4. register the version (archive + metadata). The live model is never touched: a failed
   job leaves nothing behind but its log and status.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.paths import CODE_INPUTS, model_path
from bot.train import training_fingerprint
from crm_backend.admin import evaluate
from crm_backend.admin.inbox import export_annotations
from crm_backend.admin.intents import domain_names, new_intents, write_domain_fragment
from crm_backend.admin.versions import ModelVersion, VersionRegistry, now_iso
from crm_backend.db import make_engine, make_session_factory
from crm_backend.settings import PROJECT_ROOT, Settings, get_settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork


def write_status(path: Path, **values: Any) -> None:
    current: Dict[str, Any] = {}
    try:
        current = json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    current.update(values)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(current))
    os.replace(tmp, path)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def train_command(
    out_dir: Path, version_id: str, root: Path, config: Path, domain: Optional[Path] = None
) -> List[str]:
    """``rasa train`` of ``root``'s data; ``domain``: a file or folder (default
    ``root/domain.yml``)."""
    return [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "--config",
        str(config),
        "--domain",
        str(domain or root / "domain.yml"),
        "--data",
        str(root / "data"),
        "--out",
        str(out_dir),
        "--fixed-model-name",
        version_id,
    ]


def data_fingerprint(root: Path, config: Path, domain: Optional[Path] = None) -> str:
    """SHA-256 over the training inputs (config, domain, data/) and our NLU components."""
    digest = hashlib.sha256(training_fingerprint(CODE_INPUTS).encode())
    domain = domain or root / "domain.yml"
    domain_files = sorted(domain.glob("*.yml")) if domain.is_dir() else [domain]
    files = [config, *domain_files, *sorted((root / "data").rglob("*.yml"))]
    for path in files:
        digest.update(
            str(path.relative_to(root) if path.is_relative_to(root) else path.name).encode()
        )
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run(
    settings: Settings,
    version_id: str,
    actor: str,
    status: Path,
    root: Path = PROJECT_ROOT,
    config: Optional[Path] = None,
) -> int:
    """Export, train, evaluate, register. ``root`` holds the training inputs (domain.yml,
    data/, tests/nlu/; default: the project); ``config`` defaults to ``root/config.yml``."""
    registry = VersionRegistry(settings.model_dir, model_path(settings))
    write_status(status, state="running", stage="export", progress=5)
    say("Exporting the inbox annotations ...")
    engine = make_engine(settings.database_url)
    try:
        summary = export_annotations(
            lambda: SqlAlchemyUnitOfWork(make_session_factory(engine)), root
        )
    finally:
        engine.dispose()
    say(f"Exported: training {summary.train}, held out {summary.test}")
    config = config or root / "config.yml"
    created = new_intents(summary.intents, domain_names(root))
    previous = registry.live_id()

    write_status(status, stage="train", progress=15)
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="retrain-", dir=str(settings.model_dir)))
    try:
        domain = root / "domain.yml"
        if created:
            domain = write_domain_fragment(domain, created, scratch / "domain")
            say(f"New intents from the inbox, added to the training domain: {created}")
        fingerprint = data_fingerprint(root, config, domain)
        say("Training (rasa train) ...")
        env = {**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
        result = subprocess.run(
            train_command(scratch, version_id, root, config, domain),
            cwd=PROJECT_ROOT,
            stdout=sys.stdout,
            stderr=subprocess.STDOUT,
            env=env,
        )
        archive = scratch / f"{version_id}.tar.gz"
        if result.returncode != 0 or not archive.exists():
            raise RuntimeError(f"rasa train failed (exit {result.returncode})")

        write_status(status, stage="evaluate", progress=70)
        files = evaluate.test_files(root / "tests" / "nlu")
        say(f"Evaluating on {', '.join(p.name for p in files)} ...")
        registry.root.mkdir(parents=True, exist_ok=True)
        metrics = evaluate.evaluate(archive, files, registry.confusion_png(version_id))
        say(f"New model: accuracy {metrics['accuracy']}, macro-F1 {metrics['macro_f1']}")
        old: Optional[Dict[str, Any]] = None
        if previous is not None:
            write_status(status, stage="evaluate previous", progress=85)
            old = evaluate.evaluate(registry.archive(previous), files)
            say(f"Live model {previous}: accuracy {old['accuracy']}, macro-F1 {old['macro_f1']}")
        metrics["previous"] = old
        metrics["change"] = evaluate.compare(metrics, old)

        shutil.move(str(archive), str(registry.archive(version_id)))
        registry.save(
            ModelVersion(
                id=version_id,
                created_at=now_iso(),
                created_by=actor,
                fingerprint=fingerprint,
                metrics=metrics,
                previous=previous,
                note=f"new intents: {', '.join(created)}" if created else "",
            )
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    say(f"Version {version_id} is ready; promote it in the console to serve it.")
    write_status(status, state="succeeded", stage="done", progress=100, finished_at=now_iso())
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--version", required=True)
    parser.add_argument("--actor", required=True)
    parser.add_argument("--status", required=True, type=Path)
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="training inputs")
    parser.add_argument("--config", type=Path, default=None, help="default: ROOT/config.yml")
    args = parser.parse_args(argv)
    try:
        return run(
            get_settings(), args.version, args.actor, args.status, args.root.resolve(), args.config
        )
    except Exception as error:  # noqa: BLE001 - the job reports every failure
        traceback.print_exc(file=sys.stdout)
        say(f"FAILED: {error}")
        write_status(args.status, state="failed", error=str(error)[:500], finished_at=now_iso())
        return 1


if __name__ == "__main__":
    sys.exit(main())
