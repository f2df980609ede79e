"""Full UCI Online Retail import into a fresh SQLite database, then the segmentation refresh.

    .venv/bin/python -m benchmarks.crm_import [--path PATH] [--database-url URL] [--write]

Prints Markdown tables (time per stage, rows accepted/rejected by reason, rows created,
re-import time, segmentation) and saves the RFM scatter plot to
benchmarks/figures/rfm_segments.png. ``--write`` also updates the "## CRM" section of
benchmarks/BENCHMARKS.md. Default database: a new SQLite file in a temporary directory.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional

from sqlalchemy.pool import NullPool

from benchmarks.crm_report import load_average, machine, table, update_subsection
from crm_backend import migrate
from crm_backend.db import make_engine, make_session_factory
from crm_backend.importer import default_dataset_path, import_file
from crm_backend.ml.segmentation import refresh
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

FIGURE = Path(__file__).resolve().parent / "figures" / "rfm_segments.png"
COMMAND = ".venv/bin/python -m benchmarks.crm_import --write"
CLI = "python -m crm_backend.importer online-retail"


def run(path: Path, url: str, work: Path) -> str:
    migrate.upgrade(url)
    engine = make_engine(url, poolclass=NullPool)
    uow = lambda: SqlAlchemyUnitOfWork(make_session_factory(engine))  # noqa: E731
    try:
        started = time.perf_counter()
        report = import_file(uow(), path, source="online-retail", report_dir=work / "reports")
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = import_file(uow(), path, source="online-retail", report_dir=work / "reports")
        second = time.perf_counter() - started
        started = time.perf_counter()
        result = refresh(uow(), model_dir=work / "models", plot_path=FIGURE)
        scoring = time.perf_counter() - started
    finally:
        engine.dispose()
    cli = cli_seconds(path, work)
    info = machine()
    lines: List[str] = [
        f"Command: `{COMMAND}` — {info['date']}; {info['cpus']} CPUs ({info['cpu']}), "
        f"{info['ram']} RAM, Python {info['python']}; load average after the run "
        f"{load_average()} (shared machine). Dataset: `{path.name}`, fresh SQLite database.",
        "",
        table(
            ["step", "seconds"],
            [
                *[(f"import: {k}", f"{v:.2f}") for k, v in report.timings_s.items()],
                ("**import total (wall, in-process)**", f"**{first:.1f}**"),
                (f"`{CLI}` into another fresh SQLite file (process wall clock)", f"{cli:.1f}"),
                ("re-import (idempotent: everything skipped)", f"{second:.1f}"),
                (
                    "segmentation refresh (CLTV + RFM + k-means k=2..8 + write scores)",
                    f"{scoring:.1f}",
                ),
            ],
        ),
        "",
        table(
            ["rows", "count"],
            [
                ("read", f"{report.rows_read:,}"),
                ("accepted", f"{report.rows_accepted:,}"),
                ("rejected", f"{report.rows_rejected:,}"),
                *[(f"— {k}", f"{v:,}") for k, v in report.rejected_by_reason.items()],
                ("skipped on re-import", f"{again.rows_skipped_existing:,}"),
            ],
        ),
        "",
        table(["created", "rows"], [(k, f"{v:,}") for k, v in report.created.items()]),
        "",
        f"Segmentation: k={result.k} chosen by silhouette "
        f"({result.silhouette:.3f}; by k: "
        + ", ".join(f"{k}: {v:.3f}" for k, v in sorted(result.silhouette_by_k.items()))
        + f"), as of {result.as_of:%Y-%m-%d}, {result.customers_segmented:,} customers.",
        "",
        table(
            ["segment", "customers", "mean recency (days)", "mean orders", "mean spend (GBP)"],
            [
                (
                    name,
                    f"{int(row.customers):,}",
                    row.recency_days,
                    row.frequency,
                    f"{row.monetary:,.0f}",
                )
                for name, row in result.profiles.iterrows()
            ],
        ),
        "",
        f"Scatter plot: `benchmarks/figures/{FIGURE.name}`",
        "",
        f"![RFM segments](figures/{FIGURE.name})",
    ]
    return "\n".join(lines)


def cli_seconds(path: Path, work: Path) -> float:
    """Wall clock of the real command (interpreter start, migrations, import, report)."""
    url = f"sqlite:///{work / 'cli.sqlite3'}"
    args = [sys.executable, "-m", "crm_backend.importer", "online-retail", "--path", str(path)]
    args += ["--database-url", url, "--report-dir", str(work / "cli-reports"), "--no-progress"]
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - started


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crm_import")
    parser.add_argument("--path", type=Path, default=None)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--write", action="store_true", help="update benchmarks/BENCHMARKS.md")
    args = parser.parse_args(argv)
    path = args.path or default_dataset_path()
    if not path.exists():
        print(f"dataset not found: {path}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="crm-import-bench-") as tmp:
        work = Path(tmp)
        url = args.database_url or f"sqlite:///{work / 'crm.sqlite3'}"
        body = run(path, url, work)
    print(body)
    if args.write:
        update_subsection("Online Retail import and segmentation", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
