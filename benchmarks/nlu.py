"""NLU benchmark: intent quality, calibration, fallback threshold, training time, latency.

    .venv/bin/python -m benchmarks.nlu           # full run (~1.5-4 min on 2 shared cores)
    .venv/bin/python -m benchmarks.nlu --quick   # 3,000 Bitext 2020 messages, no full train

One run, with the pipeline of ``config.yml`` (Rasa's own ``train_nlu``, NLU part only,
into a temp dir; parsing through the trained model's graph):

a. trained on OUR data/ -> Bitext 2020 release (English, never trained on), the held-out
   tests/nlu/en_test.yml and tests/nlu/zh_test.yml; TF-IDF + LinearSVC baseline trained on
   the same examples;
b. trained on SMP2017-ECDT train -> SMP2017 test (Chinese), with the baseline;
c. confusion matrices (benchmarks/figures/nlu_confusion_*.png), calibration, and the
   FallbackClassifier threshold sweep (real requests vs out-of-scope and gibberish);
d. a full ``rasa train`` of the shipped config/domain/data with an empty cache (not with
   --quick);
e. parse latency per message (wall and CPU time; the machine is shared).

A full run replaces ``### Latest run`` in the ``## NLU`` section of benchmarks/BENCHMARKS.md
and the nlu_*.png figures; ``--quick`` (or ``--out DIR``) writes them to a temp dir / DIR.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import nlu_data, nlu_measure, nlu_report  # noqa: E402
from bot.evaluation import (  # noqa: E402
    Example,
    NluModel,
    Prediction,
    gibberish,
    load_examples,
    scores,
    train_nlu_model,
    write_examples,
)
from crm_backend.settings import PROJECT_ROOT, get_settings  # noqa: E402

QUICK_BITEXT_SAMPLE = 3000
GIBBERISH = 400


def _fallback_config(config: Path) -> Dict[str, float]:
    import yaml

    pipeline = (yaml.safe_load(config.read_text()) or {}).get("pipeline") or []
    for item in pipeline:
        if item.get("name") == "FallbackClassifier":
            return {
                "threshold": float(item.get("threshold", 0.3)),
                "ambiguity": float(item.get("ambiguity_threshold", 0.1)),
            }
    return {"threshold": 0.0, "ambiguity": 0.0}


def _evaluate(
    name: str,
    examples: Sequence[Example],
    predictions: Sequence[Prediction],
    baseline: Optional[Sequence[str]] = None,
) -> Dict[str, Any]:
    gold = [e.intent for e in examples]
    labels = sorted(set(gold))
    top = [p.classifier_intent for p in predictions]
    final = [p.intent for p in predictions]
    row: Dict[str, Any] = {"name": name, "n": len(examples)}
    row["accuracy"], row["macro_f1"] = scores(gold, top, labels)
    row["final_accuracy"], _ = scores(gold, final, labels)
    row["fallback_rate"] = sum(p == "nlu_fallback" for p in final) / max(1, len(final))
    if baseline is not None:
        row["baseline_accuracy"], row["baseline_macro_f1"] = scores(gold, baseline, labels)
    return row


def _per_intent_f1(examples: Sequence[Example], predicted: Sequence[str]) -> List[tuple]:
    from sklearn.metrics import f1_score

    labels = sorted({e.intent for e in examples})
    values = f1_score(
        [e.intent for e in examples], predicted, labels=labels, average=None, zero_division=0
    )
    return sorted(zip(labels, (float(v) for v in values), strict=True), key=lambda item: item[1])


def run(args: argparse.Namespace) -> Dict[str, Any]:
    settings = get_settings()
    config = Path(args.config).resolve()
    work = Path(args.work or tempfile.mkdtemp(prefix="nlu-benchmark-"))
    work.mkdir(parents=True, exist_ok=True)
    figures = Path(args.out) if args.out else nlu_report.FIGURES_DIR
    if args.quick and not args.out:
        figures = work / "report"
    results: Dict[str, Any] = {"quick": args.quick, "config": str(config), "work": str(work)}
    results["load_before"] = os.getloadavg()
    fallback = _fallback_config(config)
    results["fallback"] = fallback

    print("[1/5] training the NLU pipeline on data/ ...", flush=True)
    started, started_cpu = time.monotonic(), time.process_time()
    archive = train_nlu_model(
        config, PROJECT_ROOT / "data", work / "ours", PROJECT_ROOT / "domain.yml"
    )
    results["nlu_train"] = {
        "wall": time.monotonic() - started,
        "cpu": time.process_time() - started_cpu,
    }
    train_examples = load_examples([PROJECT_ROOT / "data" / "nlu"])
    results["train_examples"] = len(train_examples)
    results["train_intents"] = len({e.intent for e in train_examples})
    bitext = nlu_data.bitext_2020(settings.datasets_dir, QUICK_BITEXT_SAMPLE if args.quick else 0)
    sets = {
        "bitext2020": bitext,
        "en": nlu_data.project_test_set("en"),
        "zh": nlu_data.project_test_set("zh"),
    }
    noise = gibberish(GIBBERISH)

    print(f"[2/5] parsing {sum(map(len, sets.values())) + len(noise)} messages ...", flush=True)
    model = NluModel(archive)
    predictions = {name: model.parse_batch([e.text for e in ex]) for name, ex in sets.items()}
    noise_predictions = model.parse_batch(noise)
    baseline = nlu_measure.tfidf_svm_baseline(
        train_examples, {name: [e.text for e in ex] for name, ex in sets.items()}
    )
    labels = {
        "bitext2020": "Bitext 2020 (EN)",
        "en": "tests/nlu/en_test.yml",
        "zh": "tests/nlu/zh_test.yml",
    }
    results["rows"] = [
        _evaluate(labels[name], sets[name], predictions[name], baseline[name]) for name in sets
    ]
    results["bitext_worst"] = _per_intent_f1(
        bitext, [p.classifier_intent for p in predictions["bitext2020"]]
    )[:6]

    in_scope = [
        (e.intent, p)
        for name in ("en", "zh")
        for e, p in zip(sets[name], predictions[name], strict=True)
        if e.intent != "out_of_scope"
    ]
    out_of_scope = [
        p
        for name in ("en", "zh")
        for e, p in zip(sets[name], predictions[name], strict=True)
        if e.intent == "out_of_scope"
    ]
    results["sweep"] = nlu_measure.fallback_sweep(
        in_scope, out_of_scope, noise_predictions, fallback["ambiguity"]
    )
    results["gibberish_final"] = {
        "fallback": sum(p.intent == "nlu_fallback" for p in noise_predictions) / len(noise),
        "out_of_scope": sum(p.intent == "out_of_scope" for p in noise_predictions) / len(noise),
    }
    calibration = nlu_report.reliability(
        [p.confidence for _, p in in_scope], [p.classifier_intent == g for g, p in in_scope]
    )
    results["ece"] = calibration["ece"]
    nlu_report.reliability_figure(
        calibration["bins"], calibration["ece"], figures / "nlu_calibration.png"
    )
    nlu_report.sweep_figure(
        results["sweep"], fallback["threshold"], figures / "nlu_fallback_threshold.png"
    )
    for name, title in (
        ("bitext2020", "Bitext 2020 release (trained on data/nlu)"),
        ("en", "tests/nlu/en_test.yml"),
        ("zh", "tests/nlu/zh_test.yml"),
    ):
        nlu_report.confusion_figure(
            [e.intent for e in sets[name]],
            [p.classifier_intent for p in predictions[name]],
            title,
            figures / f"nlu_confusion_{name}.png",
        )

    print("[3/5] SMP2017: training on train, testing on test ...", flush=True)
    smp_train = nlu_data.smp2017(settings.datasets_dir, "train")
    smp_test = nlu_data.smp2017(settings.datasets_dir, "test")
    smp_file = write_examples(smp_train, work / "smp2017" / "train.yml")
    started = time.monotonic()
    smp_archive = train_nlu_model(config, smp_file, work / "smp2017")
    results["smp_train_seconds"] = time.monotonic() - started
    smp_model = NluModel(smp_archive)
    smp_predictions = smp_model.parse_batch([e.text for e in smp_test])
    smp_model.close()
    texts = {"test": [e.text for e in smp_test]}
    zh_baseline = nlu_measure.tfidf_svm_baseline(smp_train, texts, chinese=True)["test"]
    en_baseline = nlu_measure.tfidf_svm_baseline(smp_train, texts)["test"]
    smp_row = _evaluate("SMP2017 test (ZH)", smp_test, smp_predictions, zh_baseline)
    smp_row["baseline2_accuracy"], smp_row["baseline2_macro_f1"] = scores(
        [e.intent for e in smp_test], en_baseline
    )
    results["smp"] = smp_row
    nlu_report.confusion_figure(
        [e.intent for e in smp_test],
        [p.classifier_intent for p in smp_predictions],
        "SMP2017-ECDT task 1 test (trained on SMP2017 train)",
        figures / "nlu_confusion_smp2017.png",
    )

    latency_model, results["latency_model"] = model, "NLU-only model"
    if not args.quick:
        print("[4/5] full rasa train of the shipped config (empty cache) ...", flush=True)
        try:
            results["full_train"] = nlu_measure.full_rasa_train(work, config)
        except RuntimeError as error:  # e.g. contradicting rules: report it, keep going
            results["full_train_error"] = str(error)
        else:
            model.close()
            latency_model = NluModel(Path(results["full_train"]["model"]))
            results["latency_model"] = "full model"
    else:
        print("[4/5] full rasa train skipped (--quick)", flush=True)
    print("[5/5] parse latency ...", flush=True)
    texts_for_latency = [e.text for name in ("en", "zh") for e in sets[name]]
    texts_for_latency += [e.text for e in bitext[:: max(1, len(bitext) // 300)]]
    if args.quick:
        texts_for_latency = texts_for_latency[::3]
    results["latency"] = nlu_measure.parse_latency(latency_model, texts_for_latency)
    latency_model.close()
    results["load_after"] = os.getloadavg()
    results["figures"] = str(figures)
    return results


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3,000 Bitext 2020 messages, no full rasa train; report in a temp dir",
    )
    parser.add_argument("--config", default=str(PROJECT_ROOT / "config.yml"))
    parser.add_argument("--out", help="write the report and figures here instead of benchmarks/")
    parser.add_argument("--work", help="working dir for models (default: a new temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the working dir")
    args = parser.parse_args(argv)
    command = "python -m benchmarks.nlu" + (" " + " ".join(argv) if argv else "")
    if argv is None:
        command = "python -m benchmarks.nlu" + "".join(" " + a for a in sys.argv[1:])
    started = time.monotonic()
    results = run(args)
    results["command"] = f".venv/bin/{command}"
    results["seconds"] = time.monotonic() - started
    body = nlu_report.render(results)
    if args.out or args.quick:
        target = Path(args.out or results["figures"]) / "nlu.md"
        target.write_text(f"## NLU\n\n### {nlu_report.SUBSECTION}\n\n{body}\n", "utf-8")
    else:
        target = nlu_report.BENCHMARKS_MD
        nlu_report.update_section(body)
    print(body)
    print(f"\nReport: {target}  (figures in {results['figures']})")
    if not args.keep and not args.work:  # keep only a quick run's report
        work = Path(results["work"])
        for child in work.iterdir():
            if child.resolve() != Path(results["figures"]).resolve():
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink()
        if not any(work.iterdir()):
            work.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
