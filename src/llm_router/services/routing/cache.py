"""Exact-match response cache for routes that opt in.

It lives in process memory, not in the database: a hit must cost well under a millisecond (no write,
no round trip), and losing the cache on a restart only costs a repeated upstream call. Entries are
bounded in number and expire after the route's TTL.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, replace
from typing import Any

import orjson

from llm_router.providers.base import ChatRequest, StreamEvent

MAX_ENTRIES = 2000


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    model: str  # the model that produced it
    provider: str
    events: tuple[StreamEvent, ...]  # the answer as it streamed (immutable, so shared safely)
    cost: float | None  # what it cost when it was made: the saving of every later hit


def cache_key(route: str, request: ChatRequest) -> str:
    """SHA-256 over the route/model name, the messages and every parameter that changes the answer."""
    fields: dict[str, Any] = asdict(replace(request, model=route, timeout=None))
    return hashlib.sha256(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()


class ResponseCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, clock: Any = time.monotonic) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[str, tuple[float, CachedAnswer]] = OrderedDict()

    def get(self, key: str) -> CachedAnswer | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self.clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: str, answer: CachedAnswer, ttl_seconds: float) -> None:
        self._entries[key] = (self.clock() + ttl_seconds, answer)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
