"""Bounded load generator for the chat endpoint (loopback targets only).

Drives N concurrent conversations x M turns through a running bot's REST-shaped channel
(``POST {url}/webhooks/website/webhook``, or ``rest`` for the bare Rasa starter bot) and
reports per-turn latency percentiles, throughput, errors, the resident memory (VmRSS
from ``/proc``) of the given Rasa processes and the CPU time every given process (with its
workers) used during the run.

Two ways to use it:

- ``python -m benchmarks.load run --url http://127.0.0.1:5005 --pids 123,456`` drives a
  bot that is already running;
- ``python -m benchmarks.load bench --profiles embedded,scale,bare`` starts each stack
  itself on free loopback ports (see ``benchmarks/load_stacks.py``), including the bare
  ``rasa init`` bot, and with ``--write`` puts the results into ``benchmarks/BENCHMARKS.md``.

Every run is bounded: at most ``MAX_CONVERSATIONS`` conversations, ``MAX_TURNS`` turns
each and ``MAX_SECONDS`` seconds; targets outside 127.0.0.0/8 and ::1 are refused.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import socket
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence
from urllib.parse import urlsplit

import aiohttp

MAX_CONVERSATIONS = 2000
MAX_TURNS = 20
MAX_SECONDS = 900.0
REQUEST_TIMEOUT = 60.0
# realistic flows that reach the CRM: greet, where is my order (+ e-mail), a delivery
# question in Chinese, thanks
SHOP_FLOW = (
    "hello",
    "where is my order A1001",
    "alice@example.com",
    "我的包裹什么时候能到？",
    "thanks!",
)
BARE_FLOW = ("hello", "I am feeling a bit sad", "yes, that helped", "goodbye")
APOLOGY_MARKERS = ("something went wrong", "系统出了点问题")


class NotLoopback(ValueError):
    """The target is not on this machine's loopback interface."""


