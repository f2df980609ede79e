"""Figures and Markdown of the NLU benchmark (benchmarks/nlu.py).

The benchmark writes the ``### Latest run`` subsection of ``## NLU`` in
benchmarks/BENCHMARKS.md (other subsections of ``## NLU`` and other sections are kept) and
PNGs in benchmarks/figures/ (``nlu_*.png``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np

from benchmarks import report_common as common
from benchmarks.report_common import machine_line as _machine
from benchmarks.report_common import table

BENCHMARKS_MD = common.BENCHMARKS_MD
FIGURES_DIR = Path(__file__).resolve().parent / "figures"
SECTION = "## NLU"
SUBSECTION = "Latest run"
FILE_HEADER = (
    "# Benchmarks\n\nSpeed and quality measurements; each section is written by its benchmark.\n"
)
OTHER = "(other)"


def confusion_figure(
    gold: Sequence[str],
    predicted: Sequence[str],
    title: str,
    path: Path,
    labels: Optional[Sequence[str]] = None,
) -> Path:
    """Row-normalised confusion matrix; predictions outside ``labels`` go to "(other)"."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(labels) if labels is not None else sorted(set(gold))
    columns = rows + ([OTHER] if any(p not in rows for p in predicted) else [])
    index = {label: i for i, label in enumerate(columns)}
    counts = np.zeros((len(rows), len(columns)))
    for g, p in zip(gold, predicted, strict=True):
        if g in index:
            counts[index[g], index.get(p, len(columns) - 1)] += 1
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = max(6.0, 0.26 * len(columns) + 2.5)
    figure, axes = plt.subplots(figsize=(size + 1.0, size))
    image = axes.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    axes.set_xticks(range(len(columns)))
    axes.set_xticklabels(columns, rotation=90, fontsize=7)
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels(rows, fontsize=7)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    for i in range(len(rows)):
        for j in range(len(columns)):
            if counts[i, j] and (i != j or share[i, j] < 0.995):
                colour = "white" if share[i, j] > 0.6 else "black"
                axes.text(
                    j,
                    i,
                    f"{share[i, j]:.2f}"[1:] if share[i, j] < 1 else "1",
                    ha="center",
                    va="center",
                    fontsize=5,
                    color=colour,
                )
    axes.set_title(title, fontsize=10)
    figure.colorbar(image, fraction=0.04)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def sweep_figure(rows: Sequence[Dict[str, float]], configured: float, path: Path) -> Path:
    """Fallback rates of real requests vs out-of-scope/gibberish, per threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [r["threshold"] for r in rows]
    figure, axes = plt.subplots(figsize=(7, 4.2))
    axes.plot(x, [r["in_scope_fallback"] for r in rows], "o-", label="real requests falling back")
    axes.plot(x, [r["in_scope_accuracy"] for r in rows], "s-", label="real requests answered right")
    axes.plot(x, [r["out_of_scope_handled"] for r in rows], "^-", label="out-of-scope handled")
    axes.plot(x, [r["gibberish_handled"] for r in rows], "v-", label="gibberish handled")
    axes.axvline(configured, color="grey", linestyle="--", label=f"configured {configured:.2f}")
    axes.set_xlabel("FallbackClassifier threshold")
    axes.set_ylabel("share")
    axes.set_ylim(-0.02, 1.02)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="center right")
    axes.set_title("Fallback threshold (tests/nlu EN+ZH, generated gibberish)", fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def reliability(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> Dict:
    """Expected calibration error and per-bin (confidence, accuracy, count)."""
    conf = np.asarray(confidences, dtype=float)
    hit = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    table = []
    ece = 0.0
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        mask = (conf > low) & (conf <= high) if low > 0 else (conf >= low) & (conf <= high)
        if mask.any():
            gap = abs(conf[mask].mean() - hit[mask].mean())
            ece += gap * mask.sum() / len(conf)
            table.append((float(conf[mask].mean()), float(hit[mask].mean()), int(mask.sum())))
    return {"ece": float(ece), "bins": table}


def reliability_figure(bins: Sequence[tuple], ece: float, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(4.8, 4.5))
    axes.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    axes.plot([b[0] for b in bins], [b[1] for b in bins], "o-", label="model")
    for conf, acc, count in bins:
        axes.annotate(
            str(count), (conf, acc), fontsize=7, xytext=(3, -9), textcoords="offset points"
        )
    axes.set_xlabel("confidence of the top intent")
    axes.set_ylabel("accuracy")
    axes.set_title(f"Calibration on tests/nlu (EN+ZH), ECE {ece:.3f}", fontsize=10)
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def update_section(body: str, path: Path = BENCHMARKS_MD, title: str = SUBSECTION) -> None:
    """Replace (or add) ``### title`` inside ``## NLU``; everything else is kept."""
    common.update_subsection(SECTION, title, body, path)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}"


def _pipeline(config: str) -> str:
    import yaml

    pipeline = (yaml.safe_load(Path(config).read_text()) or {}).get("pipeline") or []
    return " → ".join(str(item.get("name", "?")).split(".")[-1] for item in pipeline)


