"""Recommender benchmark on Online Retail: popularity, EASE, EASE + own history and the
shipped model (all computed in this run), "bought together" hit rates and serving latency.

    .venv/bin/python -m benchmarks.recommender [--database-url URL] [--write]

Protocol (BASELINES.md): purchases = no cancellations, known CustomerID, Quantity > 0;
train on purchases before 2011-11-01; test = later purchases of customers known in train
(repurchases count); P@10 and nDCG@10 (binary relevance). The shipped parameters are
chosen on a validation month (train < 2011-10-01, validate October 2011), shown below.
Serving latency: ``recommend_for_customer`` on a CRM holding the imported Online Retail
history (``--database-url``, else it is imported into a temporary SQLite file).
Figure: benchmarks/figures/recommender.png.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from benchmarks.ml_report import (
    FIGURES,
    machine,
    online_retail_crm,
    timed,
    update_subsection,
)
from benchmarks.report_common import load_average, table
from crm_backend.ml import retail
from crm_backend.ml.recommender import Recommender, ease
from crm_backend.ml.recommender_train import DEFAULT_PARAMS, fit

CUTOFF = pd.Timestamp("2011-11-01")
VALIDATION = (pd.Timestamp("2011-10-01"), pd.Timestamp("2011-11-01"))
K = 10
DISCOUNT = 1 / np.log2(np.arange(2, K + 2))


class Split:
    def __init__(self, lines: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp | None):
        self.cutoff = start
        self.train = lines[lines["placed_at"] < start]
        test = lines[lines["placed_at"] >= start]
        if end is not None:
            test = test[test["placed_at"] < end]
        self.items = np.array(sorted(self.train["sku"].unique()))
        self.item_index = {s: i for i, s in enumerate(self.items)}
        users = sorted(self.train["customer_id"].unique())
        self.user_index = {u: i for i, u in enumerate(users)}
        rows = self.train["customer_id"].map(self.user_index)
        cols = self.train["sku"].map(self.item_index)
        self.x = sp.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(users), len(self.items))
        )
        self.x.data[:] = 1.0
        test = test[test["customer_id"].isin(self.user_index)]
        self.relevant: Dict[int, set] = test.groupby("customer_id")["sku"].apply(set).to_dict()
        grouped = self.train.groupby(["customer_id", "sku"]).agg(
            orders=("order_id", "nunique"), last=("placed_at", "max")
        )
        days = (start - grouped["last"]).dt.total_seconds() / 86400
        self.history: Dict[int, Dict[str, Tuple[int, float]]] = {}
        for (customer, sku), n, d in zip(grouped.index, grouped["orders"], days, strict=True):
            self.history.setdefault(customer, {})[sku] = (int(n), float(d))


def evaluate(split: Split, rank: Callable[[int], Sequence[str]]) -> Tuple[float, float]:
    precision, ndcg = [], []
    for customer, relevant in split.relevant.items():
        hits = np.array([sku in relevant for sku in list(rank(customer))[:K]], dtype=float)
        precision.append(hits.sum() / K)
        ideal = DISCOUNT[: min(K, len(relevant))].sum()
        ndcg.append(float((hits * DISCOUNT[: len(hits)]).sum() / ideal))
    return float(np.mean(precision)), float(np.mean(ndcg))


def baselines(split: Split, lam: float = 500.0) -> Dict[str, Tuple[float, float]]:
    popular = split.items[np.argsort(-np.asarray(split.x.sum(axis=0)).ravel(), kind="stable")][:K]
    scores = np.asarray(split.x @ ease(split.x, lam))
    top = scores.max(axis=1, keepdims=True)
    normalised = scores / np.where(top > 0, top, 1)
    dense = split.x.toarray()

    def ranked(values: np.ndarray) -> Callable[[int], Sequence[str]]:
        return lambda c: split.items[np.argsort(-values[split.user_index[c]], kind="stable")[:K]]

    return {
        "popularity (distinct buyers)": evaluate(split, lambda c: popular),
        f"EASE (lambda={lam:.0f})": evaluate(split, ranked(scores)),
        "EASE + own history (binary, weight 1)": evaluate(split, ranked(normalised + dense)),
    }


def ours(split: Split, model: Recommender) -> Tuple[float, float]:
    return evaluate(split, lambda c: [s.item for s in model.recommend(split.history[c], K)])


def validation_grid(lines: pd.DataFrame) -> List[List[object]]:
    split = Split(lines, *VALIDATION)
    rows: List[List[object]] = []
    for lam in (250.0, 500.0, 1000.0):
        model = fit(split.train, split.cutoff.to_pydatetime(), {"lam": lam})
        for weight in (1.0, 2.0, 3.0):
            for half_life in (90.0, 365.0):
                model.params.update(history_weight=weight, half_life_days=half_life)
                p, n = ours(split, model)
                rows.append([f"{lam:.0f}", weight, f"{half_life:.0f}", f"{p:.4f}", f"{n:.4f}"])
    return rows


def bought_together(split: Split, model: Recommender, lines: pd.DataFrame) -> Dict[str, float]:
    """Share of (test order, item) pairs where a top-5 suggestion is in the same order."""
    test = lines[(lines["placed_at"] >= split.cutoff) & lines["sku"].isin(split.item_index)]
    baskets = [set(g) for _, g in test.groupby("order_id")["sku"] if g.nunique() >= 2]
    popular = [model.items[i] for i in model.popularity[:6]]
    hits = {"rules, then EASE neighbours (shipped)": 0, "EASE neighbours only": 0,
            "popularity": 0}  # fmt: skip
    pairs = 0
    neighbours_only = Recommender(model.items, model.weights, model.popularity, {})
    for basket in baskets:
        for sku in basket:
            others = basket - {sku}
            pairs += 1
            shipped = {s.item for s in model.also_bought(sku, 5)}
            similar = {s.item for s in neighbours_only.also_bought(sku, 5)}
            hits["rules, then EASE neighbours (shipped)"] += bool(shipped & others)
            hits["EASE neighbours only"] += bool(similar & others)
            hits["popularity"] += bool(set([p for p in popular if p != sku][:5]) & others)
    return {name: count / max(pairs, 1) for name, count in hits.items()} | {"pairs": pairs}


def serving(database_url: str | None) -> Dict[str, float]:
    """Train on the imported CRM and time recommend_for_customer for 300 customers."""
    from crm_backend.ml import recommender_train, registry
    from crm_backend.ml.crm_session import unit_of_work
    from crm_backend.services.recommendations import recommend_for_customer
    from crm_backend.settings import get_settings

    scratch = Path(tempfile.mkdtemp(prefix="bench-rec-"))
    url = online_retail_crm(database_url, scratch)
    os.environ["MODEL_DIR"] = str(scratch / "models")  # a private model dir for this run
    get_settings.cache_clear()
    registry.clear_cache()
    with unit_of_work(url) as make_uow:
        with timed() as training:
            info, _ = recommender_train.train(make_uow(), progress=False)
        with make_uow() as uow:
            ids = [c for c, *_ in uow.analytics.order_stats(
                recommender_train.PURCHASE_STATUSES, pd.Timestamp.now(tz="UTC"))][:300]  # fmt: skip
        recommend_for_customer(make_uow(), ids[0], 5)  # loads the model once
        timings, cpu = [], []
        for customer in ids:
            started, started_cpu = time.perf_counter(), time.process_time()
            recommend_for_customer(make_uow(), customer, 5)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    return {
        "customers": float(info.metadata["metrics"]["customers"]),
        "items": float(info.metadata["metrics"]["items"]),
        "train_wall": training.wall,
        "train_cpu": training.cpu,
        "p50": float(np.percentile(timings, 50)),
        "p95": float(np.percentile(timings, 95)),
        "cpu_p50": float(np.percentile(cpu, 50)),
        "cpu_p95": float(np.percentile(cpu, 95)),
    }


def figure(results: Dict[str, Tuple[float, float]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    FIGURES.mkdir(parents=True, exist_ok=True)
    names = list(results)
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(x - 0.2, [results[n][0] for n in names], 0.4, label="P@10")
    ax.bar(x + 0.2, [results[n][1] for n in names], 0.4, label="nDCG@10")
    ax.set_xticks(x, [n.split(" (")[0] for n in names], fontsize=8)
    ax.set_title("Online Retail, test = purchases from 2011-11-01")
    ax.legend()
    fig.tight_layout()
    path = FIGURES / "recommender.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path.relative_to(FIGURES.parent.parent))


def _choice(grid: List[List[object]]) -> str:
    best = max(grid, key=lambda row: float(str(row[3])))
    shipped = next(
        row for row in grid
        if row[0] == f"{DEFAULT_PARAMS['lam']:.0f}" and row[1] == DEFAULT_PARAMS["history_weight"]
        and row[2] == f"{DEFAULT_PARAMS['half_life_days']:.0f}"
    )  # fmt: skip
    same = [float(str(r[3])) for r in grid if r[1:3] == shipped[1:3]]
    return (
        f"Best validation P@10: lambda {best[0]}, weight {best[1]}, half-life {best[2]} d "
        f"({best[3]}); shipped: {shipped[3]}. At the shipped weight and half-life, lambda "
        f"moves P@10 by {max(same) - min(same):.4f} only, so the baseline's lambda was kept."
    )


def run(database_url: str | None) -> str:
    lines = retail.purchases(retail.raw())
    grid = validation_grid(lines)
    split = Split(lines, CUTOFF, None)
    results = baselines(split)
    with timed() as fitting:
        model = fit(split.train, CUTOFF.to_pydatetime(), DEFAULT_PARAMS)
    results["ours: EASE + decayed own history (shipped)"] = ours(split, model)
    model_latency = []
    for customer in list(split.relevant)[:500]:
        started = time.perf_counter()
        model.recommend(split.history[customer], 5)
        model_latency.append((time.perf_counter() - started) * 1000)
    together = bought_together(split, model, lines)
    service = serving(database_url)
    floors = {"popularity": "0.079", "EASE (": "0.244", "EASE + own": "0.268", "ours": "0.30 (aim)"}
    rows = [
        [
            name,
            f"{p:.4f}",
            f"{n:.4f}",
            next((v for k, v in floors.items() if name.startswith(k)), ""),
        ]
        for name, (p, n) in results.items()
    ]
    parts = [
        "Command: `.venv/bin/python -m benchmarks.recommender --write`; "
        f"{machine()}; load average after the run {load_average()} (shared machine).",
        f"Test: {len(split.relevant):,} customers known before 2011-11-01 with later purchases; "
        f"{len(split.items):,} items in train. Shipped parameters: lambda "
        f"{DEFAULT_PARAMS['lam']:.0f}, own-history weight {DEFAULT_PARAMS['history_weight']}, "
        f"half-life {DEFAULT_PARAMS['half_life_days']:.0f} days, top {DEFAULT_PARAMS['top_k']} "
        "EASE weights per item; popularity fills up cold starts.",
        table(["method", "P@10", "nDCG@10", "floor (P@10)"], rows),
        f"Figure: `{figure(results)}`. Fitting the shipped model on the train period: "
        f"{fitting.wall:.1f} s wall / {fitting.cpu:.1f} s CPU.",
        "Validation month (train < 2011-10-01, test October 2011; the shipped values were "
        "picked here, never on the test period):",
        table(["lambda", "history weight", "half-life (d)", "P@10", "nDCG@10"], grid),
        _choice(grid),
        f"Frequently bought together, test orders with 2+ known items ({together['pairs']:,} "
        "(order, item) pairs): share where one of the 5 suggestions for the item is in the "
        "same order: "
        + "; ".join(f"{k} {100 * v:.1f} %" for k, v in together.items() if k != "pairs")
        + ". Rules need >= 3 orders and lift > 1, ranked by confidence.",
        f"Serving latency: model only (`Recommender.recommend`, 500 test customers) p50 "
        f"{np.percentile(model_latency, 50):.2f} ms / p95 {np.percentile(model_latency, 95):.2f}"
        f" ms; full service call `recommend_for_customer(uow, id, 5)` (fresh unit of work, "
        f"history query, product lookup, stock filter) on the SQLite CRM with the imported "
        f"history ({service['customers']:,.0f} customers, {service['items']:,.0f} items), 300 "
        f"customers: p50 {service['p50']:.1f} ms / p95 {service['p95']:.1f} ms wall (target "
        f"< 20 ms), of which CPU p50 {service['cpu_p50']:.1f} ms / p95 {service['cpu_p95']:.1f}"
        " ms (the rest is waiting for a core on this shared machine)."
        f" `python -m crm_backend.ml recommender train` on that CRM: {service['train_wall']:.0f}"
        f" s wall / {service['train_cpu']:.0f} s CPU.",
    ]
    return "\n\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="a CRM with the imported Online Retail history")
    parser.add_argument("--write", action="store_true", help="update benchmarks/BENCHMARKS.md")
    args = parser.parse_args(argv)
    report = run(args.database_url)
    print(report)
    if args.write:
        update_subsection("Recommendations", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
