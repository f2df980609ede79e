"""Language detection per message, and the NLU component that records it."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language import detect_language, normalise_language
from bot.nlu.language_detector import LanguageDetector


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hi", "en"),
        ("Where is my order?", "en"),
        ("我的订单到哪了", "zh"),
        ("我的order A1023还没到", "zh"),
        ("ok 好的", "zh"),
        ("請問我的訂單", "zh"),  # traditional characters are still Chinese
        ("A1023", None),
        ("RF-000042", None),
        ("T-000123", None),
        ("refund RF-000042", "en"),
        ("alice@example.com", None),
        ("+44 7700 900123", None),
        ("😡😡", None),
        ("", None),
        ("   ", None),
        ("???", None),
        ("my email is alice@example.com", "en"),
        ("y", "en"),
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "tag, expected",
    [("zh-CN", "zh"), ("ZH", "zh"), ("中文", "zh"), ("en-GB", "en"), ("fr", None), (3, None)],
)
def test_normalise_language(tag, expected):
    assert normalise_language(tag) == expected


def detector() -> LanguageDetector:
    return LanguageDetector.create({}, None, None, None)  # type: ignore[arg-type]


def test_component_adds_language_to_the_parse_output():
    message = Message(data={"text": "我的订单到哪了"}, output_properties={"text"})
    detector().process([message])
    assert message.as_dict(only_output_properties=True)["language"] == "zh"


def test_text_evidence_wins_over_the_widget_toggle():
    message = Message(data={"text": "hello", "metadata": {"language": "zh"}})
    detector().process([message])
    assert message.get("language") == "en"


def test_toggle_decides_when_the_text_gives_no_evidence():
    message = Message(data={"text": "A1023", "metadata": {"language": "zh"}})
    detector().process([message])
    assert message.get("language") == "zh"


def test_no_evidence_and_no_toggle_leaves_language_open():
    message = Message(data={"text": "A1023", "metadata": None})
    detector().process([message])
    assert message.get("language") is None