def render(results: Dict) -> str:
    """The ``### Latest run`` Markdown of one benchmark run."""
    load = "/".join(f"{x:.1f}" for x in results["load_before"])
    load_after = "/".join(f"{x:.1f}" for x in results["load_after"])
    lines = [
        f"Command: `{results['command']}` — {_machine()}; load average {load} before, "
        f"{load_after} after (shared machine: wall times vary, CPU times less). "
        f"Run took {results['seconds']:.0f} s."
        + (
            " **Quick run** (3,000-message stratified sample of Bitext 2020, no full `rasa train`)."
            if results["quick"]
            else ""
        ),
        "",
        f"Pipeline: {_pipeline(results['config'])}. Trained on data/nlu: "
        f"{results['train_examples']:,} examples, {results['train_intents']} intents.",
        "",
        "#### Intent accuracy",
        "",
        "*model* = the intent classifier's top intent (same protocol as the baseline); "
        "*after fallback* counts `nlu_fallback` as wrong. Baseline: TF-IDF (word 1–2 + "
        "char_wb 2–5, sublinear) + LinearSVC(C=1) trained on the same examples "
        "(SMP2017: char 1–3, the BASELINES.md Chinese setting; † word+char_wb).",
        "",
    ]
    rows = []
    for row in results["rows"] + [results["smp"]]:
        rows.append(
            [
                row["name"],
                f"{row['n']:,}",
                f"**{_pct(row['accuracy'])}** / {_pct(row['macro_f1'])}",
                f"{_pct(row['final_accuracy'])} ({_pct(row['fallback_rate'])} % fell back)",
                f"{_pct(row['baseline_accuracy'])} / {_pct(row['baseline_macro_f1'])}"
                + (
                    f"; † {_pct(row['baseline2_accuracy'])} / {_pct(row['baseline2_macro_f1'])}"
                    if "baseline2_accuracy" in row
                    else ""
                ),
            ]
        )
    lines.append(
        table(
            [
                "test set",
                "messages",
                "model acc / macro-F1 %",
                "acc after fallback %",
                "baseline acc / macro-F1 %",
            ],
            rows,
        )
    )
    worst = ", ".join(f"{name} {_pct(f1)}" for name, f1 in results["bitext_worst"])
    lines += ["", f"Weakest Bitext 2020 intents (F1 %): {worst}.", ""]
    lines += ["#### Speed", ""]
    speed = [
        [
            "NLU-only training on data/ (in-process, `train_nlu`)",
            f"{results['nlu_train']['wall']:.1f} s wall, {results['nlu_train']['cpu']:.1f} s CPU",
        ],
        ["NLU-only training on SMP2017 train", f"{results['smp_train_seconds']:.1f} s wall"],
    ]
    if "full_train" in results:
        full = results["full_train"]
        speed.insert(
            0,
            [
                "**full `rasa train`** (config.yml + domain + data, empty cache)",
                f"**{full['wall_seconds']:.0f} s** wall, {full['cpu_seconds']:.0f} s CPU",
            ],
        )
    if "full_train_error" in results:
        speed.insert(0, ["full `rasa train`", f"failed: {results['full_train_error']}"])
    latency = results["latency"]
    speed.append(
        [
            f"NLU parse per message ({latency.messages} messages, {results['latency_model']}, "
            "`processor.parse_message`)",
            f"p50 **{latency.wall_p50:.1f} ms** / p95 **{latency.wall_p95:.1f} ms** wall; "
            f"CPU p50 {latency.cpu_p50:.1f} / p95 {latency.cpu_p95:.1f} ms",
        ]
    )
    lines += [table(["measurement", "value"], speed), ""]
    fallback = results["fallback"]
    lines += [
        "#### Fallback threshold and calibration",
        "",
        f"Configured: threshold {fallback['threshold']:.2f}, ambiguity "
        f"{fallback['ambiguity']:.2f}. Real requests = tests/nlu EN+ZH without "
        f"out_of_scope; gibberish = {GIBBERISH_NOTE}. Expected calibration error of the top "
        f"intent's confidence on real requests: **{results['ece']:.3f}**.",
        "",
    ]
    sweep_rows = [
        [
            ("**%.2f**" if abs(r["threshold"] - fallback["threshold"]) < 1e-9 else "%.2f")
            % r["threshold"],
            _pct(r["in_scope_fallback"]),
            _pct(r["in_scope_accuracy"]),
            _pct(r["out_of_scope_handled"]),
            _pct(r["gibberish_handled"]),
        ]
        for r in results["sweep"]
        if r["threshold"] <= 0.8
    ]
    lines.append(
        table(
            [
                "threshold",
                "real requests falling back %",
                "real requests right %",
                "out-of-scope handled %",
                "gibberish handled %",
            ],
            sweep_rows,
        )
    )
    lines += [
        "",
        "Figures: "
        + ", ".join(
            f"[{name}](figures/nlu_{name}.png)"
            for name in (
                "confusion_bitext2020",
                "confusion_en",
                "confusion_zh",
                "confusion_smp2017",
                "fallback_threshold",
                "calibration",
            )
        ),
    ]
    return "\n".join(lines)


GIBBERISH_NOTE = (
    "400 generated nonsense messages (keyboard mashes, random letters, random Han characters, "
    "symbols/emoji)"
)
