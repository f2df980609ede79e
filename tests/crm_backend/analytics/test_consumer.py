"""BrokerFeed: RabbitMQ messages -> recomputed conversations, acked only after recording."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, Iterable, List, Mapping, Optional

import pytest

from crm_backend.analytics import consumer
from crm_backend.analytics.consumer import BrokerFeed, exchange_name
from crm_backend.analytics.writer import BEHIND, Status
from crm_backend.settings import Settings


class Message:
    def __init__(self, body: Any) -> None:
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.acked = 0

    async def ack(self) -> None:
        self.acked += 1


class FakeWriter:
    def __init__(self, answers: Optional[List[Any]] = None) -> None:
        self.status = Status()
        self.calls: List[Dict[str, float]] = []
        self.answers = answers or []

    def refresh(
        self, sender_ids: Iterable[str], newest: Optional[Mapping[str, float]] = None
    ) -> Dict[str, str]:
        self.calls.append(dict(newest or {}))
        answer = self.answers.pop(0) if self.answers else "written"
        if isinstance(answer, Exception):
            raise answer
        return {sender: answer for sender in sender_ids}


def _feed(writer: FakeWriter) -> BrokerFeed:
    return BrokerFeed(Settings(), writer)  # type: ignore[arg-type]


def _event(sender: str, t: float) -> Dict[str, Any]:
    return {"sender_id": sender, "event": "user", "timestamp": t, "text": "hi"}


def test_messages_of_a_conversation_are_recorded_once_then_acked() -> None:
    writer = FakeWriter()
    feed = _feed(writer)
    messages = [Message(_event("a", 1.0)), Message(_event("a", 3.0)), Message(_event("b", 2.0))]
    messages.append(Message(_event("a", 3.0)))  # a redelivered copy

    async def run() -> None:
        for message in messages:
            await feed.on_message(message)
        assert all(m.acked == 0 for m in messages)  # nothing acked before the commit
        await feed.flush()

    asyncio.run(run())
    assert writer.calls == [{"a": 3.0, "b": 2.0}]  # one recomputation per conversation
    assert [m.acked for m in messages] == [1, 1, 1, 1]
    assert feed.pending == {} and writer.status.get("messages") == 4


def test_a_conversation_behind_in_the_tracker_is_retried_then_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writer = FakeWriter([BEHIND, BEHIND, BEHIND])
    feed = _feed(writer)
    message = Message(_event("a", 5.0))

    async def run() -> None:
        await feed.on_message(message)
        await feed.flush()
        assert message.acked == 0 and "a" in feed.pending  # kept for the next flush
        await feed.flush()
        assert message.acked == 0
        monkeypatch.setattr(consumer, "GIVE_UP_SECONDS", -1.0)
        await feed.flush()

    asyncio.run(run())
    assert message.acked == 1 and writer.status.get("missing_in_tracker") == 1


def test_a_database_error_keeps_the_messages_for_later() -> None:
    writer = FakeWriter([RuntimeError("database down"), "written"])
    feed = _feed(writer)
    message = Message(_event("a", 1.0))

    async def run() -> None:
        await feed.on_message(message)
        await feed.flush()
        assert message.acked == 0 and writer.status.get("write_errors") == 1
        await feed.flush()

    asyncio.run(run())
    assert message.acked == 1


@pytest.mark.parametrize("body", [b"not json", {"event": "user"}, {"sender_id": 5}, []])
def test_malformed_messages_are_acked_and_counted(body: Any) -> None:
    writer = FakeWriter()
    feed = _feed(writer)
    message = Message(body)
    asyncio.run(feed.on_message(message))
    assert message.acked == 1 and writer.status.get("malformed") == 1 and not feed.pending


def test_our_exchange_is_never_rasas_shared_default() -> None:
    assert exchange_name("shop_events") == "shop_events.exchange" != "rasa-exchange"
