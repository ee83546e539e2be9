"""In-process limits: login-failure throttling and per-user / per-token request rate limits.

Both live in memory (one process). Behind several replicas each replica counts on its own, which
multiplies the allowance by the number of replicas; the numbers are small enough for that to be safe.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from llm_router.core.errors import TooManyRequests

Clock = Callable[[], float]
_MAX_KEYS = 50_000  # a flood of distinct keys must not grow memory without bound


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

    def retry_after(self, key: str) -> float | None:
        """Seconds until ``key`` may try again, or None when it may try now."""
        failures = self._recent(key)
        if len(failures) < self.limit:
            return None
        return failures[0] + self.window - self.clock()

    def record_failure(self, key: str) -> None:
        if len(self._failures) >= _MAX_KEYS:
            self._prune()
        self._failures.setdefault(key, deque()).append(self.clock())

    def reset(self, key: str) -> None:
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

    def check(self, key: str) -> None:
        """Take one token for ``key`` or raise 429 with the wait until the next token."""
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
            raise TooManyRequests("too many requests: slow down and retry later", retry_after=wait)
        bucket.tokens -= 1.0


def rate_limiter_from(app_state: object) -> RateLimiter | None:
    """The app's limiter (set up in the lifespan), or None when the app has none yet."""
    limiter = getattr(app_state, "rate_limiter", None)
    return limiter if isinstance(limiter, RateLimiter) else None
