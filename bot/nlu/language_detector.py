"""NLU component that records each message's language in the parse result.

It adds ``"language"`` to the parse data (next to ``intent`` and ``entities``): the text's
own evidence first, then the widget's language toggle from the message metadata, else
``None``. The ``language`` slot is filled from it (in-process, ``bot.nlu.language_slot``,
which this component installs when it is loaded; ``actions/language.py`` elsewhere), and
the console's NLU inbox shows it per message.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import language_slot
from bot.nlu.language import detect_language, normalise_language

LANGUAGE_KEY = "language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class LanguageDetector(GraphComponent):
    """Adds ``language`` ("en", "zh" or None) to every parsed message."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        """Create the (stateless) component; the ``language`` slot is then filled
        in-process in this Rasa process (no action-server call per message)."""
        language_slot.install()
        return cls()

    @staticmethod
    def language_of(message: Message) -> str | None:
        """The message's language: text evidence first, then the widget's toggle."""
        detected = detect_language(message.get(TEXT) or "")
        if detected:
            return detected
        metadata = message.get(METADATA) or {}
        if isinstance(metadata, dict):
            return normalise_language(metadata.get(LANGUAGE_KEY))
        return None

    def process(self, messages: List[Message]) -> List[Message]:
        """Set the language on each incoming message (part of the parse output)."""
        for message in messages:
            message.set(LANGUAGE_KEY, self.language_of(message), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to learn; training examples keep their text only."""
        return training_data
