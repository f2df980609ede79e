"""Test conversations in tests/stories/ pass `rasa test` with no prediction errors.

Runs Rasa's own end-to-end story evaluation (``--e2e``: the model's NLU predicts each
message's intent and entities, then its policies the actions) on the project model
(trained by ``bot.train`` if its inputs changed), failing on any wrong intent, entity or
action prediction.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.paths import model_path
from bot.train import ensure_model
from crm_backend.settings import PROJECT_ROOT, get_settings

pytestmark = pytest.mark.e2e


def test_test_stories_have_no_prediction_errors(tmp_path: Path):
    settings = get_settings()
    ensure_model(settings)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "test",
            "core",
            "--model",
            str(model_path(settings)),
            "--stories",
            "tests/stories",
            "--out",
            str(tmp_path / "results"),
            "--fail-on-prediction-errors",
            "--e2e",  # the intents and entities are predicted by the NLU, not taken as given
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "2"},
        timeout=900,
    )
    output = result.stdout + result.stderr
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else output[-4000:]
    assert result.returncode == 0, details
