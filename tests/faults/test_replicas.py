"""Two Rasa replicas, one conversation: the Redis lock store keeps messages in order;
analytics arrive through RabbitMQ exactly once."""

from __future__ import annotations

import json
import threading
import time
from typing import Dict, List

from bot.topology import replica_ports
from tests.faults.support import APOLOGY_EN, Chat, wait_for


def _replica_urls(chat: Chat) -> List[str]:
    ports = replica_ports(chat.settings, chat.stack.replica_ports)
    return [f"http://{chat.settings.host}:{port}" for port in ports]


def test_simultaneous_messages_on_two_replicas_are_processed_in_order(
    scale_chat: Chat, sender: str
) -> None:
    first, second = _replica_urls(scale_chat)
    scale_chat.say("hello", sender, url=first)
    replies: Dict[str, str] = {}

    def send(text: str, url: str, delay: float) -> None:
        time.sleep(delay)
        replies[text] = scale_chat.say(text, sender, url=url)

    threads = [
        threading.Thread(target=send, args=("where is my order A1001", first, 0.0)),
        threading.Thread(target=send, args=("alice@example.com", second, 0.05)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    events = scale_chat.events(sender)
    users = [e["text"] for e in events if e.get("event") == "user"]
    assert users == ["hello", "where is my order A1001", "alice@example.com"]
    # no interleaving: every user message is answered and followed by action_listen
    # before the next user message is processed
    positions = [i for i, e in enumerate(events) if e.get("event") == "user"]
    for start, end in zip(positions, positions[1:], strict=False):
        between = [e.get("name") for e in events[start:end] if e.get("event") == "action"]
        assert between and between[-1] == "action_listen", between
    # the second message saw the first one's state: it completed the order lookup
    assert "A1001" in replies["alice@example.com"], replies


def test_analytics_arrive_through_rabbitmq_once(scale_chat: Chat, sender: str) -> None:
    before = scale_chat.status()
    for text in ("hello", "where is my order A1001", "alice@example.com", "thanks"):
        scale_chat.say(text, sender)
    row = wait_for(
        lambda: (r := scale_chat.interaction(sender)) and r["turns"] == 4 and r,
        timeout=30,
        what="the consumer to record the conversation",
    )
    assert row["outcome"] == "resolved" and "track_order" in json.dumps(row["intents"])
    status = scale_chat.status()
    assert status.get("messages", 0) > before.get("messages", 0), status
    assert status.get("caught_up", 0) == before.get("caught_up", 0), status  # not the sweep


def test_replica_killed_then_restarted_mid_conversation(scale_chat: Chat, sender: str) -> None:
    """Last test on the scale stack (it leaves one replica freshly restarted)."""
    chat = scale_chat
    restarted = _replica_urls(chat)[0]
    chat.say("hello", sender)
    chat.stack.kill("rasa-1")  # SIGKILL
    # the proxy skips the dead replica: the survivor serves the conversation
    assert "mail" in chat.say("where is my order A1001", sender).lower()
    chat.stack.restart("rasa-1")
    # the restarted process continues the form the other replica started
    answer = chat.say("alice@example.com", sender, url=restarted)
    assert "A1001" in answer and APOLOGY_EN not in answer, answer
    assert chat.user_texts(sender) == ["hello", "where is my order A1001", "alice@example.com"]
