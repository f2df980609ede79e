"""Handoff over HTTP against the real stack: pause, agent reply, resolve with CSAT."""

from __future__ import annotations

import json
import re
import uuid
from typing import Dict, List

import httpx
import pytest
from sqlalchemy import select

from crm_backend.db import make_engine, make_session_factory
from crm_backend.models import Interaction, Ticket
from tests.e2e.conftest import LiveStack, texts

pytestmark = pytest.mark.e2e


def console(live_stack: LiveStack) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=live_stack.web_url, timeout=30)
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/console/login", data={"username": "agent", "password": "agent123", "csrf_token": token}
    )
    assert answer.status_code == 303
    meta = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/console").text)
    assert meta
    client.headers["X-CSRF-Token"] = meta.group(1)
    return client, meta.group(1)


def chat_backlog(live_stack: LiveStack, conversation_id: str, until: str) -> List[Dict]:
    """Read the widget's event stream from the start until an event of type ``until``."""
    events: List[Dict] = []
    url = f"{live_stack.web_url}/api/chat/{conversation_id}/events?after=0"
    with httpx.stream("GET", url, timeout=15) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        kind = None
        for line in answer.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind:
                events.append({"type": kind, **json.loads(line[6:])})
                if kind == until:
                    break
    return events


def test_pause_reply_resolve_and_csat(live_stack: LiveStack):
    sender = str(uuid.uuid4())
    replies = live_stack.say(sender, "I want to talk to a human", "en")
    assert "connecting you" in texts(replies)
    assert any((r.get("custom") or {}).get("handoff") for r in replies)
    # asking again while waiting does not open a second ticket, and the bot stays quiet
    assert live_stack.say(sender, "hello?", "en") == []

    client, _ = console(live_stack)
    items = client.get("/console/api/queue").json()["items"]
    ticket = next(i for i in items if i["conversation_id"] == sender)
    assert ticket["status"] == "open" and ticket["reason"] == "customer_request"
    assert client.post(f"/console/api/tickets/{ticket['id']}/claim").status_code == 200
    answer = client.post(f"/console/api/conversations/{sender}/reply", json={"text": "Sam here"})
    assert answer.status_code == 200
    transcript = client.get(f"/console/api/conversations/{sender}/transcript").json()
    assert transcript["paused"] is True
    kinds = [(i["kind"], i["text"]) for i in transcript["items"] if i["kind"] != "system"]
    assert ("user", "hello?") in kinds and kinds[-1] == ("agent", "Sam here")

    resolved = client.post(
        f"/console/api/tickets/{ticket['id']}/resolve",
        json={"note": "Explained the delivery date", "tags": ["Delivery", "delivery"]},
    )
    assert resolved.status_code == 200 and resolved.json()["ticket"]["tags"] == [
        "handoff",
        "delivery",
    ]
    events = chat_backlog(live_stack, sender, until="handoff_ended")
    assert [e["type"] for e in events] == [
        "agent_joined",
        "message",
        "agent_left",
        "csat",
        "handoff_ended",
    ]
    assert events[1] == {"type": "message", "text": "Sam here", "agent_name": "Sam (Support)"}

    # the bot is back
    assert "order number" in texts(live_stack.say(sender, "where is my order?", "en"))
    csat = httpx.post(f"{live_stack.web_url}/api/chat/{sender}/csat", json={"score": 4})
    assert csat.status_code == 200
    bad = httpx.post(f"{live_stack.web_url}/api/chat/{uuid.uuid4()}/csat", json={"score": 4})
    assert bad.status_code == 404
    engine = make_engine(live_stack.settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            row = session.execute(
                select(Interaction).where(Interaction.conversation_id == sender)
            ).scalar_one()
            assert row.csat == 4 and row.handoff is True
            stored = session.get(Ticket, ticket["id"])
            assert stored is not None and str(stored.status) == "resolved"
    finally:
        engine.dispose()
