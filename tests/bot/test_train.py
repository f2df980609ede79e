"""Training happens only when its inputs changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import train
from bot.paths import fingerprint_path, model_path
from crm_backend.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(model_dir=tmp_path / "models", var_dir=tmp_path, log_dir=tmp_path / "log")


def test_fingerprint_is_stable_and_covers_the_inputs():
    first = train.training_fingerprint()
    assert first == train.training_fingerprint()
    assert first != train.training_fingerprint(("config.yml",))


def test_no_model_means_stale(settings: Settings):
    assert train.is_stale(settings)


def test_matching_fingerprint_is_up_to_date(settings: Settings):
    settings.model_dir.mkdir()
    model_path(settings).write_bytes(b"model")
    stamp = {"fingerprint": train.training_fingerprint(), "code": "x", "sentiment": "bundled"}
    fingerprint_path(settings).write_text(json.dumps(stamp))
    assert not train.is_stale(settings)
    assert train.ensure_model(settings) is False


def test_changed_inputs_or_broken_stamp_mean_stale(settings: Settings):
    settings.model_dir.mkdir()
    model_path(settings).write_bytes(b"model")
    fingerprint_path(settings).write_text(json.dumps({"fingerprint": "old"}))
    assert train.is_stale(settings)
    fingerprint_path(settings).write_text("{not json")
    assert train.is_stale(settings)


def test_a_new_sentiment_model_makes_the_rasa_model_stale(settings: Settings):
    """The Rasa model carries a copy of the current sentiment model (bot.nlu.sentiment)."""
    from crm_backend.ml import registry
    from crm_backend.ml import sentiment as sentiment_model

    settings.model_dir.mkdir()
    model_path(settings).write_bytes(b"model")
    stamp = {"fingerprint": train.training_fingerprint(), "code": "x", "sentiment": "bundled"}
    fingerprint_path(settings).write_text(json.dumps(stamp))
    assert not train.is_stale(settings)
    info = registry.save_model(
        sentiment_model.NAME, {"stand-in": True}, data_fingerprint="d", params={},
        metrics={}, inputs=[], model_dir=settings.model_dir,
    )  # fmt: skip
    assert train.sentiment_version(settings) == info.version
    assert train.is_stale(settings)
    stamp["sentiment"] = info.version
    fingerprint_path(settings).write_text(json.dumps(stamp))
    assert not train.is_stale(settings)
