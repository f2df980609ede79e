"""Start the whole assistant: action server, Rasa server and web app.

``python -m bot.run`` (what ``make run`` calls after the bootstrap) starts the three
processes, waits until each answers its health check, prints the URLs, and stops all of
them cleanly on Ctrl-C or when one of them dies. Each process logs to ``var/log/``.
The :class:`Stack` class is also what the end-to-end tests use to start real servers.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.endpoints import write_endpoints
from bot.paths import model_path
from crm_backend.settings import PROJECT_ROOT, Settings, get_settings

STARTUP_TIMEOUT = 240.0


@dataclass
class Service:
    name: str
    command: List[str]
    health_url: str
    process: Optional[subprocess.Popen] = None
    log_path: Optional[Path] = None


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback
            return bool(answer.status == 200)
    except OSError:
        return False


@dataclass
class Stack:
    """The three processes of one running assistant."""

    settings: Settings
    env: Dict[str, str] = field(default_factory=dict)
    services: List[Service] = field(default_factory=list)

    def _environment(self) -> Dict[str, str]:
        s = self.settings
        return {
            **os.environ,
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "DATABASE_URL": s.database_url,
            "VAR_DIR": str(s.var_dir),
            "MODEL_DIR": str(s.model_dir),
            "LOG_DIR": str(s.log_dir),
            "HOST": s.host,
            "RASA_PORT": str(s.rasa_port),
            "ACTION_PORT": str(s.action_port),
            "WEB_PORT": str(s.web_port),
            **self.env,
        }

    def build(self) -> None:
        s = self.settings
        py = sys.executable
        endpoints_file = write_endpoints(s, s.var_dir / "endpoints.yml")
        token = os.environ.get("RASA_TOKEN") or secrets.token_urlsafe(24)
        self.env.setdefault("RASA_TOKEN", token)
        self.services = [
            Service(
                "actions",
                [py, "-m", "rasa_sdk", "--actions", "actions", "--port", str(s.action_port)],
                f"http://{s.host}:{s.action_port}/health",
            ),
            Service(
                "rasa",
                [
                    py,
                    "-m",
                    "rasa",
                    "run",
                    "--model",
                    str(model_path(s)),
                    "--endpoints",
                    str(endpoints_file),
                    "--credentials",
                    "credentials.yml",
                    "--interface",
                    s.host,
                    "--port",
                    str(s.rasa_port),
                    "--cors",
                    s.web_url,
                    f"http://localhost:{s.web_port}",
                    "--enable-api",
                    "--auth-token",
                    token,
                ],
                f"http://{s.host}:{s.rasa_port}/webhooks/website/",
            ),
            Service(
                "web",
                [
                    py,
                    "-m",
                    "uvicorn",
                    "crm_backend.web.app:create_app",
                    "--factory",
                    "--host",
                    s.host,
                    "--port",
                    str(s.web_port),
                    "--no-access-log",
                    "--ws",
                    "wsproto",
                ],
                f"http://{s.host}:{s.web_port}/healthz",
            ),
        ]

    def start(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Start every service and wait until all answer their health checks."""
        if not model_path(self.settings).exists():
            raise RuntimeError(f"No model at {model_path(self.settings)}; run `make model`.")
        self.build()
        self.settings.log_dir.mkdir(parents=True, exist_ok=True)
        env = self._environment()
        for service in self.services:
            service.log_path = self.settings.log_dir / f"{service.name}.log"
            log = service.log_path.open("w")
            service.process = subprocess.Popen(
                service.command,
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        pending = list(self.services)
        while pending:
            for service in list(pending):
                if service.process and service.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(
                        f"{service.name} exited with {service.process.returncode}; "
                        f"see {service.log_path}"
                    )
                if _healthy(service.health_url):
                    pending.remove(service)
            if pending and time.monotonic() > deadline:
                self.stop()
                names = ", ".join(s.name for s in pending)
                raise RuntimeError(f"{names} did not come up in {timeout:.0f} s")
            time.sleep(0.5)

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM every process group, then SIGKILL what is still running."""
        for service in reversed(self.services):
            if service.process and service.process.poll() is None:
                os.killpg(service.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for service in self.services:
            if service.process is None:
                continue
            try:
                service.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(service.process.pid, signal.SIGKILL)
                service.process.wait()

    def first_exited(self) -> Optional[Service]:
        return next((s for s in self.services if s.process and s.process.poll() is not None), None)


def main() -> int:
    settings = get_settings()
    stack = Stack(settings)
    print(
        f"Starting the action server, Rasa and the web app (logs in {settings.log_dir}) ...",
        flush=True,
    )
    try:
        stack.start()
    except RuntimeError as error:
        print(f"Could not start: {error}", file=sys.stderr)
        return 1
    print(
        "\nThe shop assistant is running:\n"
        f"  Chat page (customer widget):  {settings.web_url}/\n"
        f"  Rasa server:                  {settings.rasa_url}\n"
        f"  Action server:                http://{settings.host}:{settings.action_port}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    exit_code = 0
    while not stopping:
        dead = stack.first_exited()
        if dead:
            print(f"{dead.name} stopped unexpectedly; see {dead.log_path}", file=sys.stderr)
            exit_code = 1
            break
        time.sleep(0.5)
    print("Stopping ...", flush=True)
    stack.stop()
    print("Stopped.")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
