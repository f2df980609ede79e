"""A real running assistant for end-to-end tests: Rasa, the action server and the web app.

The stack runs the project's model (trained by ``bot.train`` when its inputs changed) on
its own seeded SQLite CRM and free ports, as separate processes, exactly like `make run`.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from bot.run import Stack
from bot.train import ensure_model
from crm_backend.migrate import upgrade
from crm_backend.seed import seed
from crm_backend.settings import Settings, get_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveStack:
    settings: Settings
    stack: Stack

    @property
    def rasa_url(self) -> str:
        return self.settings.rasa_url

    @property
    def web_url(self) -> str:
        return self.settings.web_url

    def post(self, body: Any, content_type: str = "application/json") -> Tuple[int, Any]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/website/webhook",
            data=data,
            headers={"Content-Type": content_type},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def say(self, sender: str, text: str, language: Optional[str] = None) -> List[Dict]:
        status, replies = self.post(
            {"sender": sender, "message": text, "metadata": {"language": language}}
        )
        assert status == 200, replies
        return list(replies)


def texts(replies: List[Dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    base = get_settings()
    ensure_model(base)
    var = Path(tmp_path_factory.mktemp("stack"))
    settings = Settings(
        database_url=f"sqlite:///{var / 'crm.sqlite3'}",
        var_dir=var,
        log_dir=var / "log",
        model_dir=base.model_dir,
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        # every test's traffic comes from 127.0.0.1: the per-IP limit is tested where the
        # client address can differ (tests/faults/test_rate_limits.py, behind nginx)
        chat_rate_per_ip="0",
    )
    upgrade(settings.database_url)
    seed(settings.database_url)
    stack = Stack(settings)
    stack.start()
    try:
        yield LiveStack(settings, stack)
    finally:
        stack.stop()


@pytest.fixture
def sender() -> str:
    return uuid.uuid4().hex
