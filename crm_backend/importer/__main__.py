"""CLI of the importer; see :mod:`crm_backend.importer` for the commands and CSV columns."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import List, Optional

from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from crm_backend import migrate
from crm_backend.db import make_engine, make_session_factory
from crm_backend.importer.pipeline import default_dataset_path, import_file
from crm_backend.importer.report import ImportReport
from crm_backend.importer.sources import ImportFailed
from crm_backend.settings import get_settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m crm_backend.importer", description="Import order history into the CRM."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    retail = sub.add_parser("online-retail", help="import the UCI Online Retail dataset")
    retail.add_argument("--path", type=Path, help="parquet or csv(.xz) file (default: shared)")
    retail.add_argument(
        "--skip-missing", action="store_true", help="exit 0 if the dataset is not there"
    )
    csv_cmd = sub.add_parser("csv", help="import an admin's customer/orders CSV")
    csv_cmd.add_argument("file", type=Path)
    csv_cmd.add_argument("--strict", action="store_true", help="any bad row fails the import")
    for cmd in (retail, csv_cmd):
        cmd.add_argument("--database-url", help="SQLAlchemy URL (default: DATABASE_URL)")
        cmd.add_argument("--report-dir", type=Path, help="default: <VAR_DIR>/import-reports")
        cmd.add_argument("--dry-run", action="store_true", help="validate and report only")
        cmd.add_argument("--no-progress", action="store_true", help="no progress bars")
        cmd.add_argument(
            "--force",
            action="store_true",
            help="re-check every row even if this exact file"
            " was imported before (default: stop at once)",
        )
    return parser


def _summary(report: ImportReport, elapsed: float) -> str:
    lines = [
        f"{report.source}: {report.status} in {elapsed:.1f}s"
        + (f" - {report.message}" if report.message else ""),
        f"  rows read {report.rows_read:,}, accepted {report.rows_accepted:,}, rejected "
        f"{report.rows_rejected:,}, skipped (already imported) {report.rows_skipped_existing:,}",
    ]
    if report.created:
        lines.append("  created: " + ", ".join(f"{k} {v:,}" for k, v in report.created.items()))
    for reason, count in report.rejected_by_reason.items():
        lines.append(f"  rejected {reason}: {count:,}")
    if report.markdown_path:
        lines.append(f"  report: {report.markdown_path} (+ .json)")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    url = args.database_url or get_settings().database_url
    if args.command == "online-retail":
        path, source, strict = args.path or default_dataset_path(), "online-retail", False
        if args.skip_missing and not path.exists():
            print(f"dataset not found at {path}; skipping the import")
            return 0
    else:
        path, source, strict = args.file, "csv", args.strict
    started = time.perf_counter()
    migrate.upgrade(url)
    engine = make_engine(url, poolclass=NullPool)
    try:
        report = import_file(
            SqlAlchemyUnitOfWork(make_session_factory(engine)),
            path,
            source=source,
            strict=strict,
            dry_run=args.dry_run,
            report_dir=args.report_dir,
            progress=not args.no_progress and sys.stderr.isatty(),
            skip_unchanged=not args.force,
        )
    except ImportFailed as exc:
        if exc.report is not None:
            print(_summary(exc.report, time.perf_counter() - started), file=sys.stderr)
        else:
            print(f"import failed: {exc.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"database: {make_url(url).render_as_string(hide_password=True)}")
    print(_summary(report, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
