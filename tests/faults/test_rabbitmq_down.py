"""RabbitMQ unreachable (the stack's relay to it is switched off: a closed port; the shared
server is not touched): the bot keeps answering, the analytics catch up from the tracker
store and report it, and the buffered events are published once RabbitMQ is back."""

from __future__ import annotations

from tests.faults.support import APOLOGY_EN, Chat, wait_for
from tests.faults.tcp_relay import TcpRelay


def test_the_stack_started_while_rabbitmq_was_down(scale_chat: Chat) -> None:
    # the fixture started the stack with the relay off: Rasa 3.6's own broker would have
    # retried ~100 s and exited; ours answered and reported it
    for replica in ("rasa-1", "rasa-2"):
        assert "RabbitMQ unreachable" in scale_chat.log(replica)
    assert "RabbitMQ unreachable" in scale_chat.log("analytics")


def test_outage_mid_conversation(scale_chat: Chat, rabbit_relay: TcpRelay, sender: str) -> None:
    chat = scale_chat
    chat.say("hello", sender)
    # the consumer has recorded the first turn: nothing of this conversation is pending
    # on the broker path when it goes down (else its flush would record the later turns)
    wait_for(
        lambda: (r := chat.interaction(sender)) and r["turns"] == 1,
        timeout=30,
        what="the consumer to record the first turn",
    )
    before = chat.status()
    rabbit_relay.down()
    try:
        chat.say("where is my order A1001", sender)
        answer = chat.say("alice@example.com", sender)
        assert "A1001" in answer and APOLOGY_EN not in answer, answer
        chat.say("thanks", sender)
        # the sweep records the conversation from the tracker store and says so
        row = wait_for(
            lambda: (r := chat.interaction(sender)) and r["turns"] == 4 and r,
            timeout=30,
            what="the sweep to record the conversation",
        )
        assert row["outcome"] == "resolved" and row["customer_id"] is not None
        wait_for(
            lambda: chat.status().get("caught_up", 0) > before.get("caught_up", 0),
            timeout=15,
            what="the catch-up to be reported",
        )
    finally:
        rabbit_relay.up()
    # back: the replicas publish what they held back, the consumer receives it
    wait_for(
        lambda: chat.status().get("messages", 0) > before.get("messages", 0),
        timeout=30,
        what="the buffered events to reach the consumer",
    )
    assert chat.interaction(sender)["turns"] == 4  # type: ignore[index]  # never double counted
