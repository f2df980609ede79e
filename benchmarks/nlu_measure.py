"""Measurements of the NLU benchmark: baselines, latency, fallback sweep, full training.

Kept apart from the command-line driver (benchmarks/nlu.py) and the report writer
(benchmarks/nlu_report.py).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence

import numpy as np

from bot.evaluation import FALLBACK_INTENT, Example, NluModel, Prediction

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def tfidf_svm_baseline(
    train: Sequence[Example], tests: Dict[str, Sequence[str]], chinese: bool = False
) -> Dict[str, List[str]]:
    """TF-IDF + LinearSVC(C=1), as in datasets/BASELINES.md (sublinear TF, no tuning).

    English: word 1-2-grams + char_wb 2-5-grams; ``chinese``: char 1-3-grams.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    if chinese:
        features = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    else:
        features = make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        )
    model = make_pipeline(features, LinearSVC(C=1.0))
    model.fit([e.text for e in train], [e.intent for e in train])
    return {name: list(model.predict(list(texts))) for name, texts in tests.items()}


@dataclass(frozen=True)
class Latency:
    """Per-message parse times in milliseconds."""

    messages: int
    wall_p50: float
    wall_p95: float
    cpu_p50: float
    cpu_p95: float
    wall_mean: float


def parse_latency(model: NluModel, texts: Sequence[str], warmup: int = 20) -> Latency:
    """Parse messages one by one through the message processor (what the server does)."""
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    for text in texts[:: max(1, len(texts) // warmup)]:  # both languages
        model.parse(text)
    wall: List[float] = []
    cpu: List[float] = []
    for text in texts:
        started, started_cpu = time.perf_counter(), time.process_time()
        model.parse(text)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return Latency(
        messages=len(texts),
        wall_p50=float(np.percentile(wall, 50)),
        wall_p95=float(np.percentile(wall, 95)),
        cpu_p50=float(np.percentile(cpu, 50)),
        cpu_p95=float(np.percentile(cpu, 95)),
        wall_mean=float(np.mean(wall)),
    )


def fallback_sweep(
    in_scope: Sequence[tuple[str, Prediction]],
    out_of_scope: Sequence[Prediction],
    gibberish: Sequence[Prediction],
    ambiguity: float,
    thresholds: Sequence[float] = tuple(np.round(np.arange(0.0, 0.91, 0.05), 2)),
) -> List[Dict[str, float]]:
    """For each threshold: how many real requests would fall back, and how much noise would.

    ``in_scope`` holds (gold intent, prediction) of real requests; a message falls back
    when its classifier confidence is below the threshold or its top-2 margin is below
    ``ambiguity`` (the FallbackClassifier's rule). Out-of-scope messages and gibberish
    count as handled when they fall back or are classified ``out_of_scope``.
    """

    def falls_back(p: Prediction, threshold: float) -> bool:
        return p.confidence < threshold or p.margin < ambiguity

    def handled(predictions: Sequence[Prediction], threshold: float) -> float:
        hits = [
            falls_back(p, threshold) or p.classifier_intent == "out_of_scope" for p in predictions
        ]
        return float(np.mean(hits)) if hits else float("nan")

    rows = []
    for threshold in thresholds:
        kept = [(gold, p) for gold, p in in_scope if not falls_back(p, threshold)]
        correct = sum(1 for gold, p in kept if p.classifier_intent == gold)

        rows.append(
            {
                "threshold": float(threshold),
                "in_scope_fallback": 1.0 - len(kept) / max(1, len(in_scope)),
                "in_scope_accuracy": correct / max(1, len(in_scope)),
                "out_of_scope_handled": handled(out_of_scope, threshold),
                "gibberish_handled": handled(gibberish, threshold),
            }
        )
    return rows


def final_intent(prediction: Prediction) -> str:
    return prediction.intent or FALLBACK_INTENT


def full_rasa_train(work_dir: Path, config: Path) -> Dict[str, Any]:
    """``rasa train`` of ``config`` + the project's domain/data with an empty cache."""
    out = work_dir / "full-model"
    cache = Path(tempfile.mkdtemp(prefix="rasa-cache-", dir=work_dir))
    env = {
        **os.environ,
        "RASA_CACHE_DIRECTORY": str(cache),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    command = [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "--config",
        str(config),
        "--domain",
        "domain.yml",
        "--data",
        "data",
        "--out",
        str(out),
        "--fixed-model-name",
        "shop",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    log = work_dir / "rasa-train.log"
    with log.open("w") as handle:
        result = subprocess.run(
            command, cwd=PROJECT_ROOT, stdout=handle, stderr=subprocess.STDOUT, env=env
        )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        errors = [
            re.sub(r"\x1b\[[0-9;]*m", "", line).strip()
            for line in log.read_text(errors="replace").splitlines()
            if "Error" in line or "Contradicting" in line or "InvalidRule" in line
        ]
        reason = " ".join(errors[-2:])[:300] or f"exit {result.returncode}"
        raise RuntimeError(f"rasa train failed: {reason}")
    return {
        "wall_seconds": wall,
        "cpu_seconds": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "model": str(out / "shop.tar.gz"),
    }
