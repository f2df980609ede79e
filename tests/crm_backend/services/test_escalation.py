"""When the bot escalates to a human on its own (pure functions)."""

from __future__ import annotations

import pytest

from crm_backend.services.escalation import escalation_reason, priority_for, signals_leaving

T = -0.6


def parse(text="where is my order, it is late", intent="track_order", sentiment=None):
    data = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    if sentiment is not None:
        data["sentiment"] = sentiment
    return data


@pytest.mark.parametrize(
    "data, band, expected",
    [
        (parse(sentiment={"label": "negative", "score": -0.8}), None, "negative_sentiment"),
        (parse(sentiment={"label": "negative", "score": -0.6}), None, "negative_sentiment"),
        (parse(sentiment={"label": "negative", "score": -0.3}), None, None),
        (
            parse(intent="complaint", sentiment={"label": "negative", "score": -0.1}),
            None,
            "negative_complaint",
        ),
        (parse(intent="complaint", sentiment={"label": "neutral", "score": 0.0}), None, None),
        (parse(sentiment={"label": "positive", "score": -0.9}), None, None),
        (parse(intent="complaint"), None, None),  # no sentiment key: no trigger
        (parse(sentiment={"label": "negative", "score": "very"}), None, None),
        (parse(sentiment={"label": "negative", "score": float("nan")}), None, None),
        (parse(sentiment="negative"), None, None),
        (parse(intent="delete_account"), "high", "churn_risk"),
        (parse(intent="delete_account"), "low", None),
        (parse(intent="delete_account"), None, None),
        (parse("I'll take my business elsewhere", intent="complaint"), "HIGH", "churn_risk"),
        (parse("我要注销账户", intent="edit_account"), "high", "churn_risk"),
        (parse("where is my order", intent="track_order"), "high", None),
        # a bare answer to the bot's question is not a complaint
        (parse("no", "deny", {"label": "negative", "score": -0.7}), None, None),
        (parse("不是", "deny", {"label": "negative", "score": -0.9}), None, None),
        (parse("alice@example.com", "inform", {"label": "negative", "score": -0.7}), None, None),
        (
            parse(
                "no, this is the worst service I have ever had",
                "deny",
                {"label": "negative", "score": -0.7},
            ),
            None,
            "negative_sentiment",
        ),  # fmt: skip
        (
            parse("terrible", "track_order", {"label": "negative", "score": -0.7}),
            None,
            "negative_sentiment",
        ),  # fmt: skip
    ],
)
def test_escalation_reason(data, band, expected):
    assert escalation_reason(data, threshold=T, churn_band=band) == expected


def test_describing_the_complaint_in_its_form_hands_over_only_if_strongly_negative():
    factual = parse(
        "the frame's glass is cracked", "complaint", {"label": "negative", "score": -0.3}
    )
    assert escalation_reason(factual, threshold=T) == "negative_complaint"
    assert escalation_reason(factual, threshold=T, answering_complaint=True) is None
    angry = parse("cracked AGAIN, useless shop", "complaint", {"label": "negative", "score": -0.9})
    assert escalation_reason(angry, threshold=T, answering_complaint=True) == "negative_sentiment"


def test_leaving_signals_in_both_languages():
    assert signals_leaving(parse("please close my account"))
    assert signals_leaving(parse("I will never shop here again"))
    assert signals_leaving(parse("以后再也不买你们的东西了"))
    assert not signals_leaving(parse("I want to close the box"))
    assert not signals_leaving({"text": None})


def test_priority():
    assert priority_for("customer_request") == "normal"
    assert priority_for("negative_sentiment") == "high"
    assert priority_for("negative_complaint") == "high"
    assert priority_for("churn_risk", churn_band="high") == "urgent"
    assert priority_for("customer_request", churn_band="high") == "high"
