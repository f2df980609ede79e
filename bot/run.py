"""Start the whole assistant for the configured profile.

``python -m bot.run`` (what ``make run`` calls after the bootstrap) starts the processes of
``settings.profile`` (env ``PROFILE``; see ``bot/topology.py``), waits until each answers
its health check, prints the URLs, and stops all of them cleanly on Ctrl-C or when a
critical one dies (the analytics writer is restarted instead). Each process logs to
``var/log/<name>.log``.

- embedded (default): action server, Rasa, web app, analytics writer.
- scale: PostgreSQL databases created/migrated/seeded, ``RASA_REPLICAS`` Rasa servers
  behind nginx on ``RASA_PORT``, action server with ``ACTION_WORKERS`` workers, web app,
  RabbitMQ analytics consumer.

The :class:`Stack` class is also what the end-to-end and fault tests use to start real
servers (and to kill or restart one of them).
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from bot import topology
from bot.endpoints import write_endpoints
from bot.service import Service, healthy
from crm_backend.settings import PROJECT_ROOT, Settings, get_settings

__all__ = ["Service", "Stack", "healthy", "main"]

STARTUP_TIMEOUT = 240.0


@dataclass
class Stack:
    """The processes of one running assistant."""

    settings: Settings
    env: Dict[str, str] = field(default_factory=dict)
    services: List[Service] = field(default_factory=list)
    # scale profile: ports of the Rasa replicas (default: right after RASA_PORT)
    replica_ports: List[int] = field(default_factory=list)
    # extra arguments of the analytics writer (tests: a short sweep interval)
    analytics_args: List[str] = field(default_factory=list)

    def _environment(self) -> Dict[str, str]:
        s = self.settings
        return {
            **os.environ,
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PROFILE": s.profile,
            "DATABASE_URL": s.database_url,
            "TRACKER_DB_URL": s.tracker_db_url,
            "REDIS_URL": s.redis_url,
            "RABBITMQ_URL": s.rabbitmq_url,
            "EVENTS_QUEUE": s.events_queue,
            "RASA_REPLICAS": str(s.rasa_replicas),
            "ACTION_WORKERS": str(s.action_workers),
            "VAR_DIR": str(s.var_dir),
            "MODEL_DIR": str(s.model_dir),
            "LOG_DIR": str(s.log_dir),
            "HOST": s.host,
            "RASA_PORT": str(s.rasa_port),
            "ACTION_PORT": str(s.action_port),
            "WEB_PORT": str(s.web_port),
            "CHAT_RATE_PER_SENDER": s.chat_rate_per_sender,
            "CHAT_RATE_PER_IP": s.chat_rate_per_ip,
            "TRUSTED_PROXIES": s.trusted_proxies,
            **self.env,
        }

    def build(self) -> None:
        s = self.settings
        endpoints_file = write_endpoints(s, s.var_dir / "endpoints.yml")
        token = os.environ.get("RASA_TOKEN") or secrets.token_urlsafe(24)
        self.env.setdefault("RASA_TOKEN", token)
        # one signing key for all processes (links signed by actions, checked by web)
        self.env.setdefault("SECRET_KEY", s.secret_key.get_secret_value())
        if topology.is_scale(s):
            self.services = topology.scale_services(s, endpoints_file, token, self.replica_ports)
        else:
            self.services = topology.embedded_services(s, endpoints_file, token)
        if self.analytics_args:
            self.service("analytics").command.extend(self.analytics_args)

    def service(self, name: str) -> Service:
        found = next((s for s in self.services if s.name == name), None)
        if found is None:
            raise KeyError(f"no service {name!r} (have {[s.name for s in self.services]})")
        return found

    def start(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Start every service and wait until all answer their health checks."""
        served = topology.served_model_path(self.settings)
        if not served.exists():
            raise RuntimeError(f"No model at {served}; run `make model`.")
        if topology.is_scale(self.settings):
            topology.prepare_scale(self.settings)
        self.build()
        self.settings.log_dir.mkdir(parents=True, exist_ok=True)
        env = self._environment()
        for service in self.services:
            service.launch(PROJECT_ROOT, env, self.settings.log_dir)
        self.wait_healthy(self.services, timeout)

    def wait_healthy(self, services: List[Service], timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        pending = list(services)
        while pending:
            for service in list(pending):
                if service.process and service.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(
                        f"{service.name} exited with {service.process.returncode}; "
                        f"see {service.log_path}"
                    )
                if service.healthy():
                    pending.remove(service)
            if pending and time.monotonic() > deadline:
                self.stop()
                names = ", ".join(s.name for s in pending)
                raise RuntimeError(f"{names} did not come up in {timeout:.0f} s")
            time.sleep(0.5)

    def kill(self, name: str, signum: int = signal.SIGKILL) -> None:
        """Send ``signum`` to one service's process group and wait for it to end."""
        service = self.service(name)
        service.signal(signum)
        service.wait(15.0)

    def restart(self, name: str, timeout: float = STARTUP_TIMEOUT) -> None:
        """(Re)start one service (after :meth:`kill`, or gracefully) and wait for it."""
        service = self.service(name)
        if service.running():
            service.signal(signal.SIGTERM)
            service.wait(15.0)
        topology.refresh_model(service, self.settings)  # Rasa: the promoted version
        service.launch(PROJECT_ROOT, self._environment(), self.settings.log_dir)
        self.wait_healthy([service], timeout)

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM every process group, then SIGKILL what is still running."""
        for service in reversed(self.services):
            service.signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for service in self.services:
            service.wait(deadline - time.monotonic())

    def first_exited(self, critical: Optional[bool] = None) -> Optional[Service]:
        return next(
            (
                s
                for s in self.services
                if s.process
                and s.process.poll() is not None
                and (critical is None or s.critical == critical)
            ),
            None,
        )


def _banner(settings: Settings, stack: Stack) -> str:
    s = settings
    lines = [
        f"\nThe shop assistant is running ({s.profile} profile):",
        f"  Chat page (customer widget):  {s.web_url}/",
        f"  Agent console:                {s.web_url}/console  "
        "(demo: agent / agent123, admin / admin123)",
    ]
    if topology.is_scale(s):
        ports = topology.replica_ports(s, stack.replica_ports)
        lines += [
            f"  Rasa (nginx, sticky):         {s.rasa_url}",
            f"  Rasa replicas:                {', '.join(str(p) for p in ports)}",
            f"  Action server:                http://{s.host}:{s.action_port} "
            f"({s.action_workers} workers)",
            f"  Analytics consumer:           RabbitMQ queue {s.events_queue}",
        ]
    else:
        lines += [
            f"  Rasa server:                  {s.rasa_url}",
            f"  Action server:                http://{s.host}:{s.action_port}",
        ]
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def main() -> int:
    try:
        settings = get_settings()
    except ValueError as error:  # pydantic's ValidationError: a clear message, no trace
        print(f"Invalid configuration: {error}", file=sys.stderr)
        return 2
    stack = Stack(settings)
    print(f"Starting the {settings.profile} profile (logs in {settings.log_dir}) ...", flush=True)
    try:
        stack.start()
    except RuntimeError as error:
        print(f"Could not start: {error}", file=sys.stderr)
        return 1
    print(_banner(settings, stack), flush=True)
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    exit_code = 0
    while not stopping:
        dead = stack.first_exited(critical=True)
        if dead:
            print(f"{dead.name} stopped unexpectedly; see {dead.log_path}", file=sys.stderr)
            exit_code = 1
            break
        helper = stack.first_exited(critical=False)
        if helper:
            print(f"{helper.name} stopped; restarting it (see {helper.log_path})", flush=True)
            helper.launch(PROJECT_ROOT, stack._environment(), settings.log_dir)
        time.sleep(0.5)
    print("Stopping ...", flush=True)
    stack.stop()
    print("Stopped.")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
