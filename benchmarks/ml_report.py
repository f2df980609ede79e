"""Shared helpers of the ML benchmarks (sentiment, recommender, churn): machine facts, a
Markdown table, an Online Retail CRM database, and the ``## ML`` section of BENCHMARKS.md
(each benchmark replaces only its own ``###`` subsection; other sections are untouched)."""

from __future__ import annotations

import resource
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional

from benchmarks import report_common as common
from benchmarks.report_common import BENCHMARKS_MD, machine_line

FIGURES = Path(__file__).resolve().parent / "figures"
SECTION = "## ML"


def machine() -> str:
    return machine_line()


def update_subsection(title: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or add) ``### title`` inside ``## ML``."""
    common.update_subsection(SECTION, title, body, path)


def pct(value: float, digits: int = 2) -> str:
    return f"{100 * value:.{digits}f} %"


class Timer:
    """Wall and CPU (user + system, this process and finished children) seconds."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    @staticmethod
    def _cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@contextmanager
def timed() -> Iterator[Timer]:
    timer = Timer()
    wall, cpu = time.perf_counter(), Timer._cpu()
    try:
        yield timer
    finally:
        timer.wall = time.perf_counter() - wall
        timer.cpu = Timer._cpu() - cpu


def online_retail_crm(database_url: Optional[str], scratch: Path) -> str:
    """A CRM database holding the imported Online Retail history (imported if not given)."""
    if database_url:
        return database_url
    from crm_backend.db import make_engine, make_session_factory
    from crm_backend.importer.pipeline import default_dataset_path, import_file
    from crm_backend.migrate import upgrade
    from crm_backend.unit_of_work import SqlAlchemyUnitOfWork

    scratch.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{scratch / 'online_retail_crm.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        import_file(
            SqlAlchemyUnitOfWork(make_session_factory(engine)),
            default_dataset_path(),
            source="online-retail",
            report_dir=scratch / "reports",
        )
    finally:
        engine.dispose()
    return url


def summary(lines: Dict[str, str]) -> str:
    return "\n".join(f"- {key}: {value}" for key, value in lines.items())
