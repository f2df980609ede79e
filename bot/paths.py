"""Files the run and train entry points share."""

from __future__ import annotations

from pathlib import Path

from crm_backend.settings import PROJECT_ROOT, Settings

MODEL_NAME = "shop"
TRAINING_INPUTS = ("config.yml", "domain.yml", "data", "bot/nlu", "bot/policies")
CODE_INPUTS = ("bot/nlu", "bot/policies")


def model_path(settings: Settings) -> Path:
    """The archive Rasa serves."""
    return settings.model_dir / f"{MODEL_NAME}.tar.gz"


def fingerprint_path(settings: Settings) -> Path:
    """Where the training inputs' fingerprint of the current model is kept."""
    return settings.model_dir / f"{MODEL_NAME}.fingerprint.json"


def project_file(relative: str) -> Path:
    return PROJECT_ROOT / relative
