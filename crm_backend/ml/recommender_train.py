"""Fit the recommender on the CRM's order history and store it as a ``recommender`` version.

    python -m crm_backend.ml recommender train [--force] [--database-url URL] [--model-dir DIR]
    python -m crm_backend.ml recommender info

Purchases = order lines of paid, shipped and delivered orders of active customers. The
parameters (lambda, own-history weight and half-life) were chosen on a validation month
of Online Retail (see benchmarks/recommender.py); they are recorded in the metadata.
Training is skipped when the purchases and parameters are unchanged (``--force``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from tqdm import tqdm

from crm_backend.ml import registry
from crm_backend.ml.recommender import (
    NAME,
    Recommender,
    association_rules,
    ease,
    keep_top_k,
    popularity_order,
)
from crm_backend.models import OrderStatus

CODE_VERSION = "recommender-1"
PURCHASE_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
DEFAULT_PARAMS: Dict[str, Any] = {
    "lam": 500.0,
    "top_k": 200,
    "history_weight": 2.0,
    "half_life_days": 365.0,
    "popularity_days": 90,
    "min_pair_orders": 3,
    "rules_per_item": 20,
    "max_items": 8000,
}


def _codes(values: pd.Series) -> Tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values, sort=True)
    return codes, np.asarray(uniques)


def fit(
    purchases: pd.DataFrame,
    as_of: datetime,
    params: Optional[Mapping[str, Any]] = None,
) -> Recommender:
    """A recommender from purchase lines (columns customer_id, sku, order_id, placed_at)."""
    p = {**DEFAULT_PARAMS, **dict(params or {})}
    if purchases.empty:
        raise ValueError("no purchases to learn from")
    frame = purchases[["customer_id", "sku", "order_id", "placed_at"]].copy()
    buyers = frame.groupby("sku")["customer_id"].nunique().sort_values(ascending=False)
    if len(buyers) > p["max_items"]:  # EASE inverts an items x items matrix
        frame = frame[frame["sku"].isin(buyers.index[: int(p["max_items"])])]
    item_codes, items = _codes(frame["sku"])
    user_codes, users = _codes(frame["customer_id"])
    order_codes, orders = _codes(frame["order_id"])
    ones = np.ones(len(frame), dtype=np.float32)
    x = sp.csr_matrix((ones, (user_codes, item_codes)), shape=(len(users), len(items)))
    x.data[:] = 1.0
    weights = keep_top_k(ease(x, float(p["lam"])), int(p["top_k"]))
    recent = frame["placed_at"] >= pd.Timestamp(as_of) - pd.Timedelta(days=p["popularity_days"])
    counts = np.zeros(len(items))
    recent_items = pd.Series(item_codes[recent.to_numpy()])
    recent_users = pd.Series(user_codes[recent.to_numpy()])
    per_item = pd.DataFrame({"i": recent_items, "u": recent_users}).groupby("i")["u"].nunique()
    counts[per_item.index.to_numpy()] = per_item.to_numpy()
    overall = np.asarray(x.sum(axis=0)).ravel()
    popularity = popularity_order(counts * 1e6 + overall)  # recent buyers, then all-time
    baskets = sp.csr_matrix((ones, (order_codes, item_codes)), shape=(len(orders), len(items)))
    rules = association_rules(baskets, int(p["min_pair_orders"]), int(p["rules_per_item"]))
    return Recommender(
        items=[str(s) for s in items],
        weights=weights,
        popularity=popularity,
        rules=rules,
        params={k: float(v) for k, v in p.items()},
    )


def crm_purchases(uow: Any) -> pd.DataFrame:
    """Purchase lines from the CRM (inside an entered unit of work)."""
    rows = uow.analytics.purchase_lines(PURCHASE_STATUSES)
    frame = pd.DataFrame(rows, columns=["customer_id", "sku", "order_id", "placed_at", "quantity"])
    frame["placed_at"] = pd.to_datetime(frame["placed_at"], utc=True)
    return frame


def data_fingerprint(purchases: pd.DataFrame, params: Mapping[str, Any]) -> str:
    """SHA-256 of the purchase lines (in query order), the parameters and code version."""
    table = purchases[["customer_id", "sku", "order_id", "placed_at"]].astype(str)
    rows = pd.util.hash_pandas_object(table, index=False).to_numpy()
    content = hashlib.sha256(rows.tobytes()).hexdigest()
    return registry.fingerprint(content, len(purchases), dict(params), CODE_VERSION)


def train(
    uow: Any,
    model_dir: Optional[Path] = None,
    force: bool = False,
    progress: bool = True,
    now: Optional[datetime] = None,
    params: Optional[Mapping[str, Any]] = None,
) -> Tuple[registry.ModelInfo, bool]:
    """Fit on the CRM (a not-yet-entered unit of work) unless up to date."""
    chosen = {**DEFAULT_PARAMS, **dict(params or {})}
    started = time.monotonic()
    with tqdm(total=3, desc="recommender", unit="step", disable=not progress) as bar:
        bar.set_postfix_str("read purchases")
        with uow:
            purchases = crm_purchases(uow)
        bar.update()
        data_fp = data_fingerprint(purchases, chosen)
        current = registry.is_current(NAME, data_fp, model_dir)
        if current is not None and not force:
            bar.update(2)
            return current, False
        bar.set_postfix_str("fit EASE + rules")
        when = now or datetime.now(timezone.utc)
        model = fit(purchases, when, chosen)
        bar.update()
        bar.set_postfix_str("save")
        metrics = {
            "customers": int(purchases["customer_id"].nunique()),
            "items": len(model.items),
            "orders": int(purchases["order_id"].nunique()),
            "purchase_lines": len(purchases),
            "rules": int(sum(len(r) for r in model.rules.values())),
            "weights_nnz": int(model.weights.nnz),
        }
        info = registry.save_model(
            NAME,
            model,
            data_fingerprint=data_fp,
            params={**chosen, "code_version": CODE_VERSION},
            metrics=metrics,
            inputs=[{"source": "crm", "as_of": when.isoformat()}],
            model_dir=model_dir,
            training_seconds=time.monotonic() - started,
        )
        bar.update()
    return info, True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("train", help="fit on the CRM's orders (skips if up to date)")
    cmd.add_argument("--force", action="store_true")
    cmd.add_argument("--database-url", help="default: DATABASE_URL")
    cmd.add_argument("--model-dir", type=Path, help="default: MODEL_DIR")
    cmd.add_argument("--no-progress", action="store_true")
    info = sub.add_parser("info", help="print the current version's metadata")
    info.add_argument("--model-dir", type=Path, help="default: MODEL_DIR")


def run(args: argparse.Namespace) -> int:
    if args.command == "info":
        current = registry.current_info(NAME, args.model_dir)
        if current is None:
            print(registry.ModelNotTrained(NAME, registry.ml_root(args.model_dir)))
            return 1
        print(json.dumps(current.metadata, indent=2, ensure_ascii=False))
        return 0
    from crm_backend.ml.crm_session import unit_of_work

    with unit_of_work(args.database_url) as make_uow:
        info, trained = train(make_uow(), args.model_dir, args.force, not args.no_progress)
    state = "trained" if trained else "up to date:"
    print(f"recommender {state} {info.version} {json.dumps(info.metadata['metrics'])}")
    return 0
