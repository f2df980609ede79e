"""TfidfIntentClassifier: trains, predicts calibrated intents, persists, handles odd input."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_classifier import TfidfIntentClassifier
from bot.nlu.tokenizer import BilingualJiebaTokenizer

EXAMPLES: Dict[str, List[str]] = {
    "track_order": [
        "where is my order", "track my parcel", "has my order shipped yet",
        "order A1023 status", "我的订单到哪了", "查一下物流", "包裹还没到", "订单A1100发货了吗",
    ],
    "get_refund": [
        "i want a refund", "give me my money back", "refund for A1044 please",
        "can i get a refund", "我要退款", "把钱退给我", "申请退款", "订单A1023退款",
    ],
    "greet": ["hello", "hi there", "good morning", "hey", "你好", "嗨", "早上好", "哈喽"],
}  # fmt: skip
ORDER_NUMBER = r"(?<![A-Za-z0-9@._-])[A-Za-z]\d{4,8}(?![0-9@])"


def _context() -> ExecutionContext:
    return ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> BilingualJiebaTokenizer:
    return BilingualJiebaTokenizer.create(
        BilingualJiebaTokenizer.get_default_config(),
        LocalModelStorage(tmp_path_factory.mktemp("tok")),
        Resource("tokenizer"),
        _context(),
    )


def _messages(tokenizer: BilingualJiebaTokenizer, texts: List[str]) -> List[Message]:
    messages = [Message(data={"text": text}) for text in texts]
    return tokenizer.process(messages)


def _training_data(tokenizer: BilingualJiebaTokenizer) -> TrainingData:
    examples = [
        Message(data={"text": text, "intent": intent})
        for intent, texts in EXAMPLES.items()
        for text in texts
    ]
    data = TrainingData(
        examples, regex_features=[{"name": "order_number", "pattern": ORDER_NUMBER}]
    )
    return tokenizer.process_training_data(data)


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> LocalModelStorage:
    return LocalModelStorage(tmp_path_factory.mktemp("clf"))


@pytest.fixture(scope="module")
def trained(tokenizer, storage) -> TfidfIntentClassifier:
    config = {**TfidfIntentClassifier.get_default_config(), "calibration_folds": 4}
    classifier = TfidfIntentClassifier.create(config, storage, Resource("clf"), _context())
    classifier.train(_training_data(tokenizer))
    return classifier


def _parse(classifier: TfidfIntentClassifier, tokenizer, text: str) -> Message:
    return classifier.process(_messages(tokenizer, [text]))[0]


@pytest.mark.parametrize(
    "text, intent",
    [
        ("where's my parcel?", "track_order"),
        ("订单到哪了", "track_order"),
        ("money back please", "get_refund"),
        ("退款", "get_refund"),
        ("hello!", "greet"),
    ],
)
def test_predicts_the_intent_in_both_languages(trained, tokenizer, text, intent):
    message = _parse(trained, tokenizer, text)
    assert message.get("intent")["name"] == intent


def test_confidences_are_a_ranked_probability_distribution(trained, tokenizer):
    message = _parse(trained, tokenizer, "i want a refund for my order")
    ranking = message.get("intent_ranking")
    confidences = [item["confidence"] for item in ranking]
    assert [item["name"] for item in ranking][0] == message.get("intent")["name"]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)
    assert {item["name"] for item in ranking} == set(EXAMPLES)


def test_the_calibration_temperature_was_fitted(trained):
    assert trained.model is not None
    assert 0.005 < trained.model.temperature < 10.0
    assert trained.model.temperature != pytest.approx(0.3)  # not the fallback default


def test_order_numbers_are_features_by_kind_not_by_value(trained, tokenizer):
    # an order number never seen in training counts exactly like a known one
    known = _parse(trained, tokenizer, "status of A1023").get("intent_ranking")
    unseen = _parse(trained, tokenizer, "status of Z98765").get("intent_ranking")
    assert [r["name"] for r in known] == [r["name"] for r in unseen]
    assert known[0]["confidence"] == pytest.approx(unseen[0]["confidence"])


@pytest.mark.parametrize("text", ["", "   ", "😀🙃", "§§§", "ꦲꦏ꧀ꦱꦫ"])
def test_text_without_known_features_gets_no_intent(trained, tokenizer, text):
    message = _parse(trained, tokenizer, text)
    assert message.get("intent") == {"name": None, "confidence": 0.0}
    assert message.get("intent_ranking") == []


def test_a_huge_message_is_classified_without_error(trained, tokenizer):
    message = _parse(trained, tokenizer, "where is my order " * 2000)
    assert message.get("intent")["name"] == "track_order"


def test_persisted_model_loads_and_predicts_the_same(trained, tokenizer, storage):
    loaded = TfidfIntentClassifier.load(
        {**TfidfIntentClassifier.get_default_config()}, storage, Resource("clf"), _context()
    )
    for text in ["where is my order", "我要退款", "hey", "refund for A1044"]:
        expected = _parse(trained, tokenizer, text).get("intent_ranking")
        actual = _parse(loaded, tokenizer, text).get("intent_ranking")
        assert [r["name"] for r in actual] == [r["name"] for r in expected]
        np.testing.assert_allclose(
            [r["confidence"] for r in actual], [r["confidence"] for r in expected], rtol=1e-5
        )


def test_untrained_or_missing_model_leaves_messages_alone(tokenizer, tmp_path: Path):
    storage = LocalModelStorage(tmp_path)
    loaded = TfidfIntentClassifier.load(
        TfidfIntentClassifier.get_default_config(), storage, Resource("missing"), _context()
    )
    message = loaded.process(_messages(tokenizer, ["where is my order"]))[0]
    assert message.get("intent") is None


def test_fewer_than_two_intents_trains_nothing(tokenizer, tmp_path: Path):
    classifier = TfidfIntentClassifier.create(
        TfidfIntentClassifier.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("one"),
        _context(),
    )
    data = TrainingData([Message(data={"text": "hello", "intent": "greet"})])
    classifier.train(tokenizer.process_training_data(data))
    assert classifier.model is None


def test_ranking_length_limits_the_ranking(tokenizer, tmp_path: Path):
    config = {**TfidfIntentClassifier.get_default_config(), "ranking_length": 2}
    classifier = TfidfIntentClassifier.create(
        config, LocalModelStorage(tmp_path), Resource("short"), _context()
    )
    classifier.train(_training_data(tokenizer))
    assert len(_parse(classifier, tokenizer, "hello").get("intent_ranking")) == 2


def test_a_config_without_word_or_char_features_is_rejected(tokenizer, tmp_path: Path):
    config = {
        **TfidfIntentClassifier.get_default_config(),
        "word_ngrams": None,
        "char_ngrams": None,
    }
    classifier = TfidfIntentClassifier.create(
        config, LocalModelStorage(tmp_path), Resource("bad"), _context()
    )
    with pytest.raises(ValueError, match="word_ngrams"):
        classifier.train(_training_data(tokenizer))
