"""The stacks ``python -m benchmarks.load bench`` measures, each on free loopback ports.

- ``embedded``: our assistant as ``make run`` starts it (SQLite CRM + tracker store).
- ``scale``: ``PROFILE=scale`` (PostgreSQL, Redis locks, RabbitMQ broker, replicas behind
  nginx) on throw-away databases / queue created for the run and removed afterwards.
- ``bare``: the ``rasa init --no-prompt`` starter bot, generated and trained once into
  ``/tmp/shop-bench-bare`` and served with ``rasa run`` (REST channel): the reference
  our overhead is measured against.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from pydantic import SecretStr

from benchmarks.load import BARE_FLOW, SHOP_FLOW, LoadResult, drive
from benchmarks.load_report import machine_info, write_section
from bot.run import Stack
from bot.scale_admin import drop_databases, drop_queue
from bot.service import Service
from crm_backend.settings import Settings, get_settings

BARE_DIR = Path(tempfile.gettempdir()) / "shop-bench-bare"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ProfiledStack(Stack):
    """A stack whose Rasa runs under cProfile (written to ``profile_path`` at exit)."""

    profile_path: Optional[Path] = None

    def build(self) -> None:
        super().build()
        if self.profile_path is not None:
            rasa = next(s for s in self.services if s.name.startswith("rasa"))
            rasa.command[1:2] = ["-m", "cProfile", "-o", str(self.profile_path), "-m"]


def _base_settings(var: Path, **extra: Any) -> Settings:
    base = get_settings()
    return Settings(
        var_dir=var,
        log_dir=var / "log",
        model_dir=base.model_dir,
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        secret_key=SecretStr(secrets.token_urlsafe(24)),
        # the load generator is one client on 127.0.0.1 driving many conversations fast
        chat_rate_per_sender="0",
        chat_rate_per_ip="0",
        **extra,
    )


def rates(args: argparse.Namespace) -> List[float]:
    """The offered rates of ``--rates`` (paced runs after the saturation run)."""
    return [float(r) for r in str(getattr(args, "rates", "") or "").split(",") if r.strip()]


def _loads(args: argparse.Namespace, url: str, **options: Any) -> List[LoadResult]:
    """The saturation run, then one paced run per ``--rates`` value, on one running stack."""
    common = dict(
        conversations=args.conversations,
        concurrency=args.concurrency,
        turns=args.turns,
        max_seconds=args.max_seconds,
        **options,
    )
    results = [asyncio.run(drive(url, **common))]
    for rate in rates(args):
        results.append(asyncio.run(drive(url, rate=rate, warmup=0, **common)))
    return results


def run_stack(
    profile: str, args: argparse.Namespace, work: Path, cpu_profile: Optional[Path]
) -> List[LoadResult]:
    var = work / profile
    tag = f"shop_scale_bench_{os.getpid()}"
    if profile == "scale":
        settings = _base_settings(
            var,
            profile="scale",
            database_url=f"{POSTGRES}/{tag}_crm",
            tracker_db_url=f"{POSTGRES}/{tag}_tracker",
            events_queue=f"{tag}_events",
        )
        stack: Stack = ProfiledStack(settings, replica_ports=[free_port(), free_port()])
    else:
        from crm_backend.migrate import upgrade
        from crm_backend.seed import seed

        settings = _base_settings(var, database_url=f"sqlite:///{var / 'crm.sqlite3'}")
        upgrade(settings.database_url)
        seed(settings.database_url)
        stack = ProfiledStack(settings)
    if isinstance(stack, ProfiledStack):
        stack.profile_path = cpu_profile
    try:
        stack.start()
        pids = {s.name: s.pid for s in stack.services if s.pid}
        return _loads(
            args,
            settings.rasa_url,
            label=profile,
            pids={k: int(v) for k, v in pids.items()},
            flow=SHOP_FLOW,
        )
    finally:
        stack.stop(grace=60.0)
        if profile == "scale":
            drop_databases([f"{tag}_crm", f"{tag}_tracker"])
            drop_queue(settings.rabbitmq_url, settings.events_queue)


def bare_bot() -> Path:
    """``rasa init --no-prompt`` into /tmp once (it trains the starter model)."""
    models = BARE_DIR / "models"
    if models.exists() and any(models.glob("*.tar.gz")):
        return BARE_DIR
    shutil.rmtree(BARE_DIR, ignore_errors=True)
    BARE_DIR.mkdir(parents=True)
    print(f"rasa init --no-prompt into {BARE_DIR} (trains once) ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(BARE_DIR)],
        cwd=BARE_DIR,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    return BARE_DIR


def run_bare(args: argparse.Namespace, work: Path) -> List[LoadResult]:
    directory = bare_bot()
    port = free_port()
    log = work / "bare-rasa.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    service = Service(
        "rasa",
        [sys.executable, "-m", "rasa", "run", "--port", str(port), "-i", "127.0.0.1"],
        f"http://127.0.0.1:{port}/webhooks/rest/",
    )
    service.launch(directory, {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}, work)
    try:
        deadline = time.monotonic() + 240
        while not service.healthy():
            if not service.running() or time.monotonic() > deadline:
                raise RuntimeError(f"bare rasa did not start; see {service.log_path}")
            time.sleep(0.5)
        return _loads(
            args,
            f"http://127.0.0.1:{port}",
            label="bare rasa init",
            channel="rest",
            flow=BARE_FLOW,
            pids={"rasa": int(service.pid or 0)},
        )
    finally:
        service.signal(signal.SIGTERM)
        service.wait(30.0)


def bench_main(args: argparse.Namespace) -> int:
    profiles: List[str] = [p.strip() for p in args.profiles.split(",") if p.strip()]
    work = Path(tempfile.mkdtemp(prefix="shop-bench-"))
    before = machine_info()
    results: Dict[str, LoadResult] = {}
    paced: Dict[str, List[LoadResult]] = {}
    for profile in profiles:
        print(f"== {profile} ==", flush=True)
        cpu = work / f"{profile}.prof" if args.profile_cpu and profile != "bare" else None
        if profile == "bare":
            runs = run_bare(args, work)
        elif profile in ("embedded", "scale"):
            runs = run_stack(profile, args, work, cpu)
        else:
            print(f"unknown profile {profile!r}", file=sys.stderr)
            return 2
        results[profile], paced[profile] = runs[0], runs[1:]
        for run in runs:
            print(json.dumps(run.summary(), ensure_ascii=False), flush=True)
        if cpu and cpu.exists():
            print(f"cProfile of {profile}'s Rasa: {cpu}", flush=True)
    after = machine_info()
    if args.write:
        command = "python -m benchmarks.load bench " + " ".join(sys.argv[2:])
        write_section(
            Path(__file__).with_name("BENCHMARKS.md"), command, results, before, after, paced
        )
        print("benchmarks/BENCHMARKS.md updated")
    print(f"logs: {work}  ({platform.node()})")
    every = [*results.values(), *(r for runs in paced.values() for r in runs)]
    return 0 if all(r.errors == 0 for r in every) else 1
