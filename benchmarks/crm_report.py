"""Shared helpers of the CRM benchmarks: machine description and the ``## CRM`` section of
benchmarks/BENCHMARKS.md (each benchmark replaces only its own ``###`` subsection)."""

from __future__ import annotations

import os
import platform
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Sequence

BENCHMARKS_MD = Path(__file__).resolve().parent / "BENCHMARKS.md"
SECTION = "## CRM"
FILE_HEADER = (
    "# Benchmarks\n\nSpeed and quality measurements; each section is written by its benchmark.\n"
)


def machine() -> Dict[str, str]:
    cpu = platform.processor() or "unknown CPU"
    ram = "unknown"
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


def update_subsection(title: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) ``### title`` inside ``## CRM``; the rest of the file is kept."""
    text = path.read_text(encoding="utf-8") if path.exists() else FILE_HEADER
    match = re.search(rf"^{re.escape(SECTION)}[ \t]*$", text, flags=re.M)
    if match is None:
        before, section, after = text.rstrip() + "\n\n", "", ""
    else:
        end = re.search(r"^## ", text[match.end() :], flags=re.M)
        stop = match.end() + end.start() if end else len(text)
        before, section, after = text[: match.start()], text[match.end() : stop], text[stop:]
    parts = re.split(r"^### ", section, flags=re.M)
    intro = parts[0].strip()
    subsections: Dict[str, str] = {}
    for part in parts[1:]:
        heading, _, content = part.partition("\n")
        subsections[heading.strip()] = content.strip()
    subsections[title] = body.strip()
    blocks = [SECTION] + ([intro] if intro else [])
    blocks += [f"### {name}\n\n{content}" for name, content in subsections.items()]
    new = "\n\n".join(blocks) + "\n"
    result = before + new + ("\n" + after if after else "")
    path.write_text(result.rstrip() + "\n", encoding="utf-8")
