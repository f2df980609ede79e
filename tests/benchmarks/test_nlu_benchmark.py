"""Pieces of the NLU benchmark that must be right: data loading, sweep, report writing."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import nlu_data, nlu_measure, nlu_report
from bot.evaluation import Example, Prediction, gibberish
from crm_backend.settings import get_settings


def _prediction(intent: str, confidence: float, margin: float = 0.5) -> Prediction:
    return Prediction(intent, intent, confidence, margin, "en")


def test_bitext_2020_is_renamed_and_sampled_per_intent():
    datasets = get_settings().datasets_dir
    if not (datasets / nlu_data.BITEXT_2020).exists():
        pytest.skip("shared datasets not available")
    sample = nlu_data.bitext_2020(datasets, sample=1000)
    intents = {e.intent for e in sample}
    assert "check_invoice" in intents and "check_invoices" not in intents
    assert len(intents) == 27
    assert 900 <= len(sample) <= 1100


def test_gibberish_is_deterministic_and_varied():
    first, again = gibberish(40), gibberish(40)
    assert first == again
    assert len(set(first)) > 30
    assert gibberish(40, seed=1) != first


def test_fallback_sweep_counts_real_requests_and_noise():
    real = [("greet", _prediction("greet", 0.9)), ("thanks", _prediction("greet", 0.3))]
    out_of_scope = [_prediction("out_of_scope", 0.8), _prediction("greet", 0.35)]
    noise = [_prediction("affirm", 0.2), _prediction("affirm", 0.6, margin=0.01)]
    rows = {r["threshold"]: r for r in nlu_measure.fallback_sweep(real, out_of_scope, noise, 0.05)}
    assert rows[0.0]["in_scope_fallback"] == 0.0
    assert rows[0.0]["in_scope_accuracy"] == 0.5
    assert rows[0.0]["gibberish_handled"] == 0.5  # the ambiguous one
    assert rows[0.4]["in_scope_fallback"] == 0.5  # the wrong, unsure one falls back
    assert rows[0.4]["in_scope_accuracy"] == 0.5
    assert rows[0.4]["out_of_scope_handled"] == 1.0
    assert rows[0.4]["gibberish_handled"] == 1.0


def test_baseline_learns_a_toy_problem():
    train = [Example(t, "a") for t in ["refund please", "money back", "refund now"]] + [
        Example(t, "b") for t in ["hello", "hi there", "hello again"]
    ]
    predicted = nlu_measure.tfidf_svm_baseline(train, {"x": ["refund", "hello you"]})
    assert predicted == {"x": ["a", "b"]}


def test_reliability_of_perfectly_calibrated_predictions_is_zero():
    result = nlu_report.reliability([0.5, 0.5, 1.0, 1.0], [True, False, True, True])
    assert result["ece"] == pytest.approx(0.0)
    assert sum(count for _, _, count in result["bins"]) == 4


def test_update_section_replaces_only_its_own_subsection(tmp_path: Path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(
        "# Benchmarks\n\n## CRM\n\nCRM numbers\n\n## NLU\n\nIntro\n\n### History\n\nold story\n\n"
        "### Latest run\n\nold numbers\n\n## Load\n\nload numbers\n"
    )
    nlu_report.update_section("new numbers", path)
    text = path.read_text()
    assert "old numbers" not in text and "new numbers" in text
    for kept in ("CRM numbers", "Intro", "old story", "load numbers"):
        assert kept in text
    assert text.index("## CRM") < text.index("## NLU") < text.index("## Load")


def test_update_section_creates_the_file_and_section(tmp_path: Path):
    path = tmp_path / "BENCHMARKS.md"
    nlu_report.update_section("numbers", path)
    text = path.read_text()
    assert text.startswith("# Benchmarks") and "## NLU\n\n### Latest run\n\nnumbers" in text


def test_confusion_figure_is_written(tmp_path: Path):
    target = nlu_report.confusion_figure(
        ["a", "a", "b"], ["a", "x", "b"], "toy", tmp_path / "toy.png", labels=["a", "b"]
    )
    assert target.exists() and target.stat().st_size > 1000
