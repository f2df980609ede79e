"""Transcript building, paging, the live hub and the generic 360 layout (no servers)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import List

from crm_backend.console.live import Hub, chat_topic, parse_last_id, sse_stream
from crm_backend.console.panels import describe
from crm_backend.console.transcript import page, transcript

EVENTS = [
    {"event": "action", "name": "action_session_start", "timestamp": 1.0},
    {"event": "session_started", "timestamp": 1.0},
    {
        "event": "user",
        "text": "I want a human",
        "timestamp": 2.0,
        "parse_data": {
            "intent": {"name": "contact_human_agent", "confidence": 0.9871},
            "language": "en",
            "sentiment": {"label": "negative", "score": -0.42},
        },
    },
    {
        "event": "bot",
        "text": "Connecting you",
        "timestamp": 3.0,
        "metadata": {"utter_action": "utter_handoff_queued"},
    },
    {"event": "pause", "timestamp": 3.1},
    {"event": "user", "text": "hello?", "timestamp": 4.0, "parse_data": {}},
    {
        "event": "bot",
        "text": "Sam here",
        "timestamp": 5.0,
        "metadata": {"agent_name": "Sam (Support)"},
    },
    {"event": "bot", "text": "", "timestamp": 5.5, "data": {"buttons": [{"title": "1"}]}},
    {"event": "slot", "name": "x", "value": 1},
    {"event": "resume", "timestamp": 6.0},
    "garbage",
]


def test_transcript_items():
    items = transcript(EVENTS)  # type: ignore[arg-type]
    assert [(i.kind, i.event or i.text) for i in items] == [
        ("system", "session_started"),
        ("user", "I want a human"),
        ("bot", "Connecting you"),
        ("system", "paused"),
        ("user", "hello?"),
        ("agent", "Sam here"),
        ("bot", ""),
        ("system", "resumed"),
    ]
    first = items[1]
    assert first.intent == "contact_human_agent" and first.confidence == 0.987
    assert (first.sentiment_label, first.sentiment_score, first.language) == (
        "negative",
        -0.42,
        "en",
    )
    assert items[4].sentiment_label is None and items[5].agent_name == "Sam (Support)"
    assert items[6].buttons == ["1"]


def test_paging():
    items = transcript(EVENTS)  # type: ignore[arg-type]
    latest = page(items, limit=3)
    assert [i["index"] for i in latest["items"]] == [6, 7, 9] and latest["more"]
    older = page(items, before=6, limit=3)
    assert [i["index"] for i in older["items"]] == [3, 4, 5] and older["more"]
    assert [i["index"] for i in page(items, after=6)["items"]] == [7, 9]


def test_hub_delivers_only_the_topic_and_replays_after_an_id():
    async def scenario() -> None:
        hub = Hub()
        a, b = chat_topic("conv-a"), chat_topic("conv-b")
        first = hub.publish(a, "message", {"text": "one"})
        queue, backlog = hub.subscribe(a, after=0)
        assert backlog == [first]
        hub.publish(b, "message", {"text": "not yours"})
        second = hub.publish(a, "message", {"text": "two"})
        assert queue.get_nowait() == second and queue.empty()
        _, replay = hub.subscribe(a, after=first.id)
        assert replay == [second] and second.id > first.id
        stream = sse_stream(hub, a, queue, [], heartbeat=0.01)
        assert await stream.__anext__() == "retry: 2000\n\n"
        assert await stream.__anext__() == ": ping\n\n"
        hub.publish(a, "typing", {"agent_name": "Sam"})
        chunk = await stream.__anext__()
        assert chunk.startswith("id: ") and "event: typing" in chunk and '"Sam"' in chunk
        await stream.aclose()
        assert hub.subscriber_count(a) == 1  # only the second subscriber is left

    asyncio.run(scenario())


def test_parse_last_id():
    assert parse_last_id(None, "12") == 12 and parse_last_id("7", "12") == 7
    assert parse_last_id("abc", "-1") is None and parse_last_id("9" * 30) is None


@dataclass(frozen=True)
class Order:
    order_number: str
    status: str
    total: Decimal


@dataclass(frozen=True)
class Scores:
    cltv: Decimal
    churn_reasons: List[str]


@dataclass(frozen=True)
class View:
    name: str
    since: datetime
    orders: List[Order]
    scores: Scores
    offers: List[str]


def test_generic_360_layout():
    view = View(
        "Alice <b>",
        datetime(2025, 1, 2, 3, 4, tzinfo=timezone.utc),
        [Order("A1003", "pending", Decimal("12.5")), Order("A1001", "shipped", Decimal("3"))],
        Scores(Decimal("1234.5"), ["no order for 120 days", "fewer visits"]),
        [],
    )
    overview, orders, scores, offers = describe(view)
    assert overview.fields == [["Name", "Alice <b>"], ["Since", "2025-01-02 03:04"]]
    table = orders.tables[0]
    assert orders.title == "Orders" and table.columns == ["Order number", "Status", "Total"]
    assert table.rows[0] == ["A1003", "pending", "12.50"] and table.orders == ["A1003", None]
    assert scores.title == "Scores" and scores.fields == [
        ["CLTV", "1,234.50"],
        ["Churn reasons", "no order for 120 days; fewer visits"],
    ]
    assert offers.items == ["none"]
