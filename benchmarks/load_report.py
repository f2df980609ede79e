"""The ``## Load`` section of benchmarks/BENCHMARKS.md (other sections are left alone)."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List

from benchmarks.load import LoadResult

HEADING = "## Load"
AIM = "our bot p95 <= 250 ms at 50 concurrent conversations, >= 80 turns/s, 0 errors"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _busy_processes(limit: int = 6) -> List[str]:
    """The processes using the most CPU right now (names only), to say what else ran."""
    try:
        out = subprocess.run(
            ["ps", "-eo", "pcpu=,comm=,args=", "--sort=-pcpu"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    busy = []
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) < 2 or parts[1] == "ps":
            continue
        try:
            cpu = float(parts[0])
        except ValueError:
            continue
        if cpu >= 5.0:
            args = parts[2] if len(parts) > 2 else parts[1]
            module = re.search(r"-m (\S+)", args)
            busy.append(f"{parts[1]}{' -m ' + module.group(1) if module else ''} {cpu:.0f}%")
    return busy[:limit]


def machine_info() -> Dict[str, object]:
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory": memory,
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "busy": _busy_processes(),
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _row(result: LoadResult, reference: LoadResult | None) -> str:
    s = result.summary()
    rss = ", ".join(f"{k} {v:.0f}" for k, v in result.rss_mib.items()) or "-"
    ratio = "-"
    if reference is not None and reference.throughput:
        ratio = f"{result.throughput / reference.throughput:.2f}x"
    cpu = ", ".join(f"{k} {v:.0f}" for k, v in result.cpu_s.items()) or "-"
    return (
        f"| {s['label']} | {s['turns']} | {s['turns_per_s']} | {s['p50_ms']:.0f} | "
        f"{s['p95_ms']:.0f} | {s['p99_ms']:.0f} | {s['errors']} | {s['apologies']} | "
        f"{ratio} | {rss} | {cpu} |"
    )


def render(
    command: str,
    results: Dict[str, LoadResult],
    before: Dict[str, object],
    after: Dict[str, object],
) -> str:
    reference = results.get("bare")
    first = next(iter(results.values()))
    lines = [
        HEADING,
        "",
        f"Measured {before['when']} with `{command}` on {before['cpu']} "
        f"({before['cores']} cores, {before['memory']}). Load average before / after: "
        f"{before['loadavg']} / {after['loadavg']}. Also using the CPU at the start: "
        f"{', '.join(map(str, before['busy'])) or 'nothing notable'}"  # type: ignore[call-overload]
        f"; at the end: {', '.join(map(str, after['busy'])) or 'nothing notable'}.",  # type: ignore[call-overload]
        "",
        f"{first.conversations} conversations x {first.turns_per_conversation} turns, "
        f"{first.concurrency} at a time, through the website channel (bare bot: its REST "
        "channel and the moodbot flow). Latency per turn in ms; RSS = peak VmRSS in MiB of "
        "each Rasa process; CPU = CPU seconds each process (with its workers) used during the "
        "run; throughput ratio against the bare `rasa init` bot.",
        "",
        "| stack | turns | turns/s | p50 | p95 | p99 | errors | apologies | vs bare | RSS MiB "
        "| CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *(_row(result, reference if name != "bare" else None) for name, result in results.items()),
        "",
        f"Aim: {AIM}.",
        "",
        "Rasa CPU per turn (CPU seconds of the Rasa processes / turns; depends far less on "
        f"what else runs than wall-clock numbers): {_cpu_per_turn(results)}. Where that "
        'time goes, and what was fixed: docs/scale.md, "Where the time goes".',
        "",
    ]
    return "\n".join(lines)


def _cpu_per_turn(results: Dict[str, LoadResult]) -> str:
    parts = []
    for result in results.values():
        rasa = sum(v for k, v in result.cpu_s.items() if k.startswith("rasa"))
        if result.turns and rasa:
            parts.append(f"{result.label} {rasa / result.turns * 1000:.0f} ms")
    return ", ".join(parts) or "not measured"


def write_section(
    path: Path,
    command: str,
    results: Dict[str, LoadResult],
    before: Dict[str, object],
    after: Dict[str, object],
    notes: str = "",
) -> None:
    """Replace (or append) the ``## Load`` section, keeping every other section."""
    section = render(command, results, before, after) + (f"\n{notes}\n" if notes else "")
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text.rstrip("\n") + "\n")
