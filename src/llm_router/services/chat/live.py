"""Where a running answer's text lives while it is generated, for live subscribers.

``LiveMessage``: in this process, the text so far plus a wake-up for waiting subscribers. Subscribers
keep character offsets, so they can never miss or repeat text however the deltas were cut.

``RedisRelay``: the same events on a Redis stream per message (``XADD``), so a subscriber connected to
another server process reads them from the start and skips what it already has. A stream (not pub/sub)
because a late subscriber must see what was published before it arrived, with no gap.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # redis is imported only when a Redis URL is configured (start-up time and memory)
    import redis.asyncio as redis_asyncio

log = logging.getLogger(__name__)

KEY_PREFIX = "llm-router:message:"
KEEP_FINISHED_SECONDS = 3600  # a finished stream stays readable an hour; the database has it forever
KEEP_RUNNING_SECONDS = 24 * 3600


@dataclass(slots=True)
class LiveMessage:
    """The text of one running message, grown by its job, read by any number of subscribers."""

    message_id: str
    text: str = ""
    reasoning: str = ""
    final: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def _notify(self) -> None:
        # Subscribers hold the old event; setting it wakes them all, the fresh one is for the next wait.
        old, self.changed = self.changed, asyncio.Event()
        old.set()

    def append(self, kind: Literal["text", "reasoning"], delta: str) -> None:
        if kind == "text":
            self.text += delta
        else:
            self.reasoning += delta
        self._notify()

    def finish(self) -> None:
        self.final = True
        self._notify()


@dataclass(frozen=True, slots=True)
class RelayEntry:
    entry_id: str
    kind: str  # text | reasoning | done
    start: int  # offset of ``text`` within the message's text (or reasoning)
    text: str


class RedisRelay:
    """Publishes job events to Redis streams and reads them back, from any process."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis_asyncio

        self.client: redis_asyncio.Redis = redis_asyncio.Redis.from_url(url, decode_responses=True)

    @staticmethod
    def key(message_id: str) -> str:
        return f"{KEY_PREFIX}{message_id}"

    async def publish(self, message_id: str, kind: str, start: int, text: str) -> None:
        key = self.key(message_id)
        if kind == "start":  # a continued message starts a fresh stream (the old one ended "done")
            await self.client.delete(key)
        await self.client.xadd(key, {"k": kind, "s": str(start), "t": text})
        if kind == "start":
            await self.client.expire(key, KEEP_RUNNING_SECONDS)
        elif kind == "done":
            await self.client.expire(key, KEEP_FINISHED_SECONDS)

    async def read(self, message_id: str, after: str, block_ms: int) -> list[RelayEntry]:
        """Entries after ``after`` ("0" for all), waiting up to ``block_ms`` for the first one."""
        answer: Any = await self.client.xread({self.key(message_id): after}, block=block_ms, count=500)
        entries: list[RelayEntry] = []
        for _key, items in answer or []:
            for entry_id, fields in items:
                entries.append(
                    RelayEntry(entry_id, fields.get("k", ""), int(fields.get("s", 0)), fields.get("t", ""))
                )
        return entries

    async def close(self) -> None:
        await self.client.aclose()


class SafePublisher:
    """A job's view of the relay: a Redis failure is logged once and never breaks the answer."""

    def __init__(self, relay: RedisRelay | None, message_id: str) -> None:
        self.relay = relay
        self.message_id = message_id

    async def publish(self, kind: str, start: int, text: str = "") -> None:
        if self.relay is None:
            return
        from redis.exceptions import RedisError  # already loaded with the relay's client

        try:
            await self.relay.publish(self.message_id, kind, start, text)
        except (RedisError, OSError) as exc:
            log.warning(
                "redis relay failed for message %s (%s); other processes will poll", self.message_id, exc
            )
            self.relay = None
