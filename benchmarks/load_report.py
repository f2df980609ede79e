"""The ``## Load`` section of benchmarks/BENCHMARKS.md (other sections are left alone)."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional

from benchmarks.load import LoadResult

HEADING = "## Load"
FIGURE = Path(__file__).with_name("figures") / "load_latency.png"
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


def render_paced(paced: Dict[str, List[LoadResult]]) -> str:
    """The paced runs: latency when the conversations offer a set rate (people take time
    to read and type), as a table and as ``figures/load_latency.png``."""
    runs = [(name, run) for name, results in paced.items() for run in results]
    if not runs:
        return ""
    first = runs[0][1]
    lines = [
        "### Latency at a paced load",
        "",
        f"The same stacks, {first.conversations} conversations x "
        f"{first.turns_per_conversation} turns, {first.concurrency} at a time, but each "
        "conversation sends a turn every concurrency / rate seconds (staggered) instead of "
        "right after the answer: the latency a customer sees at that traffic. A stack "
        "that cannot keep up falls behind the offered rate and queues.",
        "",
        "| stack | offered turns/s | achieved turns/s | p50 | p95 | p99 | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, run in runs:
        s = run.summary()
        lines.append(
            f"| {name} | {run.offered_rate:g} | {s['turns_per_s']} | {s['p50_ms']:.0f} | "
            f"{s['p95_ms']:.0f} | {s['p99_ms']:.0f} | {s['errors']} |"
        )
    plot_paced(paced, FIGURE)
    lines += ["", f"![p95 latency against offered load](figures/{FIGURE.name})", ""]
    return "\n".join(lines)


def plot_paced(paced: Dict[str, List[LoadResult]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for name, runs in paced.items():
        points = sorted((r.offered_rate or 0.0, r.percentile(95)) for r in runs)
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", label=name)
    ax.axhline(250, color="grey", linestyle="--", linewidth=1, label="aim: p95 250 ms")
    ax.set_xlabel("offered load (turns/s, 50 concurrent conversations)")
    ax.set_ylabel("p95 latency (ms)")
    ax.set_yscale("log")
    ax.legend()
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


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
    paced: Optional[Dict[str, List[LoadResult]]] = None,
    notes: str = "",
) -> None:
    """Replace (or append) the ``## Load`` section, keeping every other section."""
    section = render(command, results, before, after)
    if paced:
        section += "\n" + render_paced(paced)
    section += f"\n{notes}\n" if notes else ""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text.rstrip("\n") + "\n")
