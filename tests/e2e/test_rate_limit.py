"""The per-conversation limit of the chat channel, on the real running Rasa server."""

from __future__ import annotations

import pytest

from crm_backend.analytics.tracker_events import TrackerEvents
from tests.e2e.conftest import LiveStack

pytestmark = pytest.mark.e2e
PER_SENDER = 30  # CHAT_RATE_PER_SENDER default: 30 per 60 s


def test_a_conversation_sending_too_fast_gets_a_clear_429(live_stack: LiveStack, sender: str):
    body = {"sender": sender, "message": "hi", "metadata": {}}
    statuses = [live_stack.post(body)[0] for _ in range(PER_SENDER)]
    assert statuses == [200] * PER_SENDER
    status, answer = live_stack.post(body)
    assert status == 429, answer
    assert answer["error"] == "rate_limited" and 1 <= answer["retry_after"] <= 61
    assert "too quickly" in answer["message"] and "发送得太快" in answer["message"]
    # the refused message was not processed: the tracker holds the 30 accepted ones
    tracker = TrackerEvents(live_stack.settings.tracker_url)
    try:
        events = tracker.conversations([sender])[sender]
    finally:
        tracker.dispose()
    assert sum(1 for e in events if e.get("event") == "user") == PER_SENDER
    other = {"sender": sender + "x", "message": "hi", "metadata": {}}
    assert live_stack.post(other)[0] == 200  # other conversations are not affected
