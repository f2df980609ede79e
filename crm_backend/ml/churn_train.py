"""Train the churn model and refresh every customer's churn score.

    python -m crm_backend.ml churn train [--source auto|crm|online-retail] [--force]
    python -m crm_backend.ml churn refresh [--as-of YYYY-MM-DD] [--no-progress]
    python -m crm_backend.ml churn info

train: features as of ``last order - 90 days`` and labels "no order in the next 90 days"
from the CRM; with too little history (the demo seed) ``auto`` falls back to the Online
Retail dataset with the same feature code. Skipped when the training table, parameters
and code are unchanged (``--force`` retrains).

refresh: scores all active customers as of ``--as-of`` (default: the day after the newest
order, never later than now) and writes churn_score, churn_band, churn_reasons (EN + ZH)
and churn_model_version to ``customer_scores`` through ``uow.scores``, in one commit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import StratifiedKFold, cross_val_score
from tqdm import tqdm

from crm_backend.ml import churn, registry, retail
from crm_backend.ml.churn_features import (
    FEATURES,
    HORIZON_DAYS,
    ORDER_STATUSES,
    crm_features,
    crm_labels,
    retail_features,
    retail_labels,
)

CODE_VERSION = "churn-1"
MIN_CUSTOMERS = 200
MIN_CLASS = 20
CHUNK = 2000
PARAMS: Dict[str, Any] = {
    "C": 1.0,
    "folds": churn.CV_FOLDS,
    "horizon_days": HORIZON_DAYS,
    "priors": churn.PRIORS,
    "bands": churn.BAND_CUTS,
}


@dataclass(frozen=True)
class TrainingSet:
    source: str
    as_of: datetime
    frame: pd.DataFrame
    labels: pd.Series


def _last_order(uow: Any, now: datetime) -> Optional[datetime]:
    stats = uow.analytics.order_stats(ORDER_STATUSES, now + timedelta(days=1))
    return max((row[4] for row in stats), default=None)


def crm_training_set(uow: Any, now: datetime) -> Optional[TrainingSet]:
    """Features at (newest order - horizon) and labels, or None if too little history."""
    with uow:
        last = _last_order(uow, now)
        if last is None:
            return None
        as_of = last - timedelta(days=HORIZON_DAYS)
        frame = crm_features(uow, as_of)
        frame = frame[frame["frequency"] > 0]
        labels = crm_labels(uow, frame.index, as_of)
    if len(frame) < MIN_CUSTOMERS or labels.value_counts().min() < MIN_CLASS:
        return None
    return TrainingSet("crm", as_of, frame, labels)


def retail_training_set(datasets: Optional[Path] = None) -> TrainingSet:
    """Online Retail: features 90 days before the last invoice day, labels after."""
    raw = retail.raw(datasets)
    purchases = retail.purchases(raw)
    end = purchases["placed_at"].max().normalize() + pd.Timedelta(days=1)
    as_of = (end - pd.Timedelta(days=HORIZON_DAYS)).tz_localize("UTC").to_pydatetime()
    frame = retail_features(purchases, retail.cancellations(raw), as_of)
    return TrainingSet("online-retail", as_of, frame, retail_labels(purchases, frame.index, as_of))


def _fingerprint(data: TrainingSet) -> str:
    table = data.frame.assign(label=data.labels).round(6)
    rows = pd.util.hash_pandas_object(table, index=True).to_numpy()
    return registry.fingerprint(
        data.source, data.as_of.isoformat(), hashlib.sha256(rows.tobytes()).hexdigest(),
        PARAMS, CODE_VERSION,
    )  # fmt: skip


def cv_auc(data: TrainingSet, folds: int = churn.CV_FOLDS) -> float:
    """Stratified k-fold ROC-AUC of the uncalibrated pipeline (calibration is monotone)."""
    splitter = StratifiedKFold(folds, shuffle=True, random_state=42)
    learned = [f for f in FEATURES if f not in churn.signal_columns(data.frame, churn.PRIORS)]
    scores = cross_val_score(
        churn.build_pipeline(learned, []), data.frame[learned], data.labels,
        cv=splitter, scoring="roc_auc",
    )  # fmt: skip
    return float(np.mean(scores))


def train(
    make_uow: Optional[Callable[[], Any]],
    source: str = "auto",
    model_dir: Optional[Path] = None,
    datasets: Optional[Path] = None,
    force: bool = False,
    now: Optional[datetime] = None,
    progress: bool = False,
) -> Tuple[registry.ModelInfo, bool]:
    """Train unless the current version was trained on the same table."""
    when = now or datetime.now(timezone.utc)
    data = None
    with tqdm(total=4, desc="churn", unit="step", disable=not progress) as bar:
        bar.set_postfix_str("features + labels")
        if source in ("auto", "crm") and make_uow is not None:
            data = crm_training_set(make_uow(), when)
            if data is None and source == "crm":
                raise ValueError(
                    f"the CRM has too little order history to train churn (need "
                    f"{MIN_CUSTOMERS} customers with orders and {MIN_CLASS} of each outcome);"
                    " use --source online-retail"
                )
        if data is None:
            data = retail_training_set(datasets)
        bar.update()
        data_fp = _fingerprint(data)
        current = registry.is_current(churn.NAME, data_fp, model_dir)
        if current is not None and not force:
            bar.update(3)
            return current, False
        started = time.monotonic()
        bar.set_postfix_str("fit + calibrate")
        model = churn.fit(data.frame, data.labels, FEATURES, priors=churn.PRIORS, c=PARAMS["C"])
        bar.update()
        bar.set_postfix_str("cross-validate")
        in_sample = model.predict(data.frame)
        metrics = {
            "source": data.source,
            "as_of": data.as_of.isoformat(),
            "customers": len(data.frame),
            "churn_rate": round(float(data.labels.mean()), 4),
            "cv_roc_auc": round(cv_auc(data), 4),
            "brier_in_sample": round(float(brier_score_loss(data.labels, in_sample)), 4),
            "learned_features": model.numeric,
            "prior_features": model.priors,
        }
        bar.update()
        bar.set_postfix_str("save")
        info = registry.save_model(
            churn.NAME, model, data_fingerprint=data_fp,
            params={**PARAMS, "code_version": CODE_VERSION}, metrics=metrics,
            inputs=[{"source": data.source, "rows": len(data.frame)}], model_dir=model_dir,
            training_seconds=time.monotonic() - started,
        )  # fmt: skip
        bar.update()
    return info, True


def score_rows(model: churn.ChurnModel, frame: pd.DataFrame, version: str) -> List[Dict[str, Any]]:
    """customer_scores rows (churn fields only) for the customers in ``frame``."""
    scores = model.predict(frame)
    reasons = model.reasons(frame)
    return [
        {
            "customer_id": int(customer_id),
            "churn_score": round(float(score), 4),
            "churn_band": churn.band(float(score)),
            "churn_reasons": found,
            "churn_model_version": version,
        }
        for customer_id, score, found in zip(frame.index, scores, reasons, strict=True)
    ]


def refresh(
    make_uow: Callable[[], Any],
    as_of: Optional[datetime] = None,
    model_dir: Optional[Path] = None,
    progress: bool = True,
    now: Optional[datetime] = None,
) -> Tuple[int, datetime, str]:
    """Score every active customer; returns (rows written, as_of, model version)."""
    model = churn.load(model_dir)
    when = now or datetime.now(timezone.utc)
    with make_uow() as uow:
        if as_of is None:
            last = _last_order(uow, when)
            as_of = when if last is None else min(when, last + timedelta(days=1))
        frame = crm_features(uow, as_of)
        written = 0
        with tqdm(
            total=len(frame), desc="churn scores", unit="customer", disable=not progress
        ) as bar:
            for start in range(0, len(frame), CHUNK):
                chunk = frame.iloc[start : start + CHUNK]
                written += uow.scores.bulk_upsert(score_rows(model, chunk, model.version))
                bar.update(len(chunk))
        uow.commit()
    return written, as_of, model.version


def _date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("train", help="train (skips if up to date)")
    cmd.add_argument("--source", choices=("auto", "crm", "online-retail"), default="auto")
    cmd.add_argument("--force", action="store_true")
    cmd.add_argument("--datasets", type=Path, help="default: DATASETS_DIR")
    for command in (cmd, sub.add_parser("refresh", help="score every active customer")):
        command.add_argument("--database-url", help="default: DATABASE_URL")
        command.add_argument("--model-dir", type=Path, help="default: MODEL_DIR")
        command.add_argument("--no-progress", action="store_true")
    sub.choices["refresh"].add_argument("--as-of", type=_date, help="default: newest order + 1 day")
    info = sub.add_parser("info", help="print the current version's metadata")
    info.add_argument("--model-dir", type=Path, help="default: MODEL_DIR")


def run(args: argparse.Namespace) -> int:
    if args.command == "info":
        current = registry.current_info(churn.NAME, args.model_dir)
        if current is None:
            print(registry.ModelNotTrained(churn.NAME, registry.ml_root(args.model_dir)))
            return 1
        print(json.dumps(current.metadata, indent=2, ensure_ascii=False))
        return 0
    from crm_backend.ml.crm_session import unit_of_work

    with unit_of_work(args.database_url) as make_uow:
        if args.command == "train":
            info, trained = train(
                make_uow, args.source, args.model_dir, args.datasets, args.force,
                progress=not args.no_progress,
            )  # fmt: skip
            state = "trained" if trained else "up to date:"
            print(f"churn {state} {info.version} {json.dumps(info.metadata['metrics'])}")
            return 0
        try:
            started = time.monotonic()
            written, as_of, version = refresh(
                make_uow, args.as_of, args.model_dir, not args.no_progress
            )
        except registry.ModelNotTrained as missing:
            print(missing)
            return 1
    print(
        f"churn scores of {written:,} customers as of {as_of:%Y-%m-%d} written with {version}"
        f" in {time.monotonic() - started:.1f} s"
    )
    return 0
