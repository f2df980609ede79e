"""Batch scoring: CLTV + RFM + segment for every active customer -> ``customer_scores``.

    python -m crm_backend.ml.segmentation refresh [--database-url URL] [--model-dir DIR]
        [--as-of YYYY-MM-DD] [--plot PATH.png] [--k K] [--if-changed] [--no-progress]

``--k`` forces k instead of the silhouette choice; ``--if-changed`` does nothing when the
newest model was fitted on the same inputs and every customer already carries its scores.

One unit of work: read the RFM snapshot (:mod:`crm_backend.ml.rfm`), fit the segmentation
(:mod:`crm_backend.ml.segment_model`), compute CLTV (:mod:`crm_backend.ml.cltv`), upsert
``cltv``, ``cltv_horizon_years``, ``rfm_*``, ``segment``, ``segment_model_version`` and
``sentiment_avg`` (mean of the customer's conversations, where any) through ``uow.scores``
-- churn fields are left alone -- and commit once. Customers without a counted order get
CLTV 0 and the segment "No orders yet". The fitted scaler + K-means (joblib) and
``metadata.json`` (date, k, silhouette per k, data fingerprint, library versions, segment
profiles) go to ``<MODEL_DIR>/ml/segmentation/<version>/``; ``LATEST`` names the newest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import joblib
import numpy as np
import pandas as pd
import scipy
import sklearn
from tqdm import tqdm

from crm_backend.ml.cltv import DEFAULT_RATE, DEFAULT_YEARS, customer_cltv, to_money
from crm_backend.ml.rfm import (
    COUNTED_STATUSES,
    active_customer_ids,
    fingerprint,
    rfm_snapshot,
    sentiment_by_customer,
)
from crm_backend.ml.segment_model import (
    K_RANGE,
    NO_ORDERS,
    RANDOM_STATE,
    SegmentModel,
    fit_segments,
    scatter_plot,
)
from crm_backend.settings import get_settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

CHUNK = 2000


@dataclass(frozen=True)
class RefreshResult:
    version: str
    as_of: datetime
    customers_scored: int
    customers_segmented: int
    k: int
    silhouette: Optional[float]
    silhouette_by_k: Dict[int, float]
    segment_counts: Dict[str, int]
    profiles: pd.DataFrame
    model_path: Optional[Path]
    plot_path: Optional[Path]
    unchanged: bool = False


def _segmentation_dir(model_dir: Optional[Path]) -> Path:
    return (model_dir or get_settings().model_dir) / "ml" / "segmentation"


def _score_rows(
    ids: Sequence[int],
    rfm: pd.DataFrame,
    segments: Optional[pd.Series],
    sentiment: pd.Series,
    as_of: datetime,
    version: str,
    rate: float,
    years: int,
) -> List[Dict[str, Any]]:
    rows: List[Dict[str, Any]] = []
    records = rfm.to_dict("index")
    for customer_id in ids:
        row: Dict[str, Any] = {
            "customer_id": customer_id,
            "cltv_horizon_years": years,
            "segment_model_version": version,
        }
        record = records.get(customer_id)
        if record is None:
            row.update(cltv=to_money(0.0), rfm_recency_days=None, rfm_frequency=0,
                       rfm_monetary=to_money(0.0), segment=NO_ORDERS)  # fmt: skip
        else:
            first = record["first_order_at"].to_pydatetime()
            row.update(
                cltv=customer_cltv(record["monetary"], first, as_of, rate=rate, years=years),
                rfm_recency_days=int(record["recency_days"]),
                rfm_frequency=int(record["frequency"]),
                rfm_monetary=to_money(record["monetary"]),
                segment=None if segments is None else segments[customer_id],
            )
        if customer_id in sentiment.index:
            row["sentiment_avg"] = round(float(sentiment[customer_id]), 4)
        rows.append(row)
    return rows


def _save_model(
    directory: Path, model: SegmentModel, metadata: Dict[str, Any]
) -> Path:  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(
        {"scaler": model.scaler, "kmeans": model.kmeans, "names": model.names},
        directory / "model.joblib",
    )
    (directory / "metadata.json").write_text(
        json.dumps(metadata, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    (directory.parent / "LATEST").write_text(directory.name + "\n", encoding="utf-8")
    return directory


def _inputs_fingerprint(data_fp: str, ids: Sequence[int], sentiment: pd.Series, params: Any) -> str:
    digest = hashlib.sha256(data_fp.encode())
    digest.update(json.dumps([list(ids), params], default=str).encode())
    digest.update(
        json.dumps(sorted((int(k), round(float(v), 4)) for k, v in sentiment.items())).encode()
    )
    return digest.hexdigest()


def _latest(folder: Path) -> Optional[Tuple[str, Dict[str, Any]]]:
    """(version, metadata) of the newest saved model, if any is readable."""
    try:
        version = (folder / "LATEST").read_text(encoding="utf-8").strip()
        metadata = json.loads((folder / version / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return version, metadata


def _unchanged(
    version: str, metadata: Dict[str, Any], counts: Dict[str, int], ids: Sequence[int]
) -> RefreshResult:
    return RefreshResult(
        version=version,
        as_of=datetime.fromisoformat(metadata["as_of"]),
        customers_scored=len(ids),
        customers_segmented=int(metadata["customers"]),
        k=int(metadata["k"]),
        silhouette=float(metadata["silhouette"]),
        silhouette_by_k={int(k): float(v) for k, v in metadata["silhouette_by_k"].items()},
        segment_counts=counts,
        profiles=pd.DataFrame(metadata["segments"]).set_index("segment"),
        model_path=None,
        plot_path=None,
        unchanged=True,
    )


def library_versions() -> Dict[str, str]:
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
    }


def refresh(
    uow: SqlAlchemyUnitOfWork,
    *,
    model_dir: Optional[Path] = None,
    as_of: Optional[datetime] = None,
    now: Optional[datetime] = None,
    rate: float = DEFAULT_RATE,
    years: int = DEFAULT_YEARS,
    ks: Sequence[int] = K_RANGE,
    random_state: int = RANDOM_STATE,
    plot_path: Optional[Path] = None,
    progress: bool = False,
    skip_if_unchanged: bool = False,
) -> RefreshResult:
    """Score every active customer and commit (see the module docstring).

    ``skip_if_unchanged``: do nothing if the newest saved model was fitted on exactly these
    inputs (customers, RFM features, sentiment, parameters) and every active customer's
    score row carries its version (``RefreshResult.unchanged`` is then True).
    """
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    with uow:
        ids = active_customer_ids(uow.session)
        rfm, snapshot = rfm_snapshot(uow.session, when, as_of)
        sentiment = sentiment_by_customer(uow.session)
        data_fp = fingerprint(rfm, snapshot)
        inputs_fp = _inputs_fingerprint(
            data_fp, ids, sentiment, (rate, years, list(ks), random_state)
        )
        if skip_if_unchanged:
            latest = _latest(_segmentation_dir(model_dir))
            if (
                latest is not None
                and latest[1].get("inputs_fingerprint") == inputs_fp
                and uow.scores.count_with_segment_version(latest[0]) == len(ids)
            ):
                return _unchanged(latest[0], latest[1], uow.scores.segment_counts(), ids)
        version = f"{when:%Y%m%dT%H%M%SZ}-{data_fp[:8]}"
        try:
            model: Optional[SegmentModel] = fit_segments(rfm, ks, random_state)
        except ValueError:  # fewer than 3 distinct customers: CLTV/RFM only
            model = None
        segments = None
        if model is not None:
            segments = pd.Series(
                [model.names[int(label)] for label in model.kmeans.labels_], index=rfm.index
            )
        rows = _score_rows(ids, rfm, segments, sentiment, snapshot, version, rate, years)
        with tqdm(total=len(rows), desc="customer_scores", unit="row", disable=not progress) as bar:
            for start in range(0, len(rows), CHUNK):
                uow.scores.bulk_upsert(rows[start : start + CHUNK])
                bar.update(len(rows[start : start + CHUNK]))
        model_path = None
        if model is not None:
            metadata = {
                "version": version,
                "created_at": when.isoformat(),
                "as_of": snapshot.isoformat(),
                "k": model.k,
                "silhouette": round(model.silhouette, 4),
                "silhouette_by_k": {k: round(v, 4) for k, v in model.silhouette_by_k.items()},
                "customers": len(rfm),
                "data_fingerprint": data_fp,
                "inputs_fingerprint": inputs_fp,
                "features": "log1p + StandardScaler of recency_days, frequency, monetary",
                "counted_order_statuses": [str(s) for s in COUNTED_STATUSES],
                "random_state": random_state,
                "cltv": {"rate": rate, "years": years, "method": "annualised spend, 1y floor"},
                "segments": model.profiles.reset_index().to_dict("records"),
                "libraries": library_versions(),
            }
            model_path = _save_model(_segmentation_dir(model_dir) / version, model, metadata)
        uow.commit()
    counts = pd.Series([r["segment"] for r in rows if r["segment"]]).value_counts()
    plot = None
    if plot_path is not None and segments is not None:
        title = f"RFM segments: k={model.k if model else 0}, as of {snapshot:%Y-%m-%d}"
        plot = scatter_plot(rfm, segments, plot_path, title)
    return RefreshResult(
        version=version,
        as_of=snapshot,
        customers_scored=len(rows),
        customers_segmented=0 if segments is None else len(segments),
        k=model.k if model else 0,
        silhouette=model.silhouette if model else None,
        silhouette_by_k=dict(model.silhouette_by_k) if model else {},
        segment_counts={str(k): int(v) for k, v in counts.items()},
        profiles=model.profiles if model else pd.DataFrame(),
        model_path=model_path,
        plot_path=plot,
    )


def _as_of(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main(argv: Optional[List[str]] = None) -> int:
    from sqlalchemy.pool import NullPool

    from crm_backend.db import make_engine, make_session_factory

    parser = argparse.ArgumentParser(prog="python -m crm_backend.ml.segmentation")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("refresh", help="score all customers (CLTV, RFM, segment)")
    cmd.add_argument("--database-url", help="default: DATABASE_URL")
    cmd.add_argument("--model-dir", type=Path, help="default: MODEL_DIR")
    cmd.add_argument("--as-of", type=_as_of, help="RFM snapshot date (default: last order + 1d)")
    cmd.add_argument("--plot", type=Path, help="also save the RFM scatter plot (PNG)")
    cmd.add_argument("--k", type=int, choices=range(2, 9), help="force k (default: silhouette)")
    cmd.add_argument("--no-progress", action="store_true")
    cmd.add_argument(
        "--if-changed",
        action="store_true",
        help="skip if the data did not change since the last run",
    )
    args = parser.parse_args(argv)
    engine = make_engine(args.database_url or get_settings().database_url, poolclass=NullPool)
    try:
        result = refresh(
            SqlAlchemyUnitOfWork(make_session_factory(engine)),
            model_dir=args.model_dir,
            as_of=args.as_of,
            plot_path=args.plot,
            ks=K_RANGE if args.k is None else [args.k],
            skip_if_unchanged=args.if_changed,
            progress=not args.no_progress and sys.stderr.isatty(),
        )
    finally:
        engine.dispose()
    if result.unchanged:
        print(f"segments up to date (version {result.version}); nothing to do")
        return 0
    silhouette = "n/a" if result.silhouette is None else f"{result.silhouette:.3f}"
    print(
        f"scored {result.customers_scored:,} customers ({result.customers_segmented:,} "
        f"segmented) as of {result.as_of:%Y-%m-%d}: k={result.k}, silhouette={silhouette}"
    )
    for name, count in result.segment_counts.items():
        print(f"  {name}: {count:,}")
    if result.model_path:
        print(f"model: {result.model_path}")
    if result.plot_path:
        print(f"plot: {result.plot_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
