"""What every benchmark report shares: the machine line, the load average, markdown tables
and rewriting one ``### subsection`` of a ``## section`` of BENCHMARKS.md in place."""

from __future__ import annotations

import os
import platform
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Sequence

BENCHMARKS_MD = Path(__file__).resolve().parent / "BENCHMARKS.md"
FILE_HEADER = (
    "# Benchmarks\n\nSpeed and quality measurements; each section is written by its benchmark.\n"
)


def machine_facts() -> Dict[str, str]:
    """cpus, cpu (model name), ram (GiB), python, date (UTC, minutes)."""
    cpu, ram = platform.processor() or "unknown CPU", "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def machine_line() -> str:
    """``2026-11-25 17:07 UTC; 2 CPUs (model), 23.5 GiB RAM, Python 3.10.13``."""
    f = machine_facts()
    return f"{f['date']}; {f['cpus']} CPUs ({f['cpu']}), {f['ram']} RAM, Python {f['python']}"


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


def update_subsection(section: str, title: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or add) ``### title`` inside ``section`` (``## X``, added at the end if
    missing); every other part of the file is kept as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else FILE_HEADER
    match = re.search(rf"^{re.escape(section)}[ \t]*$", text, flags=re.M)
    if match is None:
        before, ours, after = text.rstrip() + "\n\n", "", ""
    else:
        end = re.search(r"^## ", text[match.end() :], flags=re.M)
        stop = match.end() + end.start() if end else len(text)
        before, ours, after = text[: match.start()], text[match.end() : stop], text[stop:]
    parts = re.split(r"^### ", ours, flags=re.M)
    intro = parts[0].strip()
    subsections: Dict[str, str] = {}
    for part in parts[1:]:
        heading, _, content = part.partition("\n")
        subsections[heading.strip()] = content.strip()
    subsections[title] = body.strip()
    blocks = [section] + ([intro] if intro else [])
    blocks += [f"### {name}\n\n{content}" for name, content in subsections.items()]
    new = "\n\n".join(blocks) + "\n"
    path.write_text((before + new + ("\n" + after if after else "")).rstrip() + "\n", "utf-8")
