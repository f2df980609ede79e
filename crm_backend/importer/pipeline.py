"""The import pipeline: read -> validate (before any write) -> plan -> write, one transaction.

``import_file(uow, path, source=...)`` is the whole pipeline; ``python -m
crm_backend.importer`` is its CLI. A report (JSON + Markdown) is written for every run,
successful or not. Anything that makes the file unusable raises :class:`ImportFailed`
(with ``.report``) and leaves the database untouched.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Optional

from sqlalchemy.exc import SQLAlchemyError

from crm_backend.importer.plan import build_plan
from crm_backend.importer.report import ImportReport
from crm_backend.importer.sources import ImportFailed, file_sha256, read_source
from crm_backend.importer.synth import PeopleFactory
from crm_backend.importer.validate import validate
from crm_backend.importer.writer import load_known, write_plan
from crm_backend.settings import get_settings
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

log = logging.getLogger(__name__)
DATASET = Path("uci_online_retail")


def default_dataset_path() -> Path:
    """The shared Online Retail file: parquet if present, else the .csv.xz copy."""
    folder = get_settings().datasets_dir / DATASET
    parquet = folder / "online_retail.parquet"
    return parquet if parquet.exists() else folder / "online_retail.csv.xz"


def default_report_dir() -> Path:
    return get_settings().var_dir / "import-reports"


class _Timer:
    def __init__(self, timings: Dict[str, float]) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self.last, 3)
        self.last = now


def import_file(
    uow: SqlAlchemyUnitOfWork,
    path: Path,
    *,
    source: str = "csv",
    strict: bool = False,
    dry_run: bool = False,
    report_dir: Optional[Path] = None,
    progress: bool = False,
    now: Optional[datetime] = None,
    seed: Optional[int] = None,
    skip_unchanged: bool = False,
) -> ImportReport:
    """Import ``path`` into the CRM behind ``uow`` (not yet entered); returns the report.

    ``strict``: any rejected row fails the whole import (nothing written). ``dry_run``:
    validate and report, write nothing. ``skip_unchanged``: if a file with the same SHA-256
    was already imported from this source, stop at once (status "unchanged"); otherwise
    rows of already imported orders are skipped one by one. Raises :class:`ImportFailed`
    (with ``.report``).
    """
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    report = ImportReport(source=source, path=str(path), started_at=when.isoformat())
    timer = _Timer(report.timings_s)
    try:
        with uow:
            report.database = uow.session.get_bind().url.render_as_string(hide_password=True)
            digest = file_sha256(Path(path))
            report.sha256 = digest
            if skip_unchanged:
                previous = _previous_import(uow, source, digest)
                if previous is not None:
                    report.status = "unchanged"
                    report.message = f"this file was already imported on {previous}"
                    _finish(report, report_dir)
                    return report
            raw = read_source(Path(path))
            timer.lap("read")
            known, existing = load_known(uow.session)
            checked = validate(raw, known, when)
            timer.lap("validate")
            lines = checked.lines
            report.rows_read = checked.rows_read
            report.rows_accepted = len(lines)
            report.rows_skipped_existing = checked.skipped_rows
            report.add_rejections(checked.rejected)
            if strict and report.rows_rejected:
                raise ImportFailed(
                    f"{report.rows_rejected:,} row(s) rejected in strict mode; nothing imported"
                )
            if lines.empty and not checked.skipped_rows:
                raise ImportFailed(
                    f"no usable rows: all {report.rows_read:,} rows were rejected; nothing imported"
                )
            plan = build_plan(
                lines,
                existing_customers=existing,
                known_skus=known.skus,
                taken_emails=set(known.emails),
                people=PeopleFactory(get_settings().seed_random if seed is None else seed),
                now=when,
            )
            report.reused = {
                "customers": len(set(lines["customer_ref"]) & known.customers),
                "products": len(set(lines["sku"]) & known.skus),
            }
            timer.lap("plan")
            if dry_run:
                report.status = "dry-run"
                report.created = {
                    "customers": len(plan.customers),
                    "products": len(plan.products),
                    "orders": len(plan.orders),
                    "order_items": len(plan.items),
                }
            else:
                report.created = write_plan(
                    uow.session,
                    plan,
                    seed=get_settings().seed_random if seed is None else seed,
                    now=when,
                    progress=progress,
                )
                uow.audit.record(
                    "system",
                    "import.completed",
                    "import",
                    source,
                    {
                        "file": Path(path).name,
                        "sha256": digest,
                        "rows_read": report.rows_read,
                        "rows_rejected": report.rows_rejected,
                        **report.created,
                    },
                )
                uow.commit()
                timer.lap("write")
    except ImportFailed as exc:
        report.status, report.message = "failed", exc.message
        _finish(report, report_dir)
        raise ImportFailed(exc.message, report) from None
    except SQLAlchemyError as exc:
        log.error("import of %s failed in the database: %s", Path(path).name, type(exc).__name__)
        report.status = "failed"
        report.message = f"database error ({type(exc).__name__}); nothing was imported"
        _finish(report, report_dir)
        raise ImportFailed(report.message, report) from exc
    _finish(report, report_dir)
    return report


def _previous_import(uow: SqlAlchemyUnitOfWork, source: str, digest: str) -> Optional[str]:
    """When a file with this digest was imported from ``source`` (ISO date), else None."""
    for entry in reversed(uow.audit.list_for_entity("import", source)):
        if entry.action == "import.completed" and (entry.details or {}).get("sha256") == digest:
            return entry.created_at.date().isoformat()
    return None


def _finish(report: ImportReport, report_dir: Optional[Path]) -> None:
    try:
        report.write(report_dir or default_report_dir())
    except OSError as exc:  # a report we cannot write must not hide the import's outcome
        log.warning("could not write the import report: %s", exc)
