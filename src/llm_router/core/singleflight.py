"""Concurrent callers asking for the same thing share one piece of work.

Why: a short per-process cache (which budgets exist, who an API token belongs to, whether a user has
provider keys of their own) expires for every request in flight at once. At 32 concurrent ``/v1`` calls
each of them then made the same database read, queued on the read pool and the busy event loop (the
user's providers behind a lock, one after another): some calls waited 1-3 s every time a cache expired
(docs/benchmarks.md, "the c=32 tail"). Now the first caller reads and the others await its answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[T]] = {}

    async def run(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        """``work()``'s result, shared with every caller of the same ``key`` while it runs. A caller
        that is cancelled (a client gone) does not cancel the work the others wait for."""
        running = self._running.get(key)
        if running is None:
            running = asyncio.ensure_future(work())
            self._running[key] = running
            running.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(running)

    def _finished(self, key: Hashable, done: asyncio.Future[T]) -> None:
        if self._running.get(key) is done:
            del self._running[key]
        if not done.cancelled():
            done.exception()  # retrieved here: when every waiter left, nobody else would

    def forget(self, key: Hashable | None = None) -> None:
        """Callers from now on start fresh work, for ``key`` or for every key (a write made what is
        running stale); those already waiting get the running work's answer."""
        if key is None:
            self._running.clear()
        else:
            self._running.pop(key, None)
