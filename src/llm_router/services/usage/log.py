"""The request log: usage events written off the response path, and the filtered list ``/api/logs`` shows."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select

from llm_router.db import models
from llm_router.db.engine import Database
from llm_router.services.usage.records import (
    UsageEvent,
    UsageObserver,
    record_usage,
    record_usage_batch,
)

log = logging.getLogger(__name__)


BATCH_DELAY = 0.1  # seconds the first event of a batch waits for others to share its transaction
MAX_BATCH = 500


class UsageWriter:
    """Writes usage events in batches from one background task, so no ``/v1`` response waits for the
    database and a busy server makes one short write transaction per batch instead of one per request.

    ``submit`` only queues; the event itself (pricing included) is made in the writer task. ``drain()``
    (at shutdown, and in tests) writes everything still queued, so none is lost on a clean stop.
    """

    def __init__(
        self, db: Database, *, delay: float = BATCH_DELAY, observer: UsageObserver | None = None
    ) -> None:
        self.db = db
        self.observer = observer
        self.delay = delay
        self._queued: list[Callable[[], UsageEvent]] = []
        self._task: asyncio.Task[None] | None = None
        self._flush_now = asyncio.Event()

    def submit(self, make_event: Callable[[], UsageEvent]) -> None:
        """Queue an event to be made and stored after the response has gone out."""
        self._queued.append(make_event)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            while self._queued:
                with contextlib.suppress(TimeoutError):  # wait for more events, unless draining
                    await asyncio.wait_for(self._flush_now.wait(), self.delay)
                batch, self._queued = self._queued[:MAX_BATCH], self._queued[MAX_BATCH:]
                await self._write(batch)
        finally:
            self._task = None

    async def _write(self, batch: list[Callable[[], UsageEvent]]) -> None:
        events: list[UsageEvent] = []
        for make_event in batch:
            try:
                events.append(make_event())
            except Exception:  # a lost log row must never break serving; say so loudly instead
                log.exception("could not make a usage event")
        if self.observer is not None:
            for event in events:
                self.observer(event)
        try:
            await record_usage_batch(self.db, events)
        except Exception:
            log.warning("could not record %d usage events at once; trying one by one", len(events))
            for event in events:  # one bad row must not lose the others
                try:
                    await record_usage(self.db, event)
                except Exception:
                    log.exception("could not record a usage event")

    async def drain(self) -> None:
        """Write every queued event now and wait until it is stored."""
        self._flush_now.set()
        try:
            while self._task is not None:
                await asyncio.shield(self._task)
        finally:
            self._flush_now.clear()


# What a usage row's ``status`` and ``source`` can be (the values ``/api/logs`` filters accept).
LogStatus = Literal["ok", "error", "cancelled", "interrupted"]
# A new kind of usage row (a new surface) adds its ``source`` here, or /api/logs refuses to filter by it.
LogSource = Literal["chat", "title", "memory", "openai", "anthropic", "images", "audio"]


class UnknownCursor(LookupError):
    """The page cursor names no row of this owner's log."""


@dataclass(frozen=True, slots=True)
class LogFilter:
    model: str | None = None
    status: LogStatus | None = None
    source: LogSource | None = None
    since: datetime | None = None
    cache_hit: bool | None = None


async def list_requests(
    db: Database, owner_id: str, filters: LogFilter, *, limit: int, before: str | None
) -> tuple[list[models.UsageEvent], str | None]:
    """The owner's newest events first; ``before`` is the id of the last row of the previous page."""
    table = models.UsageEvent
    query = select(table).where(table.owner_id == owner_id)
    if filters.model:
        query = query.where((table.model == filters.model) | (table.requested_model == filters.model))
    if filters.status:
        query = query.where(table.status == filters.status)
    if filters.source:
        query = query.where(table.source == filters.source)
    if filters.since is not None:
        query = query.where(table.created_at >= filters.since)
    if filters.cache_hit is not None:
        query = query.where(table.cache_hit.is_(filters.cache_hit))
    async with db.read() as session:
        if before:
            anchor = await session.scalar(
                select(table.created_at).where(table.id == before, table.owner_id == owner_id)
            )
            if anchor is None:
                raise UnknownCursor(before)
            query = query.where(
                (table.created_at < anchor) | ((table.created_at == anchor) & (table.id < before))
            )
        rows = list(
            await session.scalars(query.order_by(table.created_at.desc(), table.id.desc()).limit(limit + 1))
        )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)
