"""Train the sentiment models and store them as a version of ``sentiment``.

    python -m crm_backend.ml sentiment train [--force] [--datasets DIR] [--model-dir DIR]
    python -m crm_backend.ml sentiment info

- English: NB-weighted binary word 1-3-grams, logistic regression, trained on SST-2 train
  + the UCI sentences; sigmoid calibration on the 3-fold out-of-fold decision values of
  the UCI rows (whole sentences, like customers' messages; SST-2 rows are phrases), then
  refitted on everything (:mod:`crm_backend.ml.calibration`).
- Chinese: NB-weighted TF-IDF of character 1-3-grams, logistic regression, trained on
  ChnSentiCorp train and calibrated (sigmoid) on ChnSentiCorp dev.
- Opinion gate (per language): TF-IDF + balanced logistic regression separating opinions
  (review sentences: SST-2 phrases of 8+ tokens and UCI for EN, ChnSentiCorp train for ZH)
  from plain requests (Bitext 2023 for EN, SMP2017 train for ZH).
- Neutral-zone thresholds: tuned on other plain requests (Bitext 2022, SMP2017 dev), never
  on the ones used to measure them (Bitext 2020, the team's data/nlu/zh).

Training is skipped when the current version was trained from the same inputs, parameters
and code version (``--force`` retrains). Test sets are read only to record metrics.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from tqdm import tqdm

from crm_backend.ml import registry
from crm_backend.ml import sentiment_data as data
from crm_backend.ml.calibration import fit_on_subset
from crm_backend.ml.sentiment import (
    NAME,
    LanguageSentiment,
    SentimentModel,
    tune_thresholds,
)
from crm_backend.ml.text_features import (
    EN_WORD_PATTERN,
    chinese_features,
    english_features,
    normalise_en,
    normalise_zh,
    slim,
)

CODE_VERSION = "sentiment-6"  # 6: the gate learns short answers (yes / no / 没有)
DEFAULT_PARAMS: Dict[str, Dict[str, Any]] = {
    "en": {"C": 1.0, "min_df": 3, "char_weight": 0.0, "include_uci": True, "cv": 3},
    "zh": {"C": 30.0, "max_n": 3, "min_df": 3},
    "gate": {"C": 1.0, "min_df": 3, "en_sst2_phrases": 8000, "en_min_tokens": 8, "seed": 0},
}
SMALL_PARAMS: Dict[str, Dict[str, Any]] = {
    "en": {"C": 1.0, "min_df": 1, "char_weight": 0.3, "cv": 3},
    "zh": {"C": 3.0, "max_n": 3, "min_df": 1, "cv": 3},
}


def build_estimator(language: str, params: Mapping[str, Any]) -> Pipeline:
    if language == "en":
        features: Any = english_features(params["char_weight"], params["min_df"])
    else:
        features = chinese_features(params["max_n"], params["min_df"])
    classifier = LogisticRegression(C=params["C"], solver="liblinear", max_iter=5000)
    return Pipeline([("features", features), ("lr", classifier)])


def fit_language(
    language: str,
    texts: Sequence[str],
    labels: Sequence[int],
    params: Mapping[str, Any],
    calibration: Optional[Tuple[Sequence[str], Sequence[int]]] = None,
    calibration_rows: Optional[np.ndarray] = None,
) -> Any:
    """A calibrated classifier: Platt scaling on a held-out ``calibration`` set, or on the
    out-of-fold predictions of ``calibration_rows`` (a boolean mask), else k-fold."""
    base = build_estimator(language, params)
    if calibration_rows is not None:
        folds = int(params.get("cv", 3))
        model: Any = fit_on_subset(base, texts, labels, calibration_rows, folds)
        model.estimator = slim(model.estimator)
        return model
    if calibration is not None:
        base.fit(list(texts), list(labels))
        model = CalibratedClassifierCV(base, method="sigmoid", cv="prefit")
        model.fit(list(calibration[0]), list(calibration[1]))
    else:
        folds = min(int(params.get("cv", 3)), int(np.bincount(np.asarray(labels)).min()))
        if folds < 2:
            model = base.fit(list(texts), list(labels))
        else:
            # ensemble=False: calibrate on out-of-fold predictions, keep ONE refitted model
            model = CalibratedClassifierCV(base, method="sigmoid", cv=folds, ensemble=False)
            model.fit(list(texts), list(labels))
    return slim(model)


def build_gate(language: str, strength: float = 1.0, min_df: int = 2) -> Pipeline:
    """Opinion (1) vs plain request (0): TF-IDF words (EN) / characters (ZH) + LR."""
    if language == "en":
        vectoriser = TfidfVectorizer(
            preprocessor=normalise_en,
            token_pattern=EN_WORD_PATTERN,
            ngram_range=(1, 2),
            sublinear_tf=True,
            min_df=min_df,
            dtype=np.float32,
        )
    else:
        vectoriser = TfidfVectorizer(
            preprocessor=normalise_zh,
            analyzer="char",
            ngram_range=(1, 3),
            sublinear_tf=True,
            min_df=min_df,
            dtype=np.float32,
        )
    classifier = LogisticRegression(C=strength, class_weight="balanced", solver="liblinear")
    return Pipeline([("tfidf", vectoriser), ("lr", classifier)])


def fit_gate(
    language: str,
    opinions: Sequence[str],
    plain: Sequence[str],
    strength: float = 1.0,
    min_df: int = 2,
) -> Any:
    texts = list(opinions) + list(plain)
    labels = [1] * len(opinions) + [0] * len(plain)
    return slim(build_gate(language, strength, min_df).fit(texts, labels))


def english_opinions(root: Optional[Path], gate: Mapping[str, Any]) -> List[str]:
    """UCI sentences + a sample of the longer SST-2 phrases (whole-sentence-like)."""
    long_phrases = [
        t for t in data.sst2("train", root)[0] if len(t.split()) >= gate["en_min_tokens"]
    ]
    rng = random.Random(gate["seed"])
    sample = rng.sample(long_phrases, min(len(long_phrases), gate["en_sst2_phrases"]))
    return sample + [t for source in data.UCI_SOURCES for t in data.uci(source, root)[0]]


def accuracy(model: LanguageSentiment, texts: Sequence[str], labels: Sequence[int]) -> float:
    scores = model.scores(texts)
    return float(np.mean((scores > 0).astype(int) == np.asarray(labels)))


def strong_rate(model: LanguageSentiment, texts: Sequence[str]) -> float:
    if not texts:
        return 0.0
    return float(np.mean(model.scores(texts) <= -model.thresholds.strong))


def training_inputs(root: Optional[Path] = None) -> List[Path]:
    """Every file the shipped model is trained or tuned on (for the fingerprint)."""
    return [
        data.sst2_files(root)["train"],
        *data.uci_files(root).values(),
        data.chnsenticorp_files(root)["train"],
        data.chnsenticorp_files(root)["dev"],
        data.bitext_files(root)["2022"],
        data.bitext_files(root)["2023"],
        data.smp2017_files(root)["train"],
        data.smp2017_files(root)["dev"],
        *data.answer_files("en"),
        *data.answer_files("zh"),
    ]


def _fingerprint(inputs: List[Dict[str, Any]], params: Mapping[str, Any]) -> str:
    digests = [(Path(i["path"]).name, i["sha256"]) for i in inputs]
    return registry.fingerprint(digests, params, CODE_VERSION)


def english_training_set(root: Optional[Path], include_uci: bool) -> Tuple[List[str], List[int]]:
    """SST-2 train, then (optionally) the UCI sentences."""
    texts, labels = data.sst2("train", root)
    if include_uci:
        for source in data.UCI_SOURCES:
            more_texts, more_labels = data.uci(source, root)
            texts, labels = texts + more_texts, labels + more_labels
    return texts, labels


def sentence_rows(root: Optional[Path], total: int) -> np.ndarray:
    """Mask of the UCI rows (whole sentences) at the end of the English training set."""
    uci_rows = sum(len(data.uci(source, root)[0]) for source in data.UCI_SOURCES)
    mask = np.zeros(total, dtype=bool)
    mask[total - uci_rows :] = True
    return mask


def train_from_datasets(
    root: Optional[Path] = None,
    params: Optional[Mapping[str, Mapping[str, Any]]] = None,
    progress: bool = True,
) -> Tuple[SentimentModel, Dict[str, Any]]:
    """Fit both languages on the shared datasets; returns the model and its metrics."""
    params = params or DEFAULT_PARAMS
    gate = params["gate"]
    steps = ["EN polarity", "EN gate", "ZH polarity", "ZH gate", "evaluate"]
    with tqdm(total=len(steps), desc="sentiment", unit="step", disable=not progress) as bar:
        bar.set_postfix_str(steps[0])
        with_uci = bool(params["en"].get("include_uci"))
        texts, labels = english_training_set(root, with_uci)
        rows = sentence_rows(root, len(texts)) if with_uci else None
        en = LanguageSentiment(fit_language("en", texts, labels, params["en"], None, rows))
        bar.update()
        bar.set_postfix_str(steps[1])
        plain_en = data.plain_requests_en(["2023"], root) + data.answer_examples("en")
        en.gate = fit_gate("en", english_opinions(root, gate), plain_en, gate["C"], gate["min_df"])
        tune_en = data.plain_requests_en(["2022"], root)
        en.thresholds = tune_thresholds(en.scores(tune_en))
        bar.update()
        bar.set_postfix_str(steps[2])
        zh_texts, zh_labels = data.chnsenticorp("train", root)
        dev = data.chnsenticorp("dev", root)
        zh = LanguageSentiment(fit_language("zh", zh_texts, zh_labels, params["zh"], dev))
        bar.update()
        bar.set_postfix_str(steps[3])
        plain_zh = data.smp2017_texts("train", root) + data.answer_examples("zh")
        zh.gate = fit_gate("zh", zh_texts, plain_zh, gate["C"], gate["min_df"])
        zh.thresholds = tune_thresholds(zh.scores(data.smp2017_texts("dev", root)))
        bar.update()
        bar.set_postfix_str(steps[4])
        metrics: Dict[str, Any] = {
            "en_train_examples": len(texts),
            "zh_train_examples": len(zh_texts),
            "sst2_dev_accuracy": accuracy(en, *data.sst2("dev", root)),
            "chnsenticorp_dev_accuracy": accuracy(zh, *dev),
            "chnsenticorp_test_accuracy": accuracy(zh, *data.chnsenticorp("test", root)),
            "en_thresholds": asdict(en.thresholds),
            "zh_thresholds": asdict(zh.thresholds),
            "en_plain_tuning_strong_rate": strong_rate(en, tune_en),
            "en_plain_eval_strong_rate": strong_rate(en, data.plain_requests_en(["2020"], root)),
            "zh_plain_eval_strong_rate": strong_rate(zh, data.plain_requests_zh()),
        }
        bar.update()
    return SentimentModel({"en": en, "zh": zh}), metrics


def train(
    model_dir: Optional[Path] = None,
    datasets: Optional[Path] = None,
    force: bool = False,
    progress: bool = True,
    params: Optional[Mapping[str, Mapping[str, Any]]] = None,
) -> Tuple[registry.ModelInfo, bool]:
    """Train and save a new version unless the current one is up to date.

    Returns the current version's info and whether a new version was trained.
    """
    params = params or DEFAULT_PARAMS
    missing = [p for p in training_inputs(datasets) if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            "sentiment training data not found: " + ", ".join(str(p) for p in missing)
        )
    inputs = registry.describe_inputs(training_inputs(datasets))
    data_fp = _fingerprint(inputs, params)
    info = registry.is_current(NAME, data_fp, model_dir)
    if info is not None and not force:
        return info, False
    started = time.monotonic()
    model, metrics = train_from_datasets(datasets, params, progress)
    info = registry.save_model(
        NAME,
        model,
        data_fingerprint=data_fp,
        params={**params, "code_version": CODE_VERSION},
        metrics=metrics,
        inputs=inputs,
        model_dir=model_dir,
        training_seconds=time.monotonic() - started,
    )
    return info, True


def train_small(
    examples: Mapping[str, Tuple[Sequence[str], Sequence[int]]],
    plain: Optional[Mapping[str, Sequence[str]]] = None,
) -> SentimentModel:
    """A small model from a handful of labelled examples per language (seconds).

    Used when no trained model exists (e.g. the Rasa component's bundled fallback).
    Thresholds are tuned on ``plain`` requests of that language when given.
    """
    languages: Dict[str, LanguageSentiment] = {}
    for language, (texts, labels) in examples.items():
        if len(set(labels)) < 2:
            raise ValueError(f"{language}: need positive and negative examples")
        model = LanguageSentiment(fit_language(language, texts, labels, SMALL_PARAMS[language]))
        plain_texts = list((plain or {}).get(language, []))
        if len(plain_texts) >= 10:
            model.gate = fit_gate(language, texts, plain_texts)
            model.thresholds = tune_thresholds(model.scores(plain_texts))
        languages[language] = model
    return SentimentModel(languages)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("train", help="train from the shared datasets (skips if up to date)")
    cmd.add_argument("--force", action="store_true", help="train even if up to date")
    cmd.add_argument("--datasets", type=Path, help="default: DATASETS_DIR")
    cmd.add_argument("--model-dir", type=Path, help="default: MODEL_DIR")
    cmd.add_argument("--no-progress", action="store_true")
    info = sub.add_parser("info", help="print the current version's metadata")
    info.add_argument("--model-dir", type=Path, help="default: MODEL_DIR")


def run(args: argparse.Namespace) -> int:
    if args.command == "info":
        current = registry.current_info(NAME, args.model_dir)
        if current is None:
            print(registry.ModelNotTrained(NAME, registry.ml_root(args.model_dir)))
            return 1
        print(json.dumps(current.metadata, indent=2, ensure_ascii=False))
        return 0
    started = time.monotonic()
    info, trained = train(args.model_dir, args.datasets, args.force, not args.no_progress)
    if not trained:
        print(f"sentiment {info.version} is up to date ({info.path})")
        return 0
    metrics = info.metadata["metrics"]
    print(
        f"trained sentiment {info.version} in {time.monotonic() - started:.0f} s: "
        f"SST-2 dev {metrics['sst2_dev_accuracy']:.4f}, "
        f"ChnSentiCorp test {metrics['chnsenticorp_test_accuracy']:.4f} ({info.path})"
    )
    return 0
