"""The action server dies mid-conversation: the customer gets an apology, and the
conversation carries on once the action server is back (embedded and scale profiles)."""

from __future__ import annotations

import pytest

from tests.faults.support import APOLOGY_EN, Chat


@pytest.fixture(params=["embedded", "scale"])
def chat(request: pytest.FixtureRequest) -> Chat:
    return request.getfixturevalue(f"{request.param}_chat")  # type: ignore[no-any-return]


def test_killed_action_server_apologises_then_recovers(chat: Chat, sender: str) -> None:
    assert "A1001" not in chat.say("hello", sender)
    asked = chat.say("where is my order A1001", sender)  # the form asks for the e-mail
    assert "mail" in asked.lower()
    chat.stack.kill("actions")
    try:
        answer = chat.say("alice@example.com", sender)
        assert APOLOGY_EN in answer, answer  # not silence, not a stack trace
        assert answer.count(APOLOGY_EN) == 1
    finally:
        chat.stack.restart("actions")
    answer = chat.say("where is my order A1001", sender)
    if "A1001" not in answer:  # the form may still want the e-mail
        answer = chat.say("alice@example.com", sender)
    assert "A1001" in answer and APOLOGY_EN not in answer, answer
    # the apology is part of the conversation's record
    bot_texts = [e.get("text") or "" for e in chat.events(sender) if e.get("event") == "bot"]
    assert any(APOLOGY_EN in text for text in bot_texts)
