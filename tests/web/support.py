"""Helpers for the browser tests and the screenshot script.

``FakeRasaChannel`` is a tiny stand-in for the Rasa ``website`` channel, used ONLY to test the
widget's own behaviour; the end-to-end test against the real Rasa server lives elsewhere.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import uvicorn

from crm_backend.settings import Settings
from crm_backend.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WEBHOOK_PATH = "/webhooks/website/webhook"
XSS_TEXT = "<img src=x onerror=alert(1)>"


def chromium_missing_reason() -> str | None:
    """None if Chromium can be used, else why not."""
    if CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK):
        return None
    return f"{CHROMIUM} is not installed (apt-get install chromium fonts-wqy-zenhei)"


def settings_for(rasa_url: str) -> Settings:
    """Settings (defaults + environment) pointing the widget at ``rasa_url``."""
    return Settings.parse_obj({"public_rasa_url": rasa_url})


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class FakeRasaChannel:
    """Records every request; answers by the message text (see :meth:`reply`)."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0  # answer that many requests with 503
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.fail_next = 0

    def messages(self) -> list[str]:
        with self.lock:
            return [str(r.get("message")) for r in self.requests]

    def reply(self, body: dict[str, Any]) -> tuple[int, Any]:
        sender = str(body.get("sender", ""))
        message = body.get("message")
        metadata = body.get("metadata") or {}
        if not isinstance(message, str) or not message.strip():
            return 400, {"error": "empty_message", "message": "Empty message. 消息为空。"}
        if len(message) > 2000:
            return 400, {"error": "too_long", "message": "Too long. 消息过长。"}
        with self.lock:
            self.requests.append(body)
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, {"error": "unavailable", "message": "Unavailable"}
        zh = metadata.get("language") == "zh"

        def text(value: str) -> dict[str, Any]:
            return {"recipient_id": sender, "text": value}

        if message == "buttons":
            return 200, [
                {
                    "recipient_id": sender,
                    "text": "Did that answer your question? 这解答了您的问题吗？",
                    "buttons": [
                        {"title": "Yes, thanks 是的", "payload": "/affirm"},
                        {"title": "No 不是", "payload": "/deny"},
                    ],
                }
            ]
        if message == "/affirm":
            return 200, [text("Glad to help! 很高兴能帮到您！")]
        if message == "/deny":
            return 200, [text("Sorry about that. 很抱歉。")]
        if message == "html":
            return 200, [text(XSS_TEXT)]
        if message == "agent":
            return 200, [
                {"recipient_id": sender, "custom": {"event": "agent_joined", "agent_name": "Alex"}},
                {
                    "recipient_id": sender,
                    "text": "Hi, Alex here.",
                    "custom": {"agent_name": "Alex"},
                },
                {"recipient_id": sender, "custom": {"event": "agent_left", "agent_name": "Alex"}},
            ]
        if message == "spam":
            return 429, {
                "error": "rate_limited",
                "message": "Too many messages, please wait. 消息过多，请稍候。",
            }
        if message == "slow":
            time.sleep(1.5)
            return 200, [text("Thanks for waiting. 感谢您的耐心等待。")]
        if message == "silent":
            return 200, []
        if zh:
            return 200, [text(f"你说：\n{message}")]
        return 200, [text(f"You said:\n{message}")]


def _handler_for(channel: FakeRasaChannel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _cors(self) -> None:
            self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
            self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
            # as Rasa's CORS (sanic-cors) allows; the widget adds its conversation id
            self.send_header(
                "Access-Control-Allow-Headers", "Content-Type, Accept, X-Conversation-Id"
            )
            self.send_header("Vary", "Origin")

        def _json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self._cors()
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_OPTIONS(self) -> None:
            self.send_response(204)
            self._cors()
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            if self.path != WEBHOOK_PATH:
                self._json(404, {"error": "not_found", "message": "Not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                self._json(400, {"error": "bad_json", "message": "Bad JSON. JSON 无效。"})
                return
            if not isinstance(body, dict):
                self._json(400, {"error": "bad_json", "message": "Bad JSON. JSON 无效。"})
                return
            if self.headers.get("X-Conversation-Id") != body.get("sender"):
                self._json(400, {"error": "routing", "message": "X-Conversation-Id != sender"})
                return
            status, payload = channel.reply(body)
            self._json(status, payload)

    return Handler


@contextmanager
def fake_rasa_channel() -> Iterator[FakeRasaChannel]:
    channel = FakeRasaChannel()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(channel))
    server.daemon_threads = True
    channel.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-rasa", daemon=True)
    thread.start()
    try:
        yield channel
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def web_app_server(rasa_url: str) -> Iterator[str]:
    """Serve the real web app with uvicorn in a background thread; yields its base URL."""
    port = free_port()
    app = create_app(settings_for(rasa_url))
    # ws="auto" picks a websockets backend that needs websockets>=13; Rasa pins 10.4.
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="wsproto"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="web-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web app did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
