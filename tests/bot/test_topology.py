"""bot/topology.py: which processes each profile runs, and the nginx configuration."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
from pydantic import SecretStr

from bot import topology
from crm_backend.settings import Settings
from tests.faults.support import free_port


def _scale(tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        profile="scale",
        secret_key=SecretStr("k"),
        var_dir=tmp_path,
        log_dir=tmp_path / "log",
        rasa_port=7000,
        **extra,
    )


def test_embedded_profile_processes(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    names = [s.name for s in topology.embedded_services(settings, tmp_path / "e.yml", "t")]
    assert names == ["actions", "rasa", "web", "analytics"]


def test_scale_profile_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topology, "find_nginx", lambda: "/usr/sbin/nginx")
    settings = _scale(tmp_path, rasa_replicas=3, action_workers=4)
    services = {s.name: s for s in topology.scale_services(settings, tmp_path / "e.yml", "t")}
    assert sorted(services) == sorted(
        ["actions", "web", "analytics", "rasa-1", "rasa-2", "rasa-3", "proxy"]
    )
    assert services["rasa-2"].command[services["rasa-2"].command.index("--port") + 1] == "7002"
    assert services["actions"].env == {"ACTION_SERVER_SANIC_WORKERS": "4"}
    assert services["analytics"].critical is False
    assert services["proxy"].health_url == "http://127.0.0.1:7000/webhooks/website/"


def test_nginx_config_lists_the_replicas(tmp_path: Path) -> None:
    conf = topology.nginx_config(_scale(tmp_path), [7101, 7102]).read_text()
    assert "daemon off;" in conf
    assert "listen 127.0.0.1:7000;" in conf
    assert "server 127.0.0.1:7101 " in conf and "server 127.0.0.1:7102 " in conf
    assert "proxy_next_upstream error timeout" in conf  # a dead replica is skipped
    assert str(tmp_path) in conf  # pid, temp files and logs stay in VAR_DIR / LOG_DIR


def test_missing_nginx_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topology, "find_nginx", lambda: None)
    with pytest.raises(RuntimeError, match="needs nginx.*system-deps.sh --scale"):
        topology.scale_services(_scale(tmp_path), tmp_path / "e.yml", "t")


def test_replica_ports_default_to_the_ports_after_rasa_port(tmp_path: Path) -> None:
    settings = _scale(tmp_path)
    assert topology.replica_ports(settings) == [7001, 7002]
    assert topology.replica_ports(settings, [9, 8, 7]) == [9, 8]


def test_scale_settings_defaults_and_limits() -> None:
    scale = Settings(profile="scale", secret_key=SecretStr("k"))
    assert scale.database_url.endswith("/shop_crm") and scale.tracker_url.endswith("/shop_tracker")
    assert (scale.rasa_replicas, scale.action_workers) == (2, 2)
    assert scale.redis_url.startswith("redis://127.0.0.1:6379/")
    embedded = Settings()
    assert embedded.tracker_url.startswith("sqlite:///") and embedded.rabbitmq_url == ""
    with pytest.raises(ValueError, match="between 1 and 8"):
        Settings(rasa_replicas=0)


def test_a_token_starting_with_a_dash_reaches_rasa_whole(tmp_path: Path) -> None:
    """secrets.token_urlsafe() starts with "-" once in 64 runs: as a separate argument
    Rasa's argparse took it for an option and the server exited."""
    import argparse

    service = topology.rasa_service(Settings(var_dir=tmp_path), "rasa", 7001, tmp_path, "-Ab_c")
    parser = argparse.ArgumentParser()
    parser.add_argument("--auth-token")
    known, _ = parser.parse_known_args(service.command[3:])
    assert known.auth_token == "-Ab_c"


@contextmanager
def _replica(name: str) -> Iterator[int]:
    """A stand-in Rasa replica that answers with its own name."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def _post(port: int, path: str, conversation: Optional[str]) -> str:
    headers: Dict[str, str] = {"Content-Type": "application/json"}
    if conversation is not None:
        headers["X-Conversation-Id"] = conversation
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=b"{}", headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return str(answer.read().decode())


def test_nginx_keeps_each_conversation_on_one_replica(tmp_path: Path) -> None:
    nginx = topology.find_nginx()
    if nginx is None:
        if os.environ.get("CI") == "true":
            pytest.fail(topology.NGINX_MISSING)
        pytest.skip(topology.NGINX_MISSING)
    settings = _scale(tmp_path).copy(update={"rasa_port": free_port()})
    with _replica("a") as port_a, _replica("b") as port_b:
        proxy = topology.proxy_service(settings, [port_a, port_b])
        process = subprocess.Popen(proxy.command, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    _post(settings.rasa_port, "/webhooks/website/webhook", None)
                    break
                except (urllib.error.URLError, ConnectionError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            webhook = "/webhooks/website/webhook"
            routes: Dict[str, List[str]] = {
                f"conv-{i}": [_post(settings.rasa_port, webhook, f"conv-{i}") for _ in range(4)]
                for i in range(40)
            }
            assert all(len(set(replies)) == 1 for replies in routes.values())  # sticky
            first = {conv: replies[0] for conv, replies in routes.items()}
            assert set(first.values()) == {"a", "b"}  # and spread over both
            # the console's API calls for a conversation reach its replica too
            for conv in list(first)[:10]:
                path = f"/conversations/{conv}/tracker/events"
                assert _post(settings.rasa_port, path, None) == first[conv]
            # requests without an id are spread
            spread = {_post(settings.rasa_port, webhook, None) for _ in range(30)}
            assert spread == {"a", "b"}
        finally:
            process.terminate()
            process.wait(timeout=10)
