"""The SentimentAnalyzer NLU component: trained into a Rasa model storage, loaded back, and
run after the language detector (Message in -> ``sentiment`` in the parse output)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language_detector import LanguageDetector
from bot.nlu.sentiment import SentimentAnalyzer, plain_requests, read_seed, seed_fingerprint
from crm_backend.ml import registry
from crm_backend.ml.sentiment_train import train_small
from tests.crm_backend.ml.ml_support import ml_model_dir  # noqa: F401 - fixture

CONTEXT = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
NLU_EXAMPLES = [
    ("where is my order", "track_order"),
    ("I want to cancel my order", "cancel_order"),
    ("how do I get an invoice", "get_invoice"),
    ("can I pay with paypal", "check_payment_methods"),
    ("change my delivery address", "change_shipping_address"),
    ("how long does delivery take", "delivery_period"),
    ("reset my password", "recover_password"),
    ("do you ship to spain", "delivery_options"),
    ("I need a refund", "get_refund"),
    ("what's your returns policy", "check_refund_policy"),
    ("this is a disgrace, I'm furious", "complaint"),
    ("我的订单到哪了", "track_order"),
    ("我想取消订单", "cancel_order"),
    ("怎么开发票", "get_invoice"),
    ("可以用支付宝吗", "check_payment_methods"),
    ("修改收货地址", "change_shipping_address"),
    ("发货要多久", "delivery_period"),
    ("忘记密码了", "recover_password"),
    ("能寄到西班牙吗", "delivery_options"),
    ("我要退款", "get_refund"),
    ("退货政策是什么", "check_refund_policy"),
    ("太差了，我要投诉", "complaint"),
]


def training_data() -> TrainingData:
    return TrainingData([Message.build(text=text, intent=intent) for text, intent in NLU_EXAMPLES])


def trained_component(tmp_path: Path) -> SentimentAnalyzer:
    (tmp_path / "rasa-model").mkdir()
    storage = LocalModelStorage(tmp_path / "rasa-model")
    resource = Resource("sentiment")
    SentimentAnalyzer.create({}, storage, resource, CONTEXT).train(training_data())
    return SentimentAnalyzer.load({}, storage, resource, CONTEXT)


def parse(component: SentimentAnalyzer, texts):
    messages = [Message.build(text=text) for text in texts]
    LanguageDetector().process(messages)
    component.process(messages)
    return [message.as_dict_nlu() for message in messages]


def test_fallback_model_when_nothing_was_trained(tmp_path, ml_model_dir):  # noqa: F811
    assert SentimentAnalyzer.fingerprint_addon({}) == f"bundled:{seed_fingerprint()}"
    component = trained_component(tmp_path)
    angry, happy, plain, angry_zh, empty = parse(
        component,
        ["this is the worst service ever, useless", "thank you so much, great help",
         "where is my order?", "太差了，再也不买了", ""],
    )  # fmt: skip
    for parsed in (angry, happy, plain, angry_zh, empty):
        assert set(parsed["sentiment"]) == {"label", "score", "strongly_negative"}
        assert -1.0 <= parsed["sentiment"]["score"] <= 1.0
    assert angry["sentiment"]["label"] == "negative" and angry["language"] == "en"
    assert happy["sentiment"]["label"] == "positive"
    assert plain["sentiment"]["strongly_negative"] is False
    assert angry_zh["sentiment"]["label"] == "negative" and angry_zh["language"] == "zh"
    assert empty["sentiment"] == {"label": "neutral", "score": 0.0, "strongly_negative": False}


def test_the_current_trained_model_is_used_and_keys_the_cache(tmp_path, ml_model_dir):  # noqa: F811
    # an inverted toy model ("good" is negative): the fallback would never say so
    tiny = train_small({"en": (["good"] * 6 + ["bad"] * 6, [0] * 6 + [1] * 6)})
    info = registry.save_model(
        "sentiment", tiny, data_fingerprint="a" * 64, params={}, metrics={},
        model_dir=ml_model_dir,
    )  # fmt: skip
    assert SentimentAnalyzer.fingerprint_addon({}) == f"trained:{info.version}"
    component = trained_component(tmp_path)
    (parsed,) = parse(component, ["good"])
    assert parsed["sentiment"]["label"] == "negative"
    # the Rasa model keeps its copy: deleting the registry does not affect the served model
    registry.clear_cache()
    for path in sorted(ml_model_dir.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (again,) = parse(component, ["bad"])
    assert again["sentiment"]["label"] == "positive"


def test_loading_a_rasa_model_without_the_sentiment_model_fails_clearly(tmp_path):
    (tmp_path / "empty").mkdir()
    storage = LocalModelStorage(tmp_path / "empty")
    with pytest.raises(RuntimeError, match="python -m bot.train --force"):
        SentimentAnalyzer.load({}, storage, Resource("sentiment"), CONTEXT)


def test_bundled_seed_and_plain_requests():
    seed = read_seed()
    assert set(seed) == {"en", "zh"}
    for texts, labels in seed.values():
        assert len(texts) == len(labels) >= 60 and set(labels) == {0, 1}
    plain = plain_requests(training_data())
    assert "this is a disgrace, I'm furious" not in plain["en"]
    assert "我的订单到哪了" in plain["zh"] and "where is my order" in plain["en"]
