"""Watching one message: the events of ``GET /api/messages/{id}/stream``, from wherever the text is.

Sources, best first: the job's ``LiveMessage`` in this process; the Redis stream of a job in another
process; polling the database row (flushed at least once a second). A finished message replays from the
database. Whatever the source, a ``_Cursor`` holds how many characters of text and reasoning the client
has and only ever sends what lies beyond, so a resume (``Last-Event-ID: "<text>:<reasoning>"``) has no
gap and no duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

from llm_router.db.engine import Database
from llm_router.db.models import Message
from llm_router.services.chat.conversations import RUNNING_STATUSES, get_message
from llm_router.services.chat.live import LiveMessage, RedisRelay
from llm_router.services.chat.manager import GenerationManager

log = logging.getLogger(__name__)

PING_INTERVAL = 15.0
POLL_INTERVAL = 0.5
_EVENT_ID = re.compile(r"^\s*(\d{1,12}):(\d{1,12})\s*$")

EventName = Literal["message", "delta", "reasoning", "done", "ping"]


@dataclass(frozen=True, slots=True)
class StreamItem:
    event: EventName
    message: Message | None = None
    text: str = ""
    offsets: tuple[int, int] = (0, 0)  # what the client has once it applied this event

    @property
    def event_id(self) -> str:
        return f"{self.offsets[0]}:{self.offsets[1]}"


def parse_last_event_id(value: str | None) -> tuple[int, int]:
    """``"120:40"`` → (120, 40); anything else starts from the beginning."""
    match = _EVENT_ID.match(value or "")
    return (int(match[1]), int(match[2])) if match else (0, 0)


class _Cursor:
    def __init__(self, offsets: tuple[int, int]) -> None:
        self.text, self.reasoning = offsets

    def catch_up(self, text: str, reasoning: str) -> list[StreamItem]:
        """Events for whatever of ``text``/``reasoning`` lies beyond what the client has."""
        items: list[StreamItem] = []
        if len(reasoning) > self.reasoning:
            piece, self.reasoning = reasoning[self.reasoning :], len(reasoning)
            items.append(StreamItem("reasoning", text=piece, offsets=(self.text, self.reasoning)))
        if len(text) > self.text:
            piece, self.text = text[self.text :], len(text)
            items.append(StreamItem("delta", text=piece, offsets=(self.text, self.reasoning)))
        return items


class MessageWatch:
    """One subscriber's view: ``open`` checks access (404 before any byte is sent), then ``events``."""

    def __init__(self, db: Database, jobs: GenerationManager, owner_id: str, message_id: str) -> None:
        self.db = db
        self.jobs = jobs
        self.owner_id = owner_id
        self.message_id = message_id

    async def open(self, last_event_id: str | None) -> MessageWatch:
        # an answer running here is served from memory: its turn's row, then the live text
        running = self.jobs.running_message(self.owner_id, self.message_id)
        self.message = running or await get_message(self.db, self.owner_id, self.message_id)
        self.cursor = _Cursor(parse_last_event_id(last_event_id))
        return self

    async def events(self) -> AsyncIterator[StreamItem]:
        with self.jobs.presence.watching(self.message.conversation_id):  # no push while someone looks
            async for item in self._events():
                yield item

    async def _events(self) -> AsyncIterator[StreamItem]:
        cursor = self.cursor
        live = self.jobs.live(self.message_id)
        if live is not None:  # fresher than the last flush (a detached row: nothing is written back)
            self.message.content, self.message.reasoning_content = live.text, live.reasoning
            if (live.text or live.reasoning) and self.message.status == "pending":
                # the row from memory is the turn's, as stored before the first piece arrived: what the
                # next flush writes (a page reloaded mid-answer must not show a streaming answer as waiting)
                self.message.status = "streaming"
        yield StreamItem("message", self.message, offsets=(cursor.text, cursor.reasoning))
        if live is not None:
            source = self._from_live(live)
        elif self.message.status not in RUNNING_STATUSES:
            source = _nothing()
        elif self.jobs.relay is not None:
            source = self._from_relay(self.jobs.relay)
        else:
            source = self._from_database()
        async for item in source:
            yield item
        final = self.jobs.finished_message(self.owner_id, self.message_id) or await get_message(
            self.db, self.owner_id, self.message_id
        )
        for item in cursor.catch_up(final.content, final.reasoning_content):
            yield item
        yield StreamItem("done", final, offsets=(cursor.text, cursor.reasoning))

    async def _from_live(self, live: LiveMessage) -> AsyncIterator[StreamItem]:
        while True:
            changed = live.changed  # taken before reading, so no change can slip between
            for item in self.cursor.catch_up(live.text, live.reasoning):
                yield item
            if live.final:
                return
            if not await _wait(changed, PING_INTERVAL):
                yield StreamItem("ping")

    async def _from_relay(self, relay: RedisRelay) -> AsyncIterator[StreamItem]:
        """The Redis stream, or the database when Redis fails (the cursor makes the switch seamless)."""
        from redis.exceptions import RedisError  # already loaded with the relay's client

        try:
            async for item in self._relay_items(relay):
                yield item
            return
        except (RedisError, OSError) as exc:
            log.warning("redis unavailable while streaming message %s (%s); polling", self.message_id, exc)
        async for item in self._from_database():
            yield item

    async def _relay_items(self, relay: RedisRelay) -> AsyncIterator[StreamItem]:
        """Replays the Redis stream from its first entry; the cursor drops what the client has."""
        text, reasoning, after = "", "", "0"
        while True:
            entries = await relay.read(self.message_id, after, int(PING_INTERVAL * 1000))
            if not entries:
                yield StreamItem("ping")
                if await self._finished():
                    return
                continue
            for entry in entries:
                after = entry.entry_id
                if entry.kind == "done":
                    if await self._finished():
                        return
                    # the end of an earlier run of a continued message: its new stream comes next
                    text, reasoning, after = "", "", "0"
                    break
                if entry.kind == "text":
                    text = text[: entry.start] + entry.text
                elif entry.kind == "reasoning":
                    reasoning = reasoning[: entry.start] + entry.text
            for item in self.cursor.catch_up(text, reasoning):
                yield item

    async def _from_database(self) -> AsyncIterator[StreamItem]:
        waited = 0.0
        while True:
            message = await get_message(self.db, self.owner_id, self.message_id)
            for item in self.cursor.catch_up(message.content, message.reasoning_content):
                yield item
            if message.status not in RUNNING_STATUSES:
                return
            await asyncio.sleep(POLL_INTERVAL)
            waited += POLL_INTERVAL
            if waited >= PING_INTERVAL:
                waited = 0.0
                yield StreamItem("ping")

    async def _finished(self) -> bool:
        message = await get_message(self.db, self.owner_id, self.message_id)
        return message.status not in RUNNING_STATUSES


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
        return True
    return False


async def _nothing() -> AsyncIterator[StreamItem]:
    return
    yield  # an empty async generator
