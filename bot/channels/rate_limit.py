"""Rate limits of the chat channel: per conversation (sender) and per client IP.

Fixed-window counters ("at most N messages per S seconds"), configured by
``CHAT_RATE_PER_SENDER`` and ``CHAT_RATE_PER_IP`` (``"30/60"``; ``"0"`` switches a limit
off). With ``REDIS_URL`` set (scale profile) the counters live in Redis, so the limits hold
across every Rasa replica; otherwise they are kept in the process.

The client IP is the TCP peer, unless the peer is a trusted proxy (``TRUSTED_PROXIES``,
e.g. the scale profile's nginx on 127.0.0.1): then the right-most address of
``X-Forwarded-For`` that is not itself a trusted proxy. A forged header from an untrusted
peer is ignored.

If Redis is unreachable the channel keeps answering (fail open, logged): a limit is a
protection, never a reason to lose a customer's message.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Collection, Dict, Optional, Protocol, Tuple

logger = logging.getLogger(__name__)
KEY_PREFIX = "shop:chat-rate:"
MAX_MEMORY_KEYS = 100_000


@dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per ``seconds``."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Optional["Limit"]:
        """``"30/60"`` -> 30 per 60 s; ``""`` or ``"0"`` -> no limit."""
        text = (text or "").strip()
        if text in ("", "0", "off"):
            return None
        count, _, seconds = text.partition("/")
        try:
            limit = cls(int(count), int(seconds or 60))
        except ValueError as error:
            raise ValueError(f"rate limit {text!r} is not 'COUNT/SECONDS'") from error
        if limit.count < 1 or limit.seconds < 1:
            raise ValueError(f"rate limit {text!r} must be positive")
        return limit


class Counter(Protocol):
    async def hit(self, key: str, limit: Limit) -> Optional[int]:
        """Count one hit; seconds to wait if it is over the limit, else None."""


class MemoryCounter:
    """Per-process fixed windows (the embedded profile: one Rasa process)."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._windows: Dict[str, Tuple[float, int]] = {}
        self._lock = threading.Lock()

    async def hit(self, key: str, limit: Limit) -> Optional[int]:
        now = self._clock()
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now - start >= limit.seconds:
                start, count = now, 0
            count += 1
            if len(self._windows) >= MAX_MEMORY_KEYS and key not in self._windows:
                self._prune(now, limit.seconds)
            self._windows[key] = (start, count)
        if count > limit.count:
            return max(1, math.ceil(start + limit.seconds - now))
        return None

    def _prune(self, now: float, seconds: int) -> None:
        expired = [k for k, (start, _) in self._windows.items() if now - start >= seconds]
        for key in expired:
            del self._windows[key]
        if len(self._windows) >= MAX_MEMORY_KEYS:  # all live: forget the oldest half
            for key in sorted(self._windows, key=lambda k: self._windows[k][0])[
                : MAX_MEMORY_KEYS // 2
            ]:
                del self._windows[key]


class RedisCounter:
    """Windows shared by every Rasa replica (INCR + EXPIRE on one key per window)."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._failures = 0

    async def hit(self, key: str, limit: Limit) -> Optional[int]:
        window = int(time.time() // limit.seconds)
        name = f"{KEY_PREFIX}{key}:{limit.seconds}:{window}"
        try:
            pipe = self._redis.pipeline()
            pipe.incr(name)
            pipe.expire(name, limit.seconds + 1)
            count, _ = await pipe.execute()
        except Exception as error:  # noqa: BLE001 - fail open: never drop a message for it
            self._failures += 1
            if self._failures == 1 or self._failures % 100 == 0:
                logger.warning("chat rate limit: Redis unavailable (%s); not limiting", error)
            return None
        if int(count) > limit.count:
            return max(1, math.ceil((window + 1) * limit.seconds - time.time()))
        return None


def client_ip(peer: str, forwarded_for: str, trusted_proxies: Collection[str]) -> str:
    """The client's address: the peer, or through trusted proxies the right-most
    ``X-Forwarded-For`` entry that is not a trusted proxy."""
    if peer not in trusted_proxies or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted_proxies:
            return hop[:64]
    return peer


class ChatRateLimiter:
    """The two limits of the chat channel over one counter store."""

    def __init__(
        self,
        per_sender: Optional[Limit],
        per_ip: Optional[Limit],
        counter: Counter,
        trusted_proxies: Collection[str] = (),
    ) -> None:
        self.per_sender = per_sender
        self.per_ip = per_ip
        self.counter = counter
        self.trusted_proxies = frozenset(trusted_proxies)

    @classmethod
    def from_settings(cls, settings: Any) -> "ChatRateLimiter":
        counter: Counter = (
            RedisCounter(settings.redis_url) if settings.redis_url else MemoryCounter()
        )
        proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
        return cls(
            Limit.parse(settings.chat_rate_per_sender),
            Limit.parse(settings.chat_rate_per_ip),
            counter,
            proxies,
        )

    def ip_of(self, peer: str, forwarded_for: str) -> str:
        return client_ip(peer, forwarded_for, self.trusted_proxies)

    async def check_ip(self, ip: str) -> Optional[int]:
        if self.per_ip is None or not ip:
            return None
        return await self.counter.hit(f"ip:{ip}", self.per_ip)

    async def check_sender(self, sender: str) -> Optional[int]:
        if self.per_sender is None:
            return None
        return await self.counter.hit(f"sender:{sender}", self.per_sender)
