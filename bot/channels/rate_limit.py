"""Rate limits of the chat channel: per conversation (sender) and per client IP.

Sliding windows ("at most N messages in any S seconds"; refused messages are not
counted), configured by ``CHAT_RATE_PER_SENDER`` and ``CHAT_RATE_PER_IP`` (``"30/60"``;
``"0"`` switches a limit off). With ``REDIS_URL`` set (scale profile) the counters live in
Redis, so the limits hold across every Rasa replica; otherwise they are kept in the process.

The client IP is the TCP peer, unless the peer is a trusted proxy (``TRUSTED_PROXIES``,
e.g. the scale profile's nginx on 127.0.0.1): then the right-most address of
``X-Forwarded-For`` that is not itself a trusted proxy. A forged header from an untrusted
peer is ignored.

If Redis is unreachable the channel keeps answering (fail open, logged): a limit is a
protection, never a reason to lose a customer's message.
"""

from __future__ import annotations

import collections
import logging
import math
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Collection, Deque, Dict, Optional, Protocol

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
    """Per-process sliding windows (the embedded profile: one Rasa process)."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._hits: Dict[str, Deque[float]] = {}
        self._lock = threading.Lock()

    async def hit(self, key: str, limit: Limit) -> Optional[int]:
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= MAX_MEMORY_KEYS:
                    self._prune(now, limit.seconds)
                hits = self._hits[key] = collections.deque()
            while hits and hits[0] <= now - limit.seconds:
                hits.popleft()
            if len(hits) >= limit.count:  # refused hits are not counted
                return max(1, math.ceil(hits[0] + limit.seconds - now))
            hits.append(now)
        return None

    def _prune(self, now: float, seconds: int) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - seconds]:
            del self._hits[key]
        if len(self._hits) >= MAX_MEMORY_KEYS:  # all live: forget the quietest half
            for key in sorted(self._hits, key=lambda k: self._hits[k][-1])[: MAX_MEMORY_KEYS // 2]:
                del self._hits[key]


# one atomic step per hit: drop what left the window, refuse if full, else record the hit;
# returns 0 (allowed) or the timestamp of the oldest hit still in the window
_SLIDING_WINDOW = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(window * 1000) + 1000)
  return '0'
end
return redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
"""


class RedisCounter:
    """Sliding windows shared by every Rasa replica (a sorted set of hit times per key,
    updated atomically by a Lua script)."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._failures = 0

    async def hit(self, key: str, limit: Limit) -> Optional[int]:
        now = time.time()
        member = f"{now:.6f}-{secrets.token_hex(4)}"
        try:
            oldest = await self._redis.eval(
                _SLIDING_WINDOW, 1, f"{KEY_PREFIX}{key}:{limit.seconds}",
                now, limit.seconds, limit.count, member,
            )  # fmt: skip
        except Exception as error:  # noqa: BLE001 - fail open: never drop a message for it
            self._failures += 1
            if self._failures == 1 or self._failures % 100 == 0:
                logger.warning("chat rate limit: Redis unavailable (%s); not limiting", error)
            return None
        first = float(oldest)
        if first == 0:
            return None
        return max(1, math.ceil(first + limit.seconds - now))


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
