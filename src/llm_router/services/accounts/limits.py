"""Limits: login-failure throttling and per-user / per-token request rate limits.

Two implementations behind one interface (``RequestLimiter``, ``FailureCounter``): in memory, counted
per server process; and in Redis (``LLM_ROUTER_REDIS_URL``), counted once for every process sharing that
Redis, each step one Lua script so concurrent requests from several processes cannot double-spend. The
Redis clock (``TIME``) is the only clock, so processes whose clocks differ still agree.

When Redis cannot be reached, the Redis versions count in memory instead (per process, as without
Redis) and log a warning, then try Redis again a few seconds later: an outage neither stops every
request (failing closed) nor lifts the limits entirely (failing open).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from llm_router.core.errors import TooManyRequests

if TYPE_CHECKING:  # redis is imported only when a Redis URL is configured (start-up time and memory)
    from redis import asyncio as redis_asyncio

log = logging.getLogger(__name__)

Clock = Callable[[], float]
T = TypeVar("T")
_MAX_KEYS = 50_000  # a flood of distinct keys must not grow memory without bound
KEY_PREFIX = "llm-router:limits:"
REDIS_RETRY_SECONDS = 5.0  # after a Redis failure, count in memory this long before trying again
REDIS_TIMEOUT = 1.0
SLOW_DOWN = "too many requests: slow down and retry later"


class RequestLimiter(Protocol):
    async def check(self, key: str) -> None:
        """Count one request for ``key``, or raise 429 with the wait until the next one is allowed."""
        ...


class FailureCounter(Protocol):
    async def retry_after(self, key: str) -> float | None:
        """Seconds until ``key`` may try again, or None when it may try now."""
        ...

    async def record_failure(self, key: str) -> None: ...

    async def reset(self, key: str) -> None: ...


# ---------------------------------------------------------------- in memory


class FailureThrottle:
    """At most ``limit`` failures per key in a sliding ``window``; further attempts are refused."""

    def __init__(self, limit: int = 10, window: float = 60.0, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    async def retry_after(self, key: str) -> float | None:
        failures = self._recent(key)
        if len(failures) < self.limit:
            return None
        # allowed again once enough failures have aged out to leave fewer than ``limit``
        return failures[len(failures) - self.limit] + self.window - self.clock()

    async def record_failure(self, key: str) -> None:
        if len(self._failures) >= _MAX_KEYS:
            self._prune()
        self._failures.setdefault(key, deque()).append(self.clock())

    async def reset(self, key: str) -> None:
        self._failures.pop(key, None)

    def _prune(self) -> None:
        for key in list(self._failures):
            self._recent(key)
        if len(self._failures) >= _MAX_KEYS:  # still full: forget the oldest half
            for key in list(self._failures)[: _MAX_KEYS // 2]:
                del self._failures[key]


@dataclass
class _Bucket:
    tokens: float
    updated: float = field(default=0.0)


class RateLimiter:
    """A token bucket per key: ``per_minute`` requests a minute, bursts up to the same number."""

    def __init__(self, per_minute: int, clock: Clock = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    async def check(self, key: str) -> None:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _MAX_KEYS:
                self._buckets.clear()  # losing counts is safer than running out of memory
            bucket = self._buckets[key] = _Bucket(tokens=self.capacity, updated=now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.refill_per_second)
        bucket.updated = now
        if bucket.tokens < 1.0:
            wait = (1.0 - bucket.tokens) / self.refill_per_second
            raise TooManyRequests(SLOW_DOWN, retry_after=wait)
        bucket.tokens -= 1.0


# ---------------------------------------------------------------- Redis

_NOW_MS = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000 "

# KEYS[1] bucket; ARGV capacity, refill per ms. Returns the wait in ms ("0": allowed, one token taken).
_TAKE_TOKEN = (
    _NOW_MS
    + """
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * per_ms)
local wait = 0
if tokens < 1 then wait = (1 - tokens) / per_ms else tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / per_ms) + 1000)
return tostring(wait)
"""
)

# KEYS[1] sorted set of failure times; ARGV window ms, limit. Returns the wait in ms, or nil.
_RETRY_AFTER = (
    _NOW_MS
    + """
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then return false end
local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""
)

