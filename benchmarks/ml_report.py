"""Shared helpers of the ML benchmarks (sentiment, recommender, churn): machine facts, a
Markdown table, an Online Retail CRM database, and the ``## ML`` section of BENCHMARKS.md
(each benchmark replaces only its own ``###`` subsection; other sections are untouched)."""

from __future__ import annotations

import os
import platform
import re
import resource
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

BENCHMARKS_MD = Path(__file__).resolve().parent / "BENCHMARKS.md"
FIGURES = Path(__file__).resolve().parent / "figures"
SECTION = "## ML"
FILE_HEADER = (
    "# Benchmarks\n\nSpeed and quality measurements; each section is written by its benchmark.\n"
)


def machine() -> str:
    cpu, ram = platform.processor() or "unknown CPU", "unknown RAM"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    except OSError:
        pass
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{when}; {os.cpu_count()} CPUs ({cpu}), {ram}, Python {platform.python_version()}"


def load_average() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out: List[str] = ["| " + " | ".join(headers) + " |"]
    out.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|")
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(out)


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


def update_subsection(title: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) ``### title`` inside ``## ML`` (created at the end if missing)."""
    text = path.read_text(encoding="utf-8") if path.exists() else FILE_HEADER
    section = re.search(rf"^{re.escape(SECTION)}[ \t]*$", text, flags=re.M)
    if section is None:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n"
        section = re.search(rf"^{re.escape(SECTION)}[ \t]*$", text, flags=re.M)
    assert section is not None
    start = section.end()
    following = re.search(r"^## ", text[start:], flags=re.M)
    end = start + following.start() if following else len(text)
    ours = text[start:end]
    block = f"### {title}\n\n{body.strip()}\n\n"
    sub = re.search(rf"^### {re.escape(title)}[ \t]*$", ours, flags=re.M)
    if sub is None:
        ours = ours.rstrip("\n") + "\n\n" + block
    else:
        nxt = re.search(r"^### ", ours[sub.end() :], flags=re.M)
        stop = sub.end() + nxt.start() if nxt else len(ours)
        ours = ours[: sub.start()] + block + ours[stop:]
    path.write_text(text[:start] + ours.rstrip("\n") + "\n\n" + text[end:].lstrip("\n"), "utf-8")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


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