def require_loopback(url: str) -> str:
    """Return ``url`` if every address its host resolves to is loopback; raise otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotLoopback(f"not an http(s) URL: {url!r}")
    host = parts.hostname
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, parts.port or 80, proto=socket.IPPROTO_TCP)
        except socket.gaierror as error:
            raise NotLoopback(f"cannot resolve {host!r}: {error}") from error
        addresses = {ipaddress.ip_address(info[4][0]) for info in infos}
    outside = sorted(str(a) for a in addresses if not a.is_loopback)
    if outside or not addresses:
        raise NotLoopback(f"refusing non-loopback target {host!r} ({', '.join(outside)})")
    return url.rstrip("/")


def rss_kib(pid: int) -> Optional[int]:
    """VmRSS of ``pid`` in KiB (None if the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _tree(pid: int) -> List[int]:
    """``pid`` and its descendants (Sanic workers are children of the server process)."""
    children: Dict[int, List[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its descendants, in seconds."""
    total = 0
    for member in _tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
        except (OSError, ValueError, IndexError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class LoadResult:
    label: str
    conversations: int
    turns_per_conversation: int
    concurrency: int
    latencies_ms: List[float] = field(default_factory=list)
    errors: int = 0
    apologies: int = 0
    error_samples: List[str] = field(default_factory=list)
    seconds: float = 0.0
    rss_mib: Dict[str, float] = field(default_factory=dict)
    # CPU seconds each process (with its workers) used during the measured run
    cpu_s: Dict[str, float] = field(default_factory=dict)
    stopped_early: bool = False
    # paced runs: the turns/s all conversations together are set to send (None: back to back)
    offered_rate: Optional[float] = None

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        cuts = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return cuts[int(q) - 1]

    @property
    def turns(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    def summary(self) -> Dict[str, object]:
        return {
            "label": self.label,
            "conversations": self.conversations,
            "turns_per_conversation": self.turns_per_conversation,
            "concurrency": self.concurrency,
            "offered_turns_per_s": self.offered_rate,
            "turns": self.turns,
            "seconds": round(self.seconds, 2),
            "turns_per_s": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "errors": self.errors,
            "apologies": self.apologies,
            "rss_mib": self.rss_mib,
            "cpu_s": self.cpu_s,
            "stopped_early": self.stopped_early,
            "error_samples": self.error_samples[:5],
        }


class MemorySampler:
    """Peak VmRSS per named process, sampled while the load runs."""

    def __init__(self, pids: Dict[str, int]) -> None:
        self.pids = pids
        self.peak: Dict[str, int] = {}

    def sample(self) -> None:
        for name, pid in self.pids.items():
            value = rss_kib(pid)
            if value is not None:
                self.peak[name] = max(self.peak.get(name, 0), value)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            try:
                await asyncio.wait_for(stop.wait(), 0.5)
            except asyncio.TimeoutError:
                pass
        self.sample()

    def mib(self) -> Dict[str, float]:
        return {name: round(kib / 1024, 1) for name, kib in sorted(self.peak.items())}


async def _conversation(
    session: aiohttp.ClientSession,
    endpoint: str,
    flow: Sequence[str],
    turns: int,
    result: LoadResult,
    deadline: float,
    interval: float = 0.0,
    offset: float = 0.0,
) -> None:
    """One conversation. ``interval`` > 0: a turn starts every ``interval`` seconds (the
    customer reads and types meanwhile), the first after ``offset``; a slow answer makes
    the next turn start as soon as it arrives."""
    sender = f"load-{uuid.uuid4().hex[:16]}"
    next_start = time.monotonic() + offset
    for i in range(turns):
        wait = next_start - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        next_start = time.monotonic() + interval
        if time.monotonic() > deadline:
            result.stopped_early = True
            return
        body = {"sender": sender, "message": flow[i % len(flow)], "metadata": {}}
        started = time.perf_counter()
        try:
            # like the widget: the scale profile's proxy routes a conversation by this id
            headers = {"X-Conversation-Id": sender}
            async with session.post(endpoint, json=body, headers=headers) as answer:
                payload = await answer.text()
                elapsed = (time.perf_counter() - started) * 1000
                if answer.status != 200:
                    result.errors += 1
                    result.error_samples.append(f"HTTP {answer.status}: {payload[:120]}")
                    continue
                replies = json.loads(payload)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            result.errors += 1
            result.error_samples.append(f"{type(error).__name__}: {error}"[:160])
            continue
        result.latencies_ms.append(elapsed)
        texts = " ".join(str(r.get("text", "")) for r in replies if isinstance(r, dict))
        if not replies:
            result.errors += 1
            result.error_samples.append(f"no reply to {body['message']!r}")
        elif any(marker in texts for marker in APOLOGY_MARKERS):
            result.apologies += 1
    # paced: the customer reads the last answer before the conversation makes room for
    # the next one, so the offered rate holds across conversations
    wait = next_start - time.monotonic()
    if interval and wait > 0:
        await asyncio.sleep(min(wait, max(0.0, deadline - time.monotonic())))


async def drive(
    url: str,
    *,
    label: str,
    channel: str = "website",
    flow: Sequence[str] = SHOP_FLOW,
    conversations: int = 50,
    concurrency: int = 50,
    turns: int = 5,
    max_seconds: float = 300.0,
    pids: Optional[Dict[str, int]] = None,
    warmup: int = 2,
    rate: Optional[float] = None,
) -> LoadResult:
    """Run the load; ``conversations`` in total, ``concurrency`` at a time.

    ``rate``: paced load, the conversations together offer ``rate`` turns/s (each sends a
    turn every ``concurrency / rate`` seconds, staggered); without it every conversation
    sends its next turn as soon as the answer arrives (the saturation throughput)."""
    base = require_loopback(url)
    conversations = max(1, min(conversations, MAX_CONVERSATIONS))
    turns = max(1, min(turns, MAX_TURNS))
    concurrency = max(1, min(concurrency, conversations))
    max_seconds = max(1.0, min(max_seconds, MAX_SECONDS))
    endpoint = f"{base}/webhooks/{channel}/webhook"
    result = LoadResult(label, conversations, turns, concurrency, offered_rate=rate)
    interval = concurrency / rate if rate else 0.0
    stagger = random.Random(0)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        warm = LoadResult("warm-up", warmup, len(flow), 1)
        for _ in range(warmup):  # first answers load TensorFlow graphs: not measured
            await _conversation(session, endpoint, flow, len(flow), warm, time.monotonic() + 60)
        rasa_pids = {k: v for k, v in (pids or {}).items() if k.startswith("rasa")}
        sampler = MemorySampler(rasa_pids)
        cpu_before = {name: cpu_seconds(pid) for name, pid in (pids or {}).items()}
        stop = asyncio.Event()
        sampling = asyncio.create_task(sampler.run(stop))
        gate = asyncio.Semaphore(concurrency)
        deadline = time.monotonic() + max_seconds

        async def one(offset: float) -> None:
            async with gate:
                await _conversation(
                    session, endpoint, flow, turns, result, deadline, interval, offset
                )

        started = time.perf_counter()
        # the first wave is staggered over one interval; later conversations take over
        # from finished ones at once
        offsets = [
            stagger.uniform(0, interval) if i < concurrency else 0.0 for i in range(conversations)
        ]
        await asyncio.gather(*(one(offset) for offset in offsets))
        result.seconds = time.perf_counter() - started
        stop.set()
        await sampling
        result.rss_mib = sampler.mib()
        result.cpu_s = {
            name: round(cpu_seconds(pid) - cpu_before[name], 1)
            for name, pid in (pids or {}).items()
        }
    return result


def _pids(text: str) -> Dict[str, int]:
    found: Dict[str, int] = {}
    for i, item in enumerate(p for p in text.split(",") if p.strip()):
        name, _, pid = item.rpartition("=")
        found[name or f"rasa-{i + 1}"] = int(pid)
    return found


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Bounded chat load generator (loopback only)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "bench"):
        p = sub.add_parser(name)
        p.add_argument("--conversations", type=int, default=200)
        p.add_argument("--concurrency", type=int, default=50)
        p.add_argument("--turns", type=int, default=len(SHOP_FLOW))
        p.add_argument("--max-seconds", type=float, default=300.0)
    run = sub.choices["run"]
    run.add_argument("--url", default="http://127.0.0.1:5005")
    run.add_argument("--channel", default="website", choices=("website", "rest"))
    run.add_argument("--pids", default="", help="name=pid,... of the Rasa processes")
    bench = sub.choices["bench"]
    bench.add_argument("--profiles", default="embedded,scale,bare")
    bench.add_argument("--write", action="store_true", help="update benchmarks/BENCHMARKS.md")
    bench.add_argument("--profile-cpu", action="store_true", help="cProfile one Rasa process")
    bench.add_argument(
        "--rates",
        default="",
        help="also run paced loads at these offered turns/s (comma-separated) on each stack",
    )
    run.add_argument("--rate", type=float, default=None, help="paced: offered turns/s")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            require_loopback(args.url)
            flow = SHOP_FLOW if args.channel == "website" else BARE_FLOW
            result = asyncio.run(
                drive(
                    args.url,
                    label="run",
                    channel=args.channel,
                    flow=flow,
                    conversations=args.conversations,
                    concurrency=args.concurrency,
                    turns=args.turns,
                    max_seconds=args.max_seconds,
                    pids=_pids(args.pids),
                    rate=args.rate,
                )
            )
            print(json.dumps(result.summary(), ensure_ascii=False, indent=2))
            return 0 if result.errors == 0 else 1
        from benchmarks.load_stacks import bench_main

        return bench_main(args)
    except NotLoopback as error:
        print(f"refused: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