# KEYS[1] sorted set of failure times; ARGV window ms, a unique member.
_RECORD_FAILURE = (
    _NOW_MS
    + """
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], math.ceil(window))
return 1
"""
)


class RedisLimits:
    """The Redis connection the limits share, and what they do when it fails (count in memory)."""

    def __init__(self, url: str, *, prefix: str | None = None, clock: Clock = time.monotonic) -> None:
        from redis import asyncio as redis_asyncio

        self.client: redis_asyncio.Redis = redis_asyncio.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        self.prefix = KEY_PREFIX if prefix is None else prefix
        self.clock = clock
        self._down_until: float | None = None  # set while Redis is considered unreachable
        self.take_token = self.client.register_script(_TAKE_TOKEN)
        self.retry_after = self.client.register_script(_RETRY_AFTER)
        self.record_failure = self.client.register_script(_RECORD_FAILURE)

    async def run(self, call: Callable[[], Awaitable[T]], fallback: Callable[[], Awaitable[T]]) -> T:
        from redis.exceptions import RedisError  # already loaded with the client

        if self._down_until is not None and self.clock() < self._down_until:
            return await fallback()
        try:
            result = await call()
        except (RedisError, OSError) as exc:
            if self._down_until is None:
                log.warning(
                    "Redis is unreachable for the rate limits (%s): counting in this process only until "
                    "it is back",
                    type(exc).__name__,
                )
            self._down_until = self.clock() + REDIS_RETRY_SECONDS
            return await fallback()
        if self._down_until is not None:
            log.warning("Redis is reachable again: rate limits are shared between processes again")
            self._down_until = None
        return result

    async def close(self) -> None:
        await self.client.aclose()


def _seconds(value: Any) -> float:
    return float(value.decode() if isinstance(value, bytes) else value) / 1000.0


class RedisRateLimiter:
    """``RateLimiter``'s token bucket, kept in Redis: every process takes from the same bucket."""

    def __init__(self, redis: RedisLimits, per_minute: int) -> None:
        self.redis = redis
        self.capacity = per_minute
        self.per_ms = per_minute / 60_000.0
        self.local = RateLimiter(per_minute)

    async def check(self, key: str) -> None:
        async def shared() -> float:
            args: list[str | int] = [self.capacity, repr(self.per_ms)]
            return _seconds(await self.redis.take_token(keys=[f"{self.redis.prefix}rate:{key}"], args=args))

        async def local() -> float:
            await self.local.check(key)  # raises 429 itself
            return 0.0

        wait = await self.redis.run(shared, local)
        if wait > 0:
            raise TooManyRequests(SLOW_DOWN, retry_after=wait)


class RedisFailureThrottle:
    """``FailureThrottle``'s sliding window, kept in Redis (a sorted set of failure times per key)."""

    def __init__(self, redis: RedisLimits, name: str, limit: int = 10, window: float = 60.0) -> None:
        self.redis = redis
        self.name = name
        self.limit = limit
        self.window_ms = int(window * 1000)
        self.local = FailureThrottle(limit, window)

    def _key(self, key: str) -> str:
        return f"{self.redis.prefix}fail:{self.name}:{key}"

    async def retry_after(self, key: str) -> float | None:
        async def shared() -> float | None:
            wait = await self.redis.retry_after(keys=[self._key(key)], args=[self.window_ms, self.limit])
            return None if wait is None else max(0.0, _seconds(wait))

        return await self.redis.run(shared, lambda: self.local.retry_after(key))

    async def record_failure(self, key: str) -> None:
        async def shared() -> None:
            member = secrets.token_hex(8)
            await self.redis.record_failure(keys=[self._key(key)], args=[self.window_ms, member])

        await self.redis.run(shared, lambda: self.local.record_failure(key))

    async def reset(self, key: str) -> None:
        async def shared() -> None:
            await self.redis.client.delete(self._key(key))

        await self.local.reset(key)
        await self.redis.run(shared, lambda: self.local.reset(key))
