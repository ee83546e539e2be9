"""The request log: usage events written off the response path, and the filtered list ``/api/logs`` shows."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from llm_router.db import models
from llm_router.db.engine import Database
from llm_router.services.usage import UsageEvent, record_usage

log = logging.getLogger(__name__)


class UsageWriter:
    """Writes usage events in background tasks, so no ``/v1`` response waits for the database.

    ``drain()`` (at shutdown, and in tests) waits for the writes still in flight, so none is lost on a
    clean stop.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, make_event: Callable[[], UsageEvent]) -> None:
        """Make the event (pricing included) and store it, both after the response has gone out."""
        task = asyncio.get_running_loop().create_task(self._write(make_event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, make_event: Callable[[], UsageEvent]) -> None:
        try:
            await record_usage(self.db, make_event())
        except Exception:  # a lost log row must never break serving; say so loudly instead
            log.exception("could not record a usage event")

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


@dataclass(frozen=True, slots=True)
class LogFilter:
    model: str | None = None
    status: str | None = None
    source: str | None = None
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
            if anchor is not None:
                query = query.where(
                    (table.created_at < anchor) | ((table.created_at == anchor) & (table.id < before))
                )
        rows = list(
            await session.scalars(query.order_by(table.created_at.desc(), table.id.desc()).limit(limit + 1))
        )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)
