"""Real stacks for fault injection, started once per package on free ports.

- ``embedded_chat``: the embedded profile (SQLite CRM and tracker store).
- ``scale_chat``: PROFILE=scale with two Rasa replicas behind nginx, PostgreSQL databases,
  Redis locks and a RabbitMQ queue of its own (``shop_scale_t<pid>_<hex>_*``, removed at
  the end). It reaches RabbitMQ through ``rabbit_relay``, a loopback relay the tests
  switch off (a closed port) and on: the shared RabbitMQ server is never touched.

All reuse the project's model (``get_settings().model_dir``; trained only if stale).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import uuid
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from bot.run import Stack
from bot.scale_admin import drop_databases, drop_queue
from bot.train import ensure_model
from crm_backend.migrate import upgrade
from crm_backend.seed import seed
from crm_backend.settings import Settings, get_settings
from tests.faults.support import Chat, free_port, require, wait_for
from tests.faults.tcp_relay import TcpRelay

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
SWEEP_SECONDS = "2"
RABBITMQ_PORT = 5672
REAL_RABBITMQ = f"amqp://guest:guest@127.0.0.1:{RABBITMQ_PORT}/%2F"


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.fspath):
            item.add_marker(pytest.mark.faults)


@pytest.fixture(scope="package")
def model_dir() -> Path:
    base = get_settings()
    ensure_model(base)
    return base.model_dir


def _settings(var: Path, model_dir: Path, **extra: Any) -> Settings:
    return Settings(
        var_dir=var,
        log_dir=var / "log",
        model_dir=model_dir,
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        secret_key=SecretStr(secrets.token_urlsafe(24)),
        **extra,
    )


def _scale(var: Path, model_dir: Path, replicas: int, rabbitmq_url: str) -> Settings:
    tag = f"shop_scale_t{os.getpid()}_{secrets.token_hex(3)}"
    return _settings(
        var,
        model_dir,
        profile="scale",
        database_url=f"{POSTGRES}/{tag}_crm",
        tracker_db_url=f"{POSTGRES}/{tag}_tracker",
        rabbitmq_url=rabbitmq_url,
        events_queue=f"{tag}_events",
        rasa_replicas=replicas,
        action_workers=2,
    )


@contextlib.contextmanager
def _run(settings: Settings, stack: Stack) -> Iterator[Chat]:
    try:
        stack.start()
        yield Chat(settings, stack)
    finally:
        stack.stop()
        if settings.profile == "scale":
            crm, tracker = (
                make_url(u).database for u in (settings.database_url, settings.tracker_url)
            )
            drop_databases([str(crm), str(tracker)])
            drop_queue(REAL_RABBITMQ, settings.events_queue)


@pytest.fixture(scope="package")
def embedded_chat(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chat]:
    var = tmp_path_factory.mktemp("faults_embedded")
    settings = _settings(var, model_dir, database_url=f"sqlite:///{var / 'crm.sqlite3'}")
    upgrade(settings.database_url)
    seed(settings.database_url)
    stack = Stack(settings, analytics_args=["--sweep-seconds", "1"])
    with _run(settings, stack) as chat:
        yield chat


@pytest.fixture(scope="package")
def rabbit_relay() -> Iterator[TcpRelay]:
    """The scale stack's way to RabbitMQ; starts switched off (port closed)."""
    require("RabbitMQ")
    relay = TcpRelay(free_port(), RABBITMQ_PORT)
    yield relay
    relay.close()


@pytest.fixture(scope="package")
def scale_chat(
    model_dir: Path, tmp_path_factory: pytest.TempPathFactory, rabbit_relay: TcpRelay
) -> Iterator[Chat]:
    """Started while RabbitMQ is unreachable (Rasa 3.6's own broker would give up and
    exit); RabbitMQ then comes back and both the broker and the consumer connect."""
    require("PostgreSQL", "Redis", "RabbitMQ", "nginx")
    settings = _scale(
        tmp_path_factory.mktemp("faults_scale"),
        model_dir,
        replicas=2,
        rabbitmq_url=f"amqp://guest:guest@127.0.0.1:{rabbit_relay.port}/%2F",
    )
    stack = Stack(
        settings,
        replica_ports=[free_port(), free_port()],
        analytics_args=["--sweep-seconds", SWEEP_SECONDS],
    )
    with _run(settings, stack) as chat:
        rabbit_relay.up()
        wait_for(lambda: chat.status().get("broker_connected"), 60, "the consumer to connect")
        for replica in ("rasa-1", "rasa-2"):
            wait_for(lambda r=replica: "was established" in chat.log(r), 60, f"{replica} broker")
        yield chat


@pytest.fixture
def sender() -> str:
    return uuid.uuid4().hex
