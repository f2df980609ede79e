"""NLU component that adds the message's sentiment to the parse result.

Every parse result gets ``"sentiment": {"label": "negative"|"neutral"|"positive",
"score": -1..1, "strongly_negative": bool}`` (see :mod:`crm_backend.ml.sentiment`).

Which model: at ``rasa train`` time the component takes the *current* sentiment model
from ``<MODEL_DIR>/ml/sentiment`` (trained from the shared datasets with
``python -m crm_backend.ml sentiment train``) and stores a copy inside the Rasa model.
If none was trained, it trains a small fallback model in a few seconds from the bundled
examples in ``bot/nlu/sentiment_seed/`` (neutral-zone thresholds tuned on this
assistant's own NLU examples) and logs a warning naming the train command. Either way
the Rasa model is self-contained: the server never depends on files outside the model
archive, and the sentiment model it serves is the one it was tested with. Rasa's
training cache is keyed on the sentiment version (:meth:`fingerprint_addon`), so
training a new sentiment version and re-running ``rasa train`` picks it up.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from crm_backend.ml import registry
from crm_backend.ml import sentiment as sentiment_model
from crm_backend.ml.sentiment import SentimentModel
from crm_backend.ml.text_features import has_han

logger = logging.getLogger(__name__)

SENTIMENT_KEY = "sentiment"
SEED_DIR = Path(__file__).resolve().parent / "sentiment_seed"
MODEL_FILE = "sentiment.joblib"
TRAIN_COMMAND = "python -m crm_backend.ml sentiment train"
# intents whose examples carry an opinion: not "plain requests" for the fallback's gate
OPINION_INTENTS = frozenset({"complaint", "review", "thanks"})


def read_seed(seed_dir: Path = SEED_DIR) -> Dict[str, Tuple[List[str], List[int]]]:
    """The bundled examples: ``<language>.tsv`` with ``label<TAB>text`` lines."""
    examples: Dict[str, Tuple[List[str], List[int]]] = {}
    for path in sorted(seed_dir.glob("*.tsv")):
        texts: List[str] = []
        labels: List[int] = []
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            label, _, text = line.partition("\t")
            if label.strip() in ("0", "1") and text.strip():
                texts.append(text.strip())
                labels.append(int(label))
        examples[path.stem] = (texts, labels)
    return examples


def seed_fingerprint(seed_dir: Path = SEED_DIR) -> str:
    digest = hashlib.sha256()
    for path in sorted(seed_dir.glob("*.tsv")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def plain_requests(training_data: TrainingData) -> Dict[str, List[str]]:
    """This assistant's NLU examples without opinions, per language."""
    plain: Dict[str, List[str]] = {"en": [], "zh": []}
    for example in training_data.intent_examples:
        text = example.get(TEXT) or ""
        if text and example.get(INTENT) not in OPINION_INTENTS:
            plain["zh" if has_han(text) else "en"].append(text)
    return plain


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentimentAnalyzer(GraphComponent):
    """Adds ``sentiment`` (label, score, strongly_negative) to every parsed message."""

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[SentimentModel] = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentimentAnalyzer":
        return cls(model_storage, resource)

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Which sentiment model training would pick (so Rasa's cache notices a new one)."""
        info = registry.current_info(sentiment_model.NAME)
        if info is not None:
            return f"trained:{info.version}"
        return f"bundled:{seed_fingerprint()}"

    @staticmethod
    def resolve_model(training_data: TrainingData) -> Tuple[SentimentModel, str]:
        """The current trained model, else a small one from the bundled examples."""
        try:
            model = sentiment_model.load()
            return model, f"trained:{model.version}"
        except registry.ModelNotTrained as missing:
            logger.warning("%s Using a small fallback model until then.", missing)
        from crm_backend.ml.sentiment_train import train_small

        model = train_small(read_seed(), plain_requests(training_data))
        model.version = f"bundled:{seed_fingerprint()}"
        return model, model.version

    def train(self, training_data: TrainingData) -> Resource:
        """Store the resolved model inside the Rasa model."""
        model, source = self.resolve_model(training_data)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(model, Path(directory) / MODEL_FILE, compress=3)
        logger.info("sentiment model stored in the Rasa model: %s", source)
        self._model = model
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SentimentAnalyzer":
        """Load the stored model once, when the Rasa model is loaded."""
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(Path(directory) / MODEL_FILE)
        except (ValueError, OSError) as error:
            raise RuntimeError(
                "The Rasa model has no sentiment model inside; retrain it with "
                f"`python -m bot.train --force` (optionally after `{TRAIN_COMMAND}`)."
            ) from error
        return cls(model_storage, resource, model)

    def process(self, messages: List[Message]) -> List[Message]:
        """Set the sentiment on each incoming message (part of the parse output)."""
        if self._model is None:
            raise RuntimeError(f"SentimentAnalyzer used before training ({TRAIN_COMMAND})")
        texts = [message.get(TEXT) or "" for message in messages]
        for message, result in zip(messages, self._model.analyse_many(texts), strict=True):
            message.set(SENTIMENT_KEY, result.as_output(), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples need no sentiment."""
        return training_data
