"""summarize(): a conversation's events -> its interactions row, as a pure function."""

from __future__ import annotations

from datetime import datetime, timezone

from crm_backend.analytics.summary import summarize
from tests.crm_backend.analytics.events import (
    T0,
    action,
    conversation,
    turn,
    user,
)


def test_a_whole_conversation_is_summarised() -> None:
    summary = summarize("c1", conversation())
    assert summary is not None
    assert summary.turns == 5
    assert summary.intents == ("greet", "track_order", "inform", "delivery_period", "thanks")
    assert summary.channel == "web"
    assert summary.language == "zh"  # the language slot's latest value
    assert summary.sentiment_avg == 0.0  # mean of 0.5, -0.5, 0.0 (turns without it skipped)
    assert summary.handoff is False
    assert summary.outcome == "resolved"
    assert summary.started_at == datetime.fromtimestamp(T0, tz=timezone.utc)
    assert summary.customer_identity == "alice@example.com"
    assert summary.last_timestamp == T0 + 5.04


def test_intents_are_distinct_in_first_use_order_and_times_are_min_max() -> None:
    events = conversation()
    once = summarize("c1", events)
    assert once is not None
    # intents are distinct; first/last come from min/max timestamps
    twice = summarize("c1", events + list(reversed(events)))
    assert twice is not None
    assert twice.intents == once.intents
    assert (twice.started_at, twice.ended_at) == (once.started_at, once.ended_at)


def test_handoff_by_intent_action_or_pause() -> None:
    by_intent = summarize("c", [*turn(1, "greet"), *turn(2, "contact_human_agent")])
    by_action = summarize("c", [*turn(1, "complaint"), action(2, "action_handoff")])
    by_pause = summarize("c", [*turn(1, "complaint"), {"event": "pause", "timestamp": T0 + 3}])
    for summary in (by_intent, by_action, by_pause):
        assert summary is not None and summary.handoff and summary.outcome == "handoff"


def test_outcomes() -> None:
    def outcome(*intents: str) -> str:
        events = [e for i, name in enumerate(intents) for e in turn(i, name)]
        summary = summarize("c", events)
        assert summary is not None
        return summary.outcome

    assert outcome("greet", "stop") == "abandoned"
    assert outcome("greet", "goodbye") == "resolved"
    assert outcome("greet", "nlu_fallback") == "unresolved"
    assert outcome("greet", "track_order") == "open"


def test_language_without_slot_falls_back_to_detection_then_english() -> None:
    zh = summarize("c", [user(1, "greet", language="zh"), user(2, "inform", language=None)])
    none = summarize("c", [user(1, "greet", language=None)])
    assert zh is not None and zh.language == "zh"
    assert none is not None and none.language == "en"


def test_malformed_events_are_ignored_and_empty_conversations_give_none() -> None:
    assert summarize("c", []) is None
    assert summarize("c", [{"event": "user"}, "junk", {"timestamp": "x"}]) is None  # type: ignore[list-item]
    odd = summarize(
        "c",
        [
            {"event": "user", "timestamp": T0, "parse_data": "not a dict"},
            {
                "event": "user",
                "timestamp": T0 + 1,
                "parse_data": {"intent": None, "sentiment": {"score": 7}},
            },
            {
                "event": "user",
                "timestamp": T0 + 2,
                "parse_data": {"intent": {"name": "greet"}, "sentiment": {"score": True}},
            },
        ],
    )
    assert odd is not None
    assert odd.turns == 3 and odd.intents == ("greet",) and odd.sentiment_avg is None


def test_long_ids_and_channels_are_cut_to_the_columns() -> None:
    summary = summarize("x" * 300, [user(1, "greet", channel="y" * 100)])
    assert summary is not None
    assert len(summary.conversation_id) == 128 and len(summary.channel) == 32
