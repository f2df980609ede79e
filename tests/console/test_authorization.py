"""Who may do what in the console: sign-in, roles, CSRF, rate limit, ticket holders."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from crm_backend.db import make_engine, make_session_factory
from crm_backend.services.handoff import HandoffPolicy, parse_support_hours, request_handoff
from crm_backend.unit_of_work import SqlAlchemyUnitOfWork
from tests.console.conftest import XSS, FakeConversations, login_token, sign_in

ALWAYS = HandoffPolicy(parse_support_hours("00:00-24:00", "0-6", "UTC"))


def escalate(url: str, conversation_id: str) -> int:
    engine = make_engine(url)
    try:
        outcome = request_handoff(
            SqlAlchemyUnitOfWork(make_session_factory(engine)),
            conversation_id=conversation_id,
            reason="customer_request",
            policy=ALWAYS,
        )
    finally:
        engine.dispose()
    return outcome.ticket.id


ADMIN_PAGES = ["/console/admin/agents"]
ADMIN_APIS = ["/console/api/admin/agents"]


def test_anonymous_is_sent_to_sign_in_or_refused(client: TestClient):
    for path in ["/console", "/console/search", "/console/conversations/abc", *ADMIN_PAGES]:
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith(
            "/console/login?next="
        ), path
    for path in ["/console/api/queue", "/console/api/stream", *ADMIN_APIS]:
        assert client.get(path).status_code == 401, path
    assert client.post("/console/api/tickets/1/claim").status_code == 401
    assert client.post("/console/api/tickets/1/assign", json={"staff_id": 1}).status_code == 401
    assert (
        client.post("/console/api/conversations/abc/reply", json={"text": "x"}).status_code == 401
    )


def test_agents_are_refused_admin_pages_and_apis(client: TestClient, console_db: str):
    csrf = sign_in(client, "agent", "agent123")
    for path in ADMIN_PAGES + ADMIN_APIS:
        assert client.get(path).status_code == 403, path
    ticket = escalate(console_db, "conv-admin-only")
    answer = client.post(
        f"/console/api/tickets/{ticket}/assign",
        json={"staff_id": 1},
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status_code == 403
    assert "Agents" not in client.get("/console").text.split("<main")[0], "no admin nav link"


def test_admins_get_admin_pages(client: TestClient):
    sign_in(client, "admin", "admin123")
    page = client.get("/console/admin/agents")
    assert page.status_code == 200 and "Sam (Support)" in page.text
    assert client.get("/console/api/admin/agents").json()["agents"][0]["username"]


def test_csrf_is_enforced_on_every_state_change(client: TestClient, console_db: str):
    csrf = sign_in(client, "agent", "agent123")
    ticket = escalate(console_db, "conv-csrf")
    url = f"/console/api/tickets/{ticket}/claim"
    assert client.post(url).status_code == 403
    assert client.post(url, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post(url, headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.post("/console/logout").status_code == 403
    assert client.post("/console/logout", data={"csrf_token": csrf}).status_code == 303


def test_sign_in_form_needs_its_own_token(client: TestClient):
    answer = client.post(
        "/console/login", data={"username": "agent", "password": "agent123", "csrf_token": "x"}
    )
    assert answer.status_code == 403 and "console_session" not in answer.cookies


def test_session_cookie_flags_and_tampering(client: TestClient):
    token = login_token(client)
    answer = client.post(
        "/console/login",
        data={"username": "agent", "password": "agent123", "csrf_token": token},
    )
    cookie = answer.headers["set-cookie"]
    assert "console_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/console").status_code == 200
    value = client.cookies.get("console_session")
    client.cookies.clear()
    client.cookies.set("console_session", value[:-3] + "AAA")
    assert client.get("/console").status_code == 303


def test_wrong_passwords_unknown_users_and_rate_limit(client: TestClient):
    for username, password in [("agent", "wrong"), ("nobody", "agent123"), ("former", "former123")]:
        token = login_token(client)
        answer = client.post(
            "/console/login", data={"username": username, "password": password, "csrf_token": token}
        )
        assert answer.status_code == 401 and "Wrong username or password." in answer.text
    for _ in range(2):
        token = login_token(client)
        client.post(
            "/console/login", data={"username": "agent", "password": "nope", "csrf_token": token}
        )
    token = login_token(client)
    answer = client.post(
        "/console/login", data={"username": "agent2", "password": "agent456", "csrf_token": token}
    )
    assert answer.status_code == 429, "5 failures from this client: even a right password waits"
    assert "Too many failed sign-ins" in answer.text and int(answer.headers["retry-after"]) > 0


def test_only_the_holder_replies(
    client: TestClient, app, console_db: str, conversations: FakeConversations
):
    escalate(console_db, "conv-holder")
    csrf = sign_in(client, "agent2", "agent456")
    reply = "/console/api/conversations/conv-holder/reply"
    assert (
        client.post(reply, json={"text": "hi"}, headers={"X-CSRF-Token": csrf}).status_code == 409
    )
    with TestClient(app) as other:
        other.follow_redirects = False
        other_csrf = sign_in(other, "agent", "agent123")
        ticket = other.get("/console/api/queue").json()["items"][0]["id"]
        claimed = other.post(
            f"/console/api/tickets/{ticket}/claim", headers={"X-CSRF-Token": other_csrf}
        )
        assert claimed.status_code == 200
        answer = other.post(
            reply, json={"text": "Hello, Sam here"}, headers={"X-CSRF-Token": other_csrf}
        )
        assert answer.status_code == 200
    refused = client.post(reply, json={"text": "hi"}, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403 and "Sam (Support)" in refused.json()["message"]
    taken = client.post(f"/console/api/tickets/{ticket}/claim", headers={"X-CSRF-Token": csrf})
    assert taken.status_code == 409
    bot_events = [e for e in conversations.events["conv-holder"] if e["event"] == "bot"]
    assert [e["text"] for e in bot_events] == ["Hello, Sam here"]
    assert bot_events[0]["metadata"]["agent_name"] == "Sam (Support)"


def test_customer_text_is_data_never_markup(
    client: TestClient, console_db: str, conversations: FakeConversations
):
    conversations.add_user("conv-xss", XSS, sentiment={"label": "negative", "score": -0.8})
    escalate(console_db, "conv-xss")
    sign_in(client, "agent", "agent123")
    page = client.get("/console/conversations/conv-xss")
    assert (
        page.status_code == 200
        and "<img src=x" not in page.text
        and "<script>document" not in page.text
    )
    data = client.get("/console/api/conversations/conv-xss/transcript").json()
    item = data["items"][0]
    assert item["text"] == XSS and item["intent"] == "complaint"
    assert item["sentiment_label"] == "negative" and item["sentiment_score"] == -0.8
    search = client.get("/console/search", params={"q": "<img src=x"})
    assert search.status_code == 200 and "<img src=x" not in search.text
    assert "&lt;img src=x" in search.text or "No conversations match" in search.text
    assert re.search(r"script-src 'self'", page.headers["content-security-policy"])
