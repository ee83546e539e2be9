"""Usage reports for the dashboard: cost and tokens per day/week/month, breakdowns (model, provider,
device, API token, source, user), the most expensive conversations, and every row for export.

Every figure is a sum over ``usage_events`` rows and nothing else, so the dashboard, the CSV and the
totals reconcile exactly. Series and breakdowns read ``usage_daily``, the per-day sums the database keeps
on every insert (migration 0008): a year of one user is a few hundred rows, not a million events. Weeks
(from Monday) and months are rolled up from days here. The most expensive conversations and the export
read the events themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, select

from llm_router.db.engine import Database
from llm_router.db.models import Conversation, UsageDaily, UsageEvent

Bucket = Literal["day", "week", "month"]
GroupBy = Literal["model", "provider", "device", "token", "source", "user"]
GROUP_COLUMNS: dict[str, Any] = {
    "model": UsageDaily.model,
    "provider": UsageDaily.provider,
    "device": UsageDaily.device_id,
    "token": UsageDaily.api_token_id,
    "source": UsageDaily.source,  # chat | openai | anthropic | title: background calls apart
    "user": UsageDaily.owner_id,
}
EXPORT_COLUMNS = (
    "id", "created_at", "owner_id", "source", "provider", "model", "requested_model", "route",
    "device_id", "api_token_id", "conversation_id", "message_id", "status", "error_kind", "cache_hit",
    "tokens_in", "tokens_out", "tokens_reasoning", "tokens_cached", "tokens_cache_write", "cost", "saving",
    "latency_ms", "ttft_ms",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Window:
    """Whose rows (``owner_id=None``: everyone's, for admins) between ``start`` and ``end`` (exclusive)."""

    owner_id: str | None
    start: datetime
    end: datetime

    def conditions(self) -> list[ColumnElement[bool]]:
        found = [UsageEvent.created_at >= self.start, UsageEvent.created_at < self.end]
        if self.owner_id is not None:
            found.append(UsageEvent.owner_id == self.owner_id)
        return found

    def days(self) -> list[ColumnElement[bool]]:
        """The same window over ``usage_daily`` (windows start and end at midnight UTC)."""
        last = (self.end - timedelta(microseconds=1)).date().isoformat()
        found = [UsageDaily.day >= self.start.date().isoformat(), UsageDaily.day <= last]
        if self.owner_id is not None:
            found.append(UsageDaily.owner_id == self.owner_id)
        return found


@dataclass(slots=True)
class Totals:
    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    saving: float = 0.0

    def add(self, other: Totals) -> None:
        self.requests += other.requests
        self.tokens_in += other.tokens_in
        self.tokens_out += other.tokens_out
        self.cost += other.cost
        self.saving += other.saving


def _sums() -> list[Any]:
    return [
        func.count(),
        func.coalesce(func.sum(UsageEvent.tokens_in), 0),
        func.coalesce(func.sum(UsageEvent.tokens_out), 0),
        func.coalesce(func.sum(UsageEvent.cost), 0.0),
        func.coalesce(func.sum(UsageEvent.saving), 0.0),
    ]


def _daily_sums() -> list[Any]:
    return [
        func.coalesce(func.sum(UsageDaily.requests), 0),
        func.coalesce(func.sum(UsageDaily.tokens_in), 0),
        func.coalesce(func.sum(UsageDaily.tokens_out), 0),
        func.coalesce(func.sum(UsageDaily.cost), 0.0),
        func.coalesce(func.sum(UsageDaily.saving), 0.0),
    ]


def _totals(row: Any, offset: int) -> Totals:
    r = row[offset:]
    return Totals(int(r[0]), int(r[1]), int(r[2]), float(r[3]), float(r[4]))


def bucket_start(day: date, bucket: Bucket) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


async def series(db: Database, window: Window, bucket: Bucket) -> list[tuple[date, Totals]]:
    """Totals per bucket, oldest first; buckets without rows are left out."""
    query = select(UsageDaily.day, *_daily_sums()).where(*window.days()).group_by(UsageDaily.day)
    async with db.read() as session:
        rows = (await session.execute(query)).all()
    buckets: dict[date, Totals] = {}
    for row in rows:
        start = bucket_start(date.fromisoformat(str(row[0])), bucket)
        buckets.setdefault(start, Totals()).add(_totals(row, 1))
    return sorted(buckets.items())


async def breakdown(db: Database, window: Window, by: GroupBy) -> list[tuple[str | None, Totals]]:
    """Totals per model (provider, device, …), the most expensive first."""
    column = GROUP_COLUMNS[by]
    cost = func.coalesce(func.sum(UsageDaily.cost), 0.0)
    query = (
        select(column, *_daily_sums()).where(*window.days()).group_by(column).order_by(cost.desc(), column)
    )
    async with db.read() as session:
        rows = (await session.execute(query)).all()
    return [(row[0] or None, _totals(row, 1)) for row in rows]  # '' in usage_daily: none


async def top_conversations(db: Database, window: Window, limit: int) -> list[tuple[str, str, Totals]]:
    """(conversation id, title, totals) of the most expensive conversations in the window."""
    cost = func.coalesce(func.sum(UsageEvent.cost), 0.0)
    query = (
        select(UsageEvent.conversation_id, Conversation.title, *_sums())
        .join(Conversation, Conversation.id == UsageEvent.conversation_id)
        .where(*window.conditions())
        .group_by(UsageEvent.conversation_id, Conversation.title)
        .order_by(cost.desc())
        .limit(limit)
    )
    async with db.read() as session:
        rows = (await session.execute(query)).all()
    return [(row[0], row[1], _totals(row, 2)) for row in rows]


async def export_rows(db: Database, window: Window, page: int = 2000) -> AsyncIterator[list[dict[str, Any]]]:
    """Every row in the window, oldest first, in pages (keyset paging: memory stays flat)."""
    columns = [getattr(UsageEvent, name) for name in EXPORT_COLUMNS]
    after: tuple[datetime, str] | None = None
    while True:
        query = select(*columns).where(*window.conditions())
        if after is not None:
            query = query.where(
                (UsageEvent.created_at > after[0])
                | ((UsageEvent.created_at == after[0]) & (UsageEvent.id > after[1]))
            )
        query = query.order_by(UsageEvent.created_at, UsageEvent.id).limit(page)
        async with db.read() as session:
            rows = [
                dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in (await session.execute(query)).all()
            ]
        if not rows:
            return
        yield rows
        after = (rows[-1]["created_at"], rows[-1]["id"])
