"""PostgreSQL drops every connection of our databases: requests recover, data stays
consistent (pg_terminate_backend on this test's own databases only)."""

from __future__ import annotations

from typing import List

from sqlalchemy.engine import make_url

from bot.scale_admin import terminate_connections
from tests.faults.support import APOLOGY_EN, Chat, wait_for


def _ask_for_order(chat: Chat, sender: str, sent: List[str]) -> str:
    sent.append("where is my order A1001")
    answer = chat.say(sent[-1], sender)
    if "A1001" not in answer:  # the form asks for the e-mail
        sent.append("alice@example.com")
        answer = chat.say(sent[-1], sender)
    return answer


def test_dropped_connections_are_replaced(scale_chat: Chat, sender: str) -> None:
    chat = scale_chat
    sent = ["hello"]
    chat.say("hello", sender)
    assert "A1001" in _ask_for_order(chat, sender, sent)
    crm = str(make_url(chat.settings.database_url).database)
    tracker = str(make_url(chat.settings.tracker_url).database)
    for round_ in range(2):
        dropped = terminate_connections(crm) + terminate_connections(tracker)
        assert dropped > 0  # the pools held connections to both databases
        answer = _ask_for_order(chat, sender, sent)
        assert "A1001" in answer and APOLOGY_EN not in answer, (round_, answer)
    # every turn is in the tracker store exactly once, in order, and analytics agree
    assert chat.user_texts(sender) == sent
    wait_for(
        lambda: (r := chat.interaction(sender)) is not None and r["turns"] == len(sent),
        timeout=30,
        what="the interaction row to catch up",
    )
