"""Bring every shipped ML model up to date (what ``make run`` / ``make test`` call).

    python -m crm_backend.ml ensure [--database-url URL] [--model-dir DIR] [--no-progress]

1. sentiment: trained from the shared datasets unless the current version used the same
   files, parameters and code (skipped with a note when the datasets are absent; the
   Rasa component then bundles its small fallback model);
2. recommender: fitted on the CRM's orders unless they are unchanged;
3. churn: trained (CRM history, else Online Retail) unless the training table is
   unchanged, then every customer's churn score is refreshed.

Each step is idempotent; run it after migrating/seeding and before ``python -m bot.train``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import List

from crm_backend.ml import churn_train, recommender_train, registry, sentiment_train


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    parser.add_argument("--model-dir", type=Path, help="default: MODEL_DIR")
    parser.add_argument("--datasets", type=Path, help="default: DATASETS_DIR")
    parser.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:
    from crm_backend.ml.crm_session import unit_of_work

    progress = not args.no_progress
    lines: List[str] = []
    started = time.monotonic()
    step = time.monotonic()
    try:
        info, trained = sentiment_train.train(args.model_dir, args.datasets, False, progress)
        lines.append(f"sentiment   {'trained' if trained else 'up to date'}: {info.version}")
    except FileNotFoundError as missing:
        lines.append(f"sentiment   skipped ({missing}); Rasa will use the bundled fallback")
    lines[-1] += f" ({time.monotonic() - step:.0f} s)"
    with unit_of_work(args.database_url) as make_uow:
        step = time.monotonic()
        try:
            info, trained = recommender_train.train(make_uow(), args.model_dir, False, progress)
            lines.append(f"recommender {'trained' if trained else 'up to date'}: {info.version}")
        except ValueError as empty:
            lines.append(f"recommender skipped ({empty}); best sellers are used")
        lines[-1] += f" ({time.monotonic() - step:.0f} s)"
        step = time.monotonic()
        try:
            info, trained = churn_train.train(
                make_uow, "auto", args.model_dir, args.datasets, progress=progress
            )
            lines.append(f"churn       {'trained' if trained else 'up to date'}: {info.version}")
            written, as_of, _ = churn_train.refresh(make_uow, None, args.model_dir, progress)
            lines[-1] += f"; {written} scores as of {as_of:%Y-%m-%d}"
        except (FileNotFoundError, ValueError, registry.ModelNotTrained) as problem:
            lines.append(f"churn       skipped ({problem})")
        lines[-1] += f" ({time.monotonic() - step:.0f} s)"
    print("\n".join(lines))
    print(f"ML models ready in {time.monotonic() - started:.0f} s")
    return 0
