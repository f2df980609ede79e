"""action_clarify: the first stage of the two-stage fallback."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import LABELS, ActionClarify, likely_requests


def tracker(ranking: Optional[List[Dict[str, Any]]], language: str = "en") -> Tracker:
    message: Dict[str, Any] = {"text": "parcel money thing", "intent": {"name": "nlu_fallback"}}
    if ranking is not None:
        message["intent_ranking"] = ranking
    return Tracker("c1", {"language": language}, message, [], False, None, {}, "action_listen")


RANKING = [
    {"name": "nlu_fallback", "confidence": 0.4},
    {"name": "track_refund", "confidence": 0.31},
    {"name": "greet", "confidence": 0.2},  # not a request to offer
    {"name": "payment_issue", "confidence": 0.18},
    {"name": "get_refund", "confidence": 0.12},
    {"name": "track_order", "confidence": 0.1},  # beyond the three choices
    {"name": "cancel_order", "confidence": 0.01},  # too unlikely
]


def run(t: Tracker) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    assert asyncio.run(ActionClarify().run(dispatcher, t, {})) == []
    return dispatcher.messages


def test_the_likely_requests_are_offered_as_buttons_in_english() -> None:
    [message] = run(tracker(RANKING))
    assert message["response"] == "utter_clarify"
    assert [b["payload"] for b in message["buttons"]] == [
        "/track_refund", "/payment_issue", "/get_refund", "/deny",
    ]  # fmt: skip
    assert message["buttons"][0]["title"] == "Track a refund"
    assert message["buttons"][-1]["title"] == "Something else"


def test_chinese_titles() -> None:
    [message] = run(tracker(RANKING, "zh"))
    assert [b["title"] for b in message["buttons"]] == [
        "查询退款",
        "支付问题",
        "退货退款",
        "都不是",
    ]


def test_without_a_usable_ranking_the_customer_is_asked_to_rephrase() -> None:
    for ranking in (None, [], [{"name": "greet", "confidence": 0.9}], [{"bad": 1}], "x"):
        [message] = run(tracker(ranking))  # type: ignore[arg-type]
        assert message["response"] == "utter_default" and not message["buttons"]


def test_every_labelled_intent_exists_in_the_domain() -> None:
    import yaml

    with open("domain.yml", encoding="utf-8") as handle:
        intents = set(yaml.safe_load(handle)["intents"])
    assert set(LABELS) <= intents
    assert likely_requests({"intent_ranking": [{"name": "cancel_order", "confidence": 1}]}) == [
        "cancel_order"
    ]
