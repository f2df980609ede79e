"""Chat rate limits: parsing, windows, the client IP behind proxies, Redis shared between
replicas (real Redis), and failing open when Redis is away."""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any, Coroutine, List, Optional

import pytest

from bot.channels.rate_limit import (
    ChatRateLimiter,
    Limit,
    MemoryCounter,
    RedisCounter,
    client_ip,
)
from crm_backend.settings import Settings
from tests.faults.support import require

REDIS = "redis://127.0.0.1:6379/5"


def run(coro: Coroutine[Any, Any, Optional[int]]) -> Optional[int]:
    return asyncio.run(coro)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("30/60", Limit(30, 60)),
        (" 5/1 ", Limit(5, 1)),
        ("12", Limit(12, 60)),
        ("0", None),
        ("", None),
    ],
)
def test_limits_parse(text: str, expected: object) -> None:
    assert Limit.parse(text) == expected


@pytest.mark.parametrize("text", ["x/60", "5/y", "-1/60", "5/0"])
def test_bad_limits_are_refused_with_a_clear_message(text: str) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        Limit.parse(text)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_memory_windows_slide() -> None:
    clock = Clock()
    counter = MemoryCounter(clock)
    limit = Limit(3, 10)
    assert run(counter.hit("a", limit)) is None
    clock.now += 4
    assert [run(counter.hit("a", limit)) for _ in range(2)] == [None, None]
    assert run(counter.hit("a", limit)) == 6  # the first hit leaves the window in 6 s
    assert run(counter.hit("b", limit)) is None  # other keys are not affected
    clock.now += 6
    assert run(counter.hit("a", limit)) is None  # one slot free again (sliding, no reset)
    assert run(counter.hit("a", limit)) == 4  # the two hits at +4 s are still in


@pytest.mark.parametrize(
    "peer, header, expected",
    [
        ("198.51.100.4", "203.0.113.9", "198.51.100.4"),  # untrusted peer: header ignored
        ("127.0.0.1", "203.0.113.9", "203.0.113.9"),  # through the trusted proxy
        ("127.0.0.1", "10.9.9.9, 203.0.113.9", "203.0.113.9"),  # spoofed left entry ignored
        ("127.0.0.1", "203.0.113.9, 127.0.0.1", "203.0.113.9"),  # proxy chain
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "127.0.0.1", "127.0.0.1"),
    ],
)
def test_client_ip_trusts_only_configured_proxies(peer: str, header: str, expected: str) -> None:
    assert client_ip(peer, header, {"127.0.0.1"}) == expected


def test_limiter_from_settings_per_profile() -> None:
    embedded = ChatRateLimiter.from_settings(Settings())
    assert isinstance(embedded.counter, MemoryCounter)
    assert embedded.per_sender == Limit(30, 60) and embedded.per_ip == Limit(300, 60)
    assert not embedded.trusted_proxies
    off = ChatRateLimiter.from_settings(Settings(chat_rate_per_ip="0"))
    assert off.per_ip is None and run(off.check_ip("203.0.113.1")) is None


def test_redis_windows_are_shared_between_replicas() -> None:
    require("Redis")
    limit = Limit(5, 60)
    key = f"test:{uuid.uuid4().hex}"

    async def hits() -> List[Optional[int]]:
        first, second = RedisCounter(REDIS), RedisCounter(REDIS)  # two Rasa processes
        results: List[Optional[int]] = []
        for i in range(7):
            results.append(await (first if i % 2 else second).hit(key, limit))
        return results

    results = asyncio.run(hits())
    assert results[:5] == [None] * 5
    assert all(wait is not None and 59 <= wait <= 61 for wait in results[5:])


def test_redis_windows_slide_across_clock_boundaries() -> None:
    """A burst straddling a wall-clock minute must not get twice the limit (fixed windows
    aligned to the clock did: the per-IP fault test failed on a clean clone)."""
    require("Redis")
    limit = Limit(4, 2)
    key = f"test:{uuid.uuid4().hex}"

    async def burst() -> List[Optional[int]]:
        counter = RedisCounter(REDIS)
        results: List[Optional[int]] = []
        for _ in range(3):
            results.append(await counter.hit(key, limit))
        await asyncio.sleep(1.1)  # whatever the clock second, the window keeps them
        for _ in range(3):
            results.append(await counter.hit(key, limit))
        await asyncio.sleep(1.0)  # the first three have left the window
        results.append(await counter.hit(key, limit))
        return results

    results = asyncio.run(burst())
    assert results[:4] == [None] * 4 and results[4] is not None and results[5] is not None
    assert results[6] is None


def test_redis_away_fails_open() -> None:
    with socket.socket() as sock:  # a closed port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    counter = RedisCounter(f"redis://127.0.0.1:{port}/0")
    assert [run(counter.hit("k", Limit(1, 60))) for _ in range(3)] == [None, None, None]
