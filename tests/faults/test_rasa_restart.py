"""The embedded Rasa restarted mid-conversation: no lost turns, the state carries on
(the scale profile's replica restart is the last test of test_replicas.py)."""

from __future__ import annotations

from tests.faults.support import APOLOGY_EN, Chat


def test_embedded_rasa_restart_keeps_the_conversation(embedded_chat: Chat, sender: str) -> None:
    chat = embedded_chat
    chat.say("hello", sender)
    assert "mail" in chat.say("where is my order A1001", sender).lower()
    chat.stack.kill("rasa")  # SIGKILL: no chance to flush anything
    chat.stack.restart("rasa")
    answer = chat.say("alice@example.com", sender)
    # the form's state (order number) survived: the e-mail completes the lookup
    assert "A1001" in answer and APOLOGY_EN not in answer, answer
    chat.say("thanks", sender)
    texts = chat.user_texts(sender)  # no lost or doubled turns in the tracker store
    assert texts == ["hello", "where is my order A1001", "alice@example.com", "thanks"]
