"""Language detection per message, and the NLU component that records it."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.actions.action import ActionExtractSlots
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import language_slot
from bot.nlu.language import detect_language, language_slot_update, normalise_language
from bot.nlu.language_detector import LanguageDetector
from bot.nlu.language_slot import language_slot_events


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


# --- the language slot, filled in-process (bot.nlu.language_slot) ---


@pytest.mark.parametrize(
    "detected, current, expected",
    [("zh", "en", "zh"), ("en", "zh", "en"), ("en", "en", None), (None, "zh", None)],
)
def test_language_slot_update(detected, current, expected):
    assert language_slot_update(detected, current) == expected


def language_domain() -> Domain:
    return Domain.from_yaml(
        """
slots:
  language:
    type: categorical
    values: [en, zh]
    initial_value: en
    influence_conversation: false
    mappings:
      - type: custom
        action: action_detect_language
actions:
  - action_detect_language
"""
    )


def tracker_after(domain: Domain, *messages: tuple) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events("s", [], slots=domain.slots)
    for text, language in messages:
        parse = {"intent": {"name": "greet", "confidence": 1.0}, "entities": []}
        tracker.update(UserUttered(text, parse_data={**parse, "language": language}))
    return tracker


def extract(domain: Domain, tracker: DialogueStateTracker) -> list:
    # no action endpoint: a remote call would fail; the in-process mapping needs none
    action = ActionExtractSlots(None)
    nlg = TemplatedNaturalLanguageGenerator({})
    return asyncio.run(action.run(CollectingOutputChannel(), nlg, tracker, domain))


def test_the_language_slot_is_filled_without_the_action_server():
    language_slot.install()
    domain = language_domain()
    tracker = tracker_after(domain, ("你好", "zh"))
    events = extract(domain, tracker)
    assert events == [SlotSet("language", "zh")]
    tracker.update_with_events(events, domain)
    # no evidence (an order number): the conversation keeps its language
    tracker.update(UserUttered("A1001", parse_data={"intent": {}, "entities": []}))
    assert extract(domain, tracker) == []
    # switching back mid-conversation
    tracker.update(UserUttered("hi", parse_data={"intent": {}, "entities": [], "language": "en"}))
    assert extract(domain, tracker) == [SlotSet("language", "en")]


def test_loading_the_detector_installs_the_in_process_mapping():
    detector()
    assert getattr(ActionExtractSlots._run_custom_action, "_shop_language_in_process", False)
    assert language_slot_events(tracker_after(language_domain(), ("hi", "en"))) == []
