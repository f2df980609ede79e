"""bot/nlu/escalation_slot.py decides like ``action_check_escalation`` on the action
server: for each situation, the in-process events equal what the action returns for the
tracker state Rasa would have sent it."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionCheckEscalation
from bot.nlu.escalation_slot import escalation_slot_events
from crm_backend.settings import PROJECT_ROOT

NEGATIVE = {"label": "negative", "score": -0.95}
MILD = {"label": "negative", "score": -0.3}


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def user(text: str, intent: str, sentiment: Optional[Dict[str, Any]] = None) -> UserUttered:
    parse: Dict[str, Any] = {"intent": {"name": intent, "confidence": 0.9}, "entities": []}
    if sentiment is not None:
        parse["sentiment"] = sentiment
    return UserUttered(text, parse["intent"], [], parse)


def offer() -> BotUttered:
    return BotUttered("Shall I get you a person?", metadata={"utter_action": "utter_offer_human"})


SITUATIONS: Dict[str, List[Event]] = {
    "neutral": [user("where is my order", "order_status", {"label": "neutral", "score": 0.0})],
    "strongly negative": [user("this is useless garbage", "out_of_scope", NEGATIVE)],
    "negative complaint": [user("the parcel arrived broken", "complaint", MILD)],
    "complaint while the form asks": [
        ActiveLoop("complaint_form"),
        user("the parcel arrived broken", "complaint", MILD),
    ],
    "bare answer": [user("no", "deny", NEGATIVE)],
    "no sentiment": [user("hello", "greet")],
    "first fallback": [user("asdf", "nlu_fallback")],
    "second fallback": [user("asdf", "nlu_fallback"), user("qwer", "nlu_fallback")],
    "second fallback after the offer": [
        user("asdf", "nlu_fallback"),
        user("qwer", "nlu_fallback"),
        offer(),
        user("zxcv", "nlu_fallback"),
    ],
    "reason already set": [
        SlotSet("escalation_reason", "negative_sentiment"),
        user("this is useless garbage", "out_of_scope", NEGATIVE),
    ],
    "reason cleared": [
        SlotSet("escalation_reason", "negative_sentiment"),
        SlotSet("offer_human", True),
        user("thanks", "thanks", {"label": "positive", "score": 0.8}),
    ],
    "paused": [ConversationPaused(), user("this is useless garbage", "out_of_scope", NEGATIVE)],
}


def action_server_events(tracker: DialogueStateTracker) -> List[Event]:
    """What ``action_check_escalation`` answers for the state Rasa sends it."""
    sdk_tracker = Tracker.from_dict(tracker.current_state(EventVerbosity.ALL))
    answer = asyncio.run(ActionCheckEscalation().run(CollectingDispatcher(), sdk_tracker, {}))
    return [SlotSet(e["name"], e["value"]) for e in answer]


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_same_events_as_the_action_server(domain: Domain, situation: str) -> None:
    tracker = DialogueStateTracker.from_events("esc", SITUATIONS[situation], domain.slots)
    assert escalation_slot_events(tracker) == action_server_events(tracker)


def test_leaving_goes_to_the_action_server(domain: Domain) -> None:
    for message in (
        user("please delete my account", "delete_account", MILD),
        user("我要注销账户", "out_of_scope"),
        user("I'll shop elsewhere from now on", "goodbye"),
    ):
        tracker = DialogueStateTracker.from_events("esc", [message], domain.slots)
        assert escalation_slot_events(tracker) is None  # the churn band needs the CRM


def test_a_strongly_negative_leaver_is_decided_in_process(domain: Domain) -> None:
    message = user("delete my account, you are useless", "delete_account", NEGATIVE)
    tracker = DialogueStateTracker.from_events("esc", [message], domain.slots)
    assert escalation_slot_events(tracker) == [SlotSet("escalation_reason", "negative_sentiment")]


def test_the_situations_cover_every_outcome(domain: Domain) -> None:
    outcomes = {
        name: escalation_slot_events(DialogueStateTracker.from_events("esc", events, domain.slots))
        for name, events in SITUATIONS.items()
    }
    assert outcomes["strongly negative"] == [SlotSet("escalation_reason", "negative_sentiment")]
    assert outcomes["negative complaint"] == [SlotSet("escalation_reason", "negative_complaint")]
    assert outcomes["complaint while the form asks"] == []
    assert outcomes["second fallback"] == [SlotSet("offer_human", True)]
    assert outcomes["second fallback after the offer"] == []
    assert outcomes["reason cleared"] == [
        SlotSet("escalation_reason", None),
        SlotSet("offer_human", False),
    ]
    assert outcomes["paused"] == []
