"""Intent classifier: TF-IDF word + character n-grams and a calibrated linear SVM.

It reads the tokens of the pipeline's tokenizer and builds its own sparse features
(:mod:`bot.nlu.intent_features`), so no CountVectorsFeaturizer is needed in front of it:
parsing a message costs two vectorizer calls and one sparse x dense product (well under a
millisecond), and training takes seconds. Confidences are calibrated softmax
probabilities (:mod:`bot.nlu.linear_model`), so the FallbackClassifier's threshold means
what it says. Order numbers, e-mails and phone numbers (the ``regex`` entries of the
training data) are replaced by placeholders before featurising.

Config (``config.yml``)::

    - name: bot.nlu.intent_classifier.TfidfIntentClassifier
      word_ngrams: [1, 2]      # word n-gram range
      char_ngrams: [1, 4]      # char_wb n-gram range (Han runs are glued back together)
      concept_ngrams: [1, 2]   # n-grams of bilingual glossary concepts (null = no glossary)
      concept_weight: 0.5      # weight of the concept block against the word/char blocks
      min_df: 1                # drop n-grams seen in fewer training examples
      C: 1.0                   # SVM regularisation
      class_weight: balanced   # or null
      calibration_folds: 5     # folds for fitting the softmax temperature
      ranking_length: 10       # intents listed in intent_ranking (0 = all)
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any, Dict, List, Optional, Text, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_features import (
    TextView,
    TfidfBlock,
    TokenSpan,
    compile_patterns,
    stack,
    stack_row,
    text_view,
)
from bot.nlu.linear_model import CalibratedLinearSVM

logger = logging.getLogger(__name__)

STATE_FILE = "intent_model.json"
ARRAYS_FILE = "intent_model.npz"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfIntentClassifier(IntentClassifier, GraphComponent):
    """Sparse TF-IDF features + temperature-calibrated linear SVM."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "word_ngrams": [1, 2],
            "char_ngrams": [1, 4],
            "concept_ngrams": [1, 2],
            "concept_weight": 0.5,
            "min_df": 1,
            "C": 1.0,
            "class_weight": "balanced",
            "calibration_folds": 5,
            "ranking_length": 10,
            "random_state": 42,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        blocks: Optional[List[TfidfBlock]] = None,
        model: Optional[CalibratedLinearSVM] = None,
        patterns: Optional[List[Dict[str, str]]] = None,
    ) -> None:
        self.component_config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.blocks = blocks or []
        self.model = model
        self.patterns = patterns or []
        self._compiled = compile_patterns(self.patterns)
        self._known_words = self._vocabulary_words()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TfidfIntentClassifier":
        return cls(config, model_storage, resource)

    # ---------------------------------------------------------------- features
    def _new_blocks(self) -> List[TfidfBlock]:
        config = self.component_config
        blocks = []
        if config["word_ngrams"]:
            blocks.append(TfidfBlock("word", tuple(config["word_ngrams"]), config["min_df"]))
        if config["char_ngrams"]:
            blocks.append(TfidfBlock("char", tuple(config["char_ngrams"]), config["min_df"]))
        if config["concept_ngrams"]:
            blocks.append(
                TfidfBlock(
                    "concept",
                    tuple(config["concept_ngrams"]),
                    weight=float(config["concept_weight"]),
                )
            )
        if not [b for b in blocks if b.kind != "concept"]:
            raise ValueError("TfidfIntentClassifier needs word_ngrams and/or char_ngrams")
        return blocks

    def _vocabulary_words(self) -> frozenset:
        """Single words of the trained word block: never "corrected" by the glossary."""
        words = [b for b in self.blocks if b.kind == "word"]
        return (
            frozenset(t for t in (words[0].vocabulary or []) if " " not in t)
            if words
            else frozenset()
        )

    def _training_words(self, examples: List[Message]) -> frozenset:
        """The words the word block will keep (same ``min_df``): the glossary's known words."""
        if not any(b.kind == "word" for b in self.blocks):
            return frozenset()
        counts: Counter = Counter()
        for example in examples:
            view = text_view(example.get(TEXT) or "", self._spans(example), self._compiled)
            counts.update(set(view.words.split()))
        return frozenset(w for w, n in counts.items() if n >= int(self.component_config["min_df"]))

    @staticmethod
    def _spans(message: Message) -> List[TokenSpan]:
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        return [TokenSpan(t.text, t.start, t.end) for t in tokens]

    def _view(self, message: Message) -> TextView:
        glossary = any(block.kind == "concept" for block in self.blocks)
        return text_view(
            message.get(TEXT) or "",
            self._spans(message),
            self._compiled,
            glossary=glossary,
            known_words=self._known_words,
        )

    # ---------------------------------------------------------------- training
    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            logger.warning("TfidfIntentClassifier: fewer than two intents, nothing trained.")
            return self._resource
        self.patterns = [
            {"name": r["name"], "pattern": r["pattern"]} for r in training_data.regex_features
        ]
        self._compiled = compile_patterns(self.patterns)
        self.blocks = self._new_blocks()
        self._known_words = self._training_words(examples)
        views = [self._view(e) for e in examples]
        matrix = stack(self.blocks, views, fit=True)
        config = self.component_config
        self.model = CalibratedLinearSVM(
            c=float(config["C"]),
            class_weight=config["class_weight"],
            calibration_folds=int(config["calibration_folds"]),
            random_state=int(config["random_state"]),
        ).fit(matrix, [e.get(INTENT) for e in examples])
        logger.debug(
            "TfidfIntentClassifier: %d examples, %d features, temperature %.3f",
            matrix.shape[0],
            matrix.shape[1],
            self.model.temperature,
        )
        self.persist()
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    # ---------------------------------------------------------------- inference
    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None or not messages:
            return messages
        limit = int(self.component_config["ranking_length"]) or len(self.model.classes)
        for message in messages:
            columns, values = stack_row(self.blocks, self._view(message))
            if not columns.size:
                # nothing the model has seen (empty text, emoji only, unknown script...):
                # no intent, confidence 0, so the FallbackClassifier takes over
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
                continue
            row = self.model.predict_proba_row(columns, values)
            order = np.argsort(-row)[:limit]
            ranking = [{"name": self.model.classes[i], "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    # ---------------------------------------------------------------- persistence
    def persist(self) -> None:
        if self.model is None:
            return
        with self._model_storage.write_to(self._resource) as directory:
            state = {
                "classes": self.model.classes,
                "patterns": self.patterns,
                "blocks": [
                    {
                        "kind": b.kind,
                        "ngram_range": list(b.ngram_range),
                        "weight": b.weight,
                        "vocabulary": b.vocabulary,
                    }
                    for b in self.blocks
                ],
            }
            (directory / STATE_FILE).write_text(json.dumps(state, ensure_ascii=False))
            arrays = dict(self.model.state())
            for index, block in enumerate(self.blocks):
                arrays[f"idf_{index}"] = np.asarray(block.idf)
            np.savez_compressed(directory / ARRAYS_FILE, **arrays)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "TfidfIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                state = json.loads((directory / STATE_FILE).read_text())
                with np.load(directory / ARRAYS_FILE, allow_pickle=False) as npz:
                    arrays = {key: npz[key] for key in npz.files}
        except (ValueError, FileNotFoundError, OSError):
            logger.debug("TfidfIntentClassifier: no trained model in %s", resource.name)
            return cls(config, model_storage, resource)
        blocks = [
            TfidfBlock(
                b["kind"],
                tuple(b["ngram_range"]),
                vocabulary=b["vocabulary"],
                idf=arrays[f"idf_{i}"],
                weight=float(b.get("weight", 1.0)),
            )
            for i, b in enumerate(state["blocks"])
        ]
        model = CalibratedLinearSVM.from_state(state["classes"], arrays)
        return cls(config, model_storage, resource, blocks, model, state["patterns"])
