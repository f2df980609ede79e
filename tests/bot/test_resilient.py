"""bot/resilient.py: Rasa's SQL tracker store and Pika broker, hardened."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import resilient
from bot.resilient import BufferedPikaEventBroker, PingingSQLTrackerStore


class Collecting(EventBroker):
    def __init__(self) -> None:
        self.published: List[Dict[str, Any]] = []

    def publish(self, event: Dict[str, Any]) -> None:
        self.published.append(event)


def test_tracker_store_pings_and_publishes_each_stored_event_once(tmp_path: Path) -> None:
    broker = Collecting()
    store = PingingSQLTrackerStore(
        Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"), event_broker=broker
    )
    assert store.engine.pool._pre_ping  # type: ignore[attr-defined]
    tracker = DialogueStateTracker("c1", [])
    tracker.update(UserUttered("hi", {"name": "greet"}))
    tracker.update(ActionExecuted("utter_greet"))

    async def run() -> None:
        await store.save(tracker)
        tracker.update(UserUttered("bye", {"name": "goodbye"}))
        await store.save(tracker)
        await store.save(tracker)  # nothing new: nothing stored or published

    asyncio.run(run())
    assert [e["event"] for e in broker.published] == ["user", "action", "user"]
    assert all(e["sender_id"] == "c1" for e in broker.published)
    with store.session_scope() as session:
        assert session.query(store.SQLEvent).count() == 3


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_broker_starts_without_rabbitmq_and_buffers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resilient, "MAX_BUFFERED", 3)

    async def run() -> BufferedPikaEventBroker:
        config = EndpointConfig(
            f"amqp://127.0.0.1:{_closed_port()}/%2F",
            username="guest",
            password="guest",
            queues=["shop_scale_unit"],
        )
        broker = await BufferedPikaEventBroker.from_endpoint_config(config)
        assert broker is not None and not broker.is_ready()  # returned at once
        for i in range(5):
            broker.publish({"event": "user", "i": i})
        await asyncio.sleep(0.3)
        await broker.close()
        return broker

    broker = asyncio.run(run())
    assert broker.dropped == 2 and broker.buffered == 5
    assert [e["i"] for e in broker._unpublished_events] == [2, 3, 4]  # oldest dropped
