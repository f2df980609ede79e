"""One corpus of hostile and odd input through the public entry points of the running stack:
the chat channel, the console (transcript, search, notes, sign-in) and the widget's own
endpoints. Nothing answers 5xx or shows a trace, every message gets a reply or a clear 4xx,
the CRM is not altered by it, and the payloads reach the console as inert text."""

from __future__ import annotations

import uuid
from typing import Dict, List

import httpx
import pytest
from sqlalchemy import func, select

from crm_backend.db import make_engine, make_session_factory
from crm_backend.models import Customer, Order
from tests.e2e.conftest import LiveStack, texts
from tests.e2e.test_handoff_api import console

pytestmark = pytest.mark.e2e

SCRIPT = "<script>alert('pwned')</script>"
CORPUS: List[str] = [
    SCRIPT,
    '<img src=x onerror="alert(1)">',
    "'; DROP TABLE customers; --",
    "A1001' OR '1'='1",
    "Robert'); DROP TABLE orders;--@example.com",
    "{{7*7}} ${7*7} %s%s%n",
    "../../../../etc/passwd",
    "مرحبا، أين طلبي؟",  # right-to-left
    "\u202eredro ym si erehw",  # right-to-left override
    "😀🙃🔥" * 50,
    "hi\x00\x01\x02\x1b[31m there",
    "\ufeffwhere is my order",
    "null",
    "订单" * 900,  # long but within the limit
    "x" * 1999,
]
REFUSED = {"": 400, "   \n\t ": 400, "x" * 100_000: 413}


def crm_counts(stack: LiveStack) -> Dict[str, int]:
    engine = make_engine(stack.settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return {
                "customers": session.execute(select(func.count(Customer.id))).scalar_one(),
                "orders": session.execute(select(func.count(Order.id))).scalar_one(),
            }
    finally:
        engine.dispose()


def test_the_chat_answers_every_hostile_message_and_stores_nothing_wrongly(
    live_stack: LiveStack,
) -> None:
    before = crm_counts(live_stack)
    sender = uuid.uuid4().hex
    for text in CORPUS:
        status, replies = live_stack.post({"sender": sender, "message": text, "metadata": {}})
        assert status == 200, (text[:40], status, replies)
        answer = texts(replies)
        assert replies and answer.strip(), text[:40]
        assert "Traceback" not in answer and "Error" not in answer, answer
        assert SCRIPT not in answer  # nothing echoed back as markup
    for text, expected in REFUSED.items():
        status, body = live_stack.post({"sender": sender, "message": text, "metadata": {}})
        assert status == expected and body["message"], (text[:20], status, body)
    assert crm_counts(live_stack) == before


def test_the_console_shows_hostile_text_inert_and_its_forms_never_fail(
    live_stack: LiveStack,
) -> None:
    sender = uuid.uuid4().hex
    live_stack.say(sender, f"my order {SCRIPT} is late", "en")
    assert "connecting you" in texts(live_stack.say(sender, "I want to talk to a human", "en"))
    client, _ = console(live_stack)
    page = client.get(f"/console/conversations/{sender}")
    assert page.status_code == 200
    assert SCRIPT not in page.text  # escaped, never markup
    transcript = client.get(f"/console/api/conversations/{sender}/transcript").json()
    assert any(SCRIPT in (item.get("text") or "") for item in transcript["items"])  # as data
    ticket = next(
        i
        for i in client.get("/console/api/queue").json()["items"]
        if i["conversation_id"] == sender
    )
    assert client.post(f"/console/api/tickets/{ticket['id']}/claim").status_code == 200
    for text in CORPUS + list(REFUSED):
        search = client.get("/console/search", params={"q": text[:500]})
        assert search.status_code < 500 and SCRIPT not in search.text, text[:40]
        note = client.post(f"/console/api/tickets/{ticket['id']}/note", json={"note": text})
        assert note.status_code < 500, (text[:40], note.status_code)
        reply = client.post(f"/console/api/conversations/{sender}/reply", json={"text": text})
        assert reply.status_code < 500, (text[:40], reply.status_code)
    assert SCRIPT not in client.get(f"/console/conversations/{sender}").text
    # malformed JSON and wrong content types on the API
    bad = client.post(
        f"/console/api/tickets/{ticket['id']}/note",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert 400 <= bad.status_code < 500
    wrong = client.post(
        f"/console/api/tickets/{ticket['id']}/note",
        content=b"note=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert 400 <= wrong.status_code < 500


def test_sign_in_and_widget_endpoints_refuse_hostile_input_cleanly(
    live_stack: LiveStack,
) -> None:
    with httpx.Client(base_url=live_stack.web_url, timeout=30) as client:
        for text in CORPUS[:8]:
            login = client.post(
                "/console/login", data={"username": text, "password": text, "csrf_token": text}
            )
            assert login.status_code < 500 and SCRIPT not in login.text, text[:40]
            rating = client.post(f"/api/chat/{uuid.uuid4().hex}/csat", json={"score": text})
            assert 400 <= rating.status_code < 500, (text[:40], rating.status_code)
        huge = client.post(
            f"/api/chat/{uuid.uuid4().hex}/csat",
            content=b'{"score": "' + b"9" * 200_000 + b'"}',
            headers={"Content-Type": "application/json"},
        )
        assert 400 <= huge.status_code < 500
