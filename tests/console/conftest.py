"""The console on a real (migrated, SQLite) CRM database with two staff accounts, and an
in-memory stand-in for Rasa's conversation API (the only faked piece: an external server).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from starlette.testclient import TestClient

from crm_backend.db import make_engine, make_session_factory
from crm_backend.migrate import upgrade
from crm_backend.models import StaffRole, StaffUser, metadata
from crm_backend.settings import Settings
from crm_backend.web.app import create_app

_FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
STAFF = [
    ("agent", "agent123", "Sam (Support)", StaffRole.AGENT, True),
    ("agent2", "agent456", "Kim (Support)", StaffRole.AGENT, True),
    ("admin", "admin123", "Ada (Admin)", StaffRole.ADMIN, True),
    ("former", "former123", "Former", StaffRole.AGENT, False),
]
XSS = (
    '<img src=x onerror="document.body.dataset.pwned=1">'
    "<script>document.body.dataset.pwned=2</script>"
)


class FakeConversations:
    """Rasa's tracker API in memory: ``tracker`` and ``append`` like RasaClient."""

    def __init__(self) -> None:
        self.events: Dict[str, List[Dict[str, Any]]] = {}
        self.paused: Dict[str, bool] = {}

    def add_user(self, conversation_id: str, text: str, **parse: Any) -> None:
        self.events.setdefault(conversation_id, []).append(
            {
                "event": "user",
                "text": text,
                "timestamp": time.time(),
                "parse_data": {"intent": {"name": "complaint", "confidence": 0.91}, **parse},
            }
        )

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        return {
            "sender_id": conversation_id,
            "events": list(self.events.get(conversation_id, [])),
            "paused": self.paused.get(conversation_id, False),
            "slots": {"language": "en"},
        }

    async def append(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        for event in events:
            if event.get("event") == "pause":
                self.paused[conversation_id] = True
            if event.get("event") == "resume":
                self.paused[conversation_id] = False
            self.events.setdefault(conversation_id, []).append({"timestamp": time.time(), **event})

    async def close(self) -> None:
        return None


@pytest.fixture(scope="session")
def console_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('console')) / 'crm.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        for username, password, name, role, active in STAFF:
            session.add(
                StaffUser(
                    username=username,
                    display_name=name,
                    password_hash=_FAST.hash(password),
                    role=role,
                    active=active,
                )
            )
        session.commit()
    engine.dispose()
    return url


@pytest.fixture
def conversations() -> FakeConversations:
    return FakeConversations()


@pytest.fixture
def app(console_db: str, conversations: FakeConversations) -> Iterator[Any]:
    settings = Settings(database_url=console_db, secret_key="test-secret-" + "x" * 20)
    application = create_app(settings)
    application.state.conversation_store = conversations
    yield application
    engine = make_engine(console_db)
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name != "staff_users":
                conn.execute(table.delete())
        conn.execute(text("SELECT 1"))
    engine.dispose()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        test_client.follow_redirects = False
        yield test_client


def login_token(client: TestClient) -> str:
    page = client.get("/console/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str) -> str:
    """Sign in; returns the session's CSRF token (from the page's meta tag)."""
    token = login_token(client)
    answer = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/console"},
    )
    assert answer.status_code == 303, answer.text
    page = client.get("/console")
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert match
    return match.group(1)
