"""Evaluate a model archive on the held-out NLU test sets (both languages).

Runs in the retraining job's process (it loads Rasa). Metrics: accuracy, macro-F1 and F1
per intent over the gold intents; the confusion matrix is drawn with matplotlib (Agg).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from crm_backend.settings import PROJECT_ROOT

TESTS_DIR = PROJECT_ROOT / "tests" / "nlu"


def test_files(tests_dir: Path = TESTS_DIR) -> List[Path]:
    """The curated test sets (``*_test.yml``) and the inbox's held-out annotations."""
    found = sorted(tests_dir.glob("*_test.yml")) + sorted(tests_dir.glob("inbox_test_*.yml"))
    return [path for path in found if path.is_file()]


def metrics_for(gold: Sequence[str], predicted: Sequence[str]) -> Dict[str, Any]:
    from sklearn.metrics import f1_score

    from bot.evaluation import scores

    labels = sorted(set(gold))
    accuracy, macro_f1 = scores(gold, predicted, labels)
    per_intent = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    return {
        "examples": len(gold),
        "accuracy": round(accuracy, 4),
        "macro_f1": round(macro_f1, 4),
        "per_intent_f1": {
            label: round(float(f), 4) for label, f in zip(labels, per_intent, strict=True)
        },
    }


def evaluate(
    archive: Path, files: Sequence[Path], confusion_png: Optional[Path] = None
) -> Dict[str, Any]:
    """Parse every test example with ``archive``; returns the metrics (and draws the
    confusion matrix into ``confusion_png`` when given)."""
    from bot.evaluation import NluModel, load_examples

    examples = load_examples(files)
    if not examples:
        return {"examples": 0, "accuracy": 0.0, "macro_f1": 0.0, "per_intent_f1": {}}
    model = NluModel(archive)
    try:
        predictions = model.parse_batch([example.text for example in examples])
    finally:
        model.close()
    gold = [example.intent for example in examples]
    predicted = [prediction.intent for prediction in predictions]
    result = metrics_for(gold, predicted)
    result["test_files"] = [path.name for path in files]
    if confusion_png is not None:
        from benchmarks.nlu_report import confusion_figure

        confusion_figure(gold, predicted, f"NLU confusion ({archive.stem})", confusion_png)
    return result


def compare(new: Dict[str, Any], old: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Side by side: the changes of accuracy, macro-F1 and per-intent F1 (new - old)."""
    if not old:
        return {}
    old_f1: Dict[str, float] = old.get("per_intent_f1", {})
    new_f1: Dict[str, float] = new.get("per_intent_f1", {})
    return {
        "accuracy": round(new.get("accuracy", 0.0) - old.get("accuracy", 0.0), 4),
        "macro_f1": round(new.get("macro_f1", 0.0) - old.get("macro_f1", 0.0), 4),
        "per_intent_f1": {
            intent: round(new_f1.get(intent, 0.0) - old_f1.get(intent, 0.0), 4)
            for intent in sorted(set(old_f1) | set(new_f1))
            if new_f1.get(intent, 0.0) != old_f1.get(intent, 0.0)
        },
    }
