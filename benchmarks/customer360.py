"""Latency of the console's customer 360 view and customer search, on the seeded demo
database plus the full Online Retail import (and scored by the segmentation refresh).

    .venv/bin/python -m benchmarks.customer360 [--database-url URL] [--calls N] [--write]

Without ``--database-url`` it builds a fresh SQLite database in a temporary directory
(migrate + seed + import + refresh, ~30 s). With one, that database must already hold the
data. Reports wall-clock and CPU time per call (p50/p95/p99/max): on a shared machine the
wall clock includes waiting for a CPU, the CPU time is the cost of the call itself.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from benchmarks.crm_report import load_average, machine, table, update_subsection
from crm_backend import migrate
from crm_backend.db import make_engine, make_session_factory
from crm_backend.importer import default_dataset_path, import_file
from crm_backend.ml.segmentation import refresh
from crm_backend.models import Customer, Order
from crm_backend.seed import seed
from crm_backend.services.customer360 import customer_360, find_customers
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

COMMAND = ".venv/bin/python -m benchmarks.customer360 --write"
QUERIES = ("alice", "wangfang@example.cn", "+44 7700 900123", "A1002", "R536365", "smith", "王")


def build(url: str, work: Path) -> None:
    migrate.upgrade(url)
    seed(url)
    engine = make_engine(url, poolclass=NullPool)
    try:
        uow = lambda: SqlAlchemyUnitOfWork(make_session_factory(engine))  # noqa: E731
        import_file(uow(), default_dataset_path(), source="online-retail", report_dir=work)
        refresh(uow(), model_dir=work / "models")
    finally:
        engine.dispose()


def percentiles(values: Sequence[float]) -> Tuple[float, float, float, float]:
    ordered = sorted(values)
    at = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return statistics.median(ordered), at(0.95), at(0.99), ordered[-1]


def measure(call: Callable[[int], object], n: int) -> Tuple[List[float], List[float]]:
    for i in range(min(20, n)):  # warm the statement cache and the page cache
        call(i)
    wall: List[float] = []
    cpu: List[float] = []
    for i in range(n):
        w, c = time.perf_counter(), time.process_time()
        call(i)
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall, cpu


def run(url: str, calls: int) -> str:
    engine = make_engine(url)  # the app's own engine settings
    factory = make_session_factory(engine)
    uow = lambda: SqlAlchemyUnitOfWork(factory)  # noqa: E731
    with uow() as u:
        ids = list(u.session.execute(select(Customer.id).order_by(Customer.id)).scalars())
        heavy = (
            u.session.execute(
                select(Order.customer_id).group_by(Order.customer_id).order_by(func.count().desc())
            )
            .scalars()
            .first()
        )
        stats = (len(ids), u.session.execute(select(func.count(Order.id))).scalar())
    rng = random.Random(360)
    sample = [rng.choice(ids) for _ in range(calls)]
    rows = []
    for label, fn, n in (
        ("customer_360, random customers", lambda i: customer_360(uow(), sample[i]), calls),
        ("customer_360, Alice (id 1)", lambda i: customer_360(uow(), ids[0]), calls // 4),
        (
            f"customer_360, most orders (id {heavy})",
            lambda i: customer_360(uow(), heavy),
            calls // 4,
        ),
        (
            "find_customers, mixed queries",
            lambda i: find_customers(uow(), QUERIES[i % len(QUERIES)]),
            calls,
        ),
    ):
        wall, cpu = measure(fn, n)
        w, c = percentiles(wall), percentiles(cpu)
        rows.append((label, n, *(f"{x:.1f}" for x in w), f"{c[0]:.1f}", f"{c[1]:.1f}"))
    engine.dispose()
    info = machine()
    return "\n".join(
        [
            f"Command: `{COMMAND}` — {info['date']}; {info['cpus']} CPUs ({info['cpu']}), "
            f"{info['ram']} RAM, Python {info['python']}; SQLite; {stats[0]:,} customers, "
            f"{stats[1]:,} orders (seed + full Online Retail import, scored); load average "
            f"after the run {load_average()} (shared machine: wall clock includes waiting "
            "for a CPU). Target: p95 < 20 ms.",
            "",
            table(
                [
                    "call",
                    "n",
                    "wall p50 ms",
                    "wall p95",
                    "wall p99",
                    "wall max",
                    "CPU p50 ms",
                    "CPU p95",
                ],
                rows,
            ),
        ]
    )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.customer360")
    parser.add_argument("--database-url", default=None, help="an already prepared database")
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--write", action="store_true", help="update benchmarks/BENCHMARKS.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crm-360-bench-") as tmp:
        url = args.database_url
        if url is None:
            if not default_dataset_path().exists():
                print(f"dataset not found: {default_dataset_path()}", file=sys.stderr)
                return 1
            url = f"sqlite:///{Path(tmp) / 'crm.sqlite3'}"
            build(url, Path(tmp))
        body = run(url, args.calls)
    print(body)
    if args.write:
        update_subsection("Customer 360 latency", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
