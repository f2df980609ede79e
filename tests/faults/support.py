"""Helpers of the fault tests: talk to a stack, read its tracker store, wait."""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

import pytest
import sqlalchemy as sa

from bot.run import Stack
from bot.topology import find_nginx
from crm_backend.analytics.tracker_events import EVENTS
from crm_backend.db import make_engine
from crm_backend.settings import Settings

T = TypeVar("T")
SERVICES = {"PostgreSQL": 5432, "Redis": 6379, "RabbitMQ": 5672}
APOLOGY_EN = "Sorry, something went wrong on our side"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def require(*names: str) -> None:
    """Skip (or, with CI=true, fail) unless the named services / nginx are available."""
    missing = [name for name in names if name in SERVICES and not _reachable(SERVICES[name])]
    if "nginx" in names and find_nginx() is None:
        missing.append("nginx (scripts/system-deps.sh --scale)")
    if not missing:
        return
    reason = f"fault tests need {', '.join(missing)} on 127.0.0.1"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass
class Chat:
    """One running stack as a customer (and an operator) sees it."""

    settings: Settings
    stack: Stack

    def post(self, text: str, sender: str, url: Optional[str] = None) -> Tuple[int, Any]:
        body = json.dumps({"sender": sender, "message": text, "metadata": {}}).encode()
        request = urllib.request.Request(
            f"{url or self.settings.rasa_url}/webhooks/website/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def say(self, text: str, sender: str, url: Optional[str] = None) -> str:
        status, replies = self.post(text, sender, url)
        assert status == 200, (status, replies)
        assert replies, f"no reply to {text!r}"
        return "\n".join(str(r.get("text", "")) for r in replies)

    def events(self, sender: str) -> List[Dict[str, Any]]:
        """The conversation's events in Rasa's tracker store, in order."""
        engine = make_engine(self.settings.tracker_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    sa.select(EVENTS.c.data)
                    .where(EVENTS.c.sender_id == sender)
                    .order_by(EVENTS.c.id)
                ).fetchall()
        finally:
            engine.dispose()
        return [json.loads(row[0]) for row in rows]

    def user_texts(self, sender: str) -> List[str]:
        return [e.get("text", "") for e in self.events(sender) if e.get("event") == "user"]

    def interaction(self, sender: str) -> Optional[Dict[str, Any]]:
        engine = make_engine(self.settings.database_url)
        try:
            with engine.connect() as conn:
                row = (
                    conn.execute(
                        sa.text(
                            "SELECT turns, intents, outcome, handoff, language, customer_id "
                            "FROM interactions WHERE conversation_id = :c"
                        ),
                        {"c": sender},
                    )
                    .mappings()
                    .first()
                )
        finally:
            engine.dispose()
        return dict(row) if row else None

    def status(self) -> Dict[str, Any]:
        path = self.settings.var_dir / "analytics-status.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def log(self, name: str) -> str:
        path = self.settings.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def wait_for(check: Callable[[], T], timeout: float = 30.0, what: str = "condition") -> T:
    """Poll ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.3)
