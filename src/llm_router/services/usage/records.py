"""Usage records: one row per upstream call (chat, ``/v1`` traffic, titles) and the totals built from them.

Every caller writes through ``record_usage`` (or ``add_usage`` inside a transaction it already holds),
so summaries over ``usage_events`` add up to exactly what was spent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from llm_router.core.errors import AppError
from llm_router.db import models
from llm_router.db.engine import Database
from llm_router.providers.base import Usage
from llm_router.providers.registry import ResolvedModel

UsageScope = Literal["overall", "device", "conversation"]


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """What one upstream call cost. ``cost`` is ``None`` when the price is unknown (never guessed)."""

    owner_id: str
    source: str = "chat"  # chat | openai | anthropic | title | memory (proposals)
    provider: str | None = None
    model: str | None = None
    requested_model: str | None = None
    route: str | None = None
    device_id: str | None = None
    api_token_id: str | None = None
    conversation_id: str | None = None
    message_id: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_reasoning: int = 0
    tokens_cached: int = 0
    tokens_cache_write: int = 0  # input tokens written to the provider's prompt cache (priced higher)
    usage_estimated: bool = False  # counted here: the upstream reported no usage (see estimate.py)
    cost: float | None = None
    saving: float | None = None
    latency_ms: int | None = None
    ttft_ms: int | None = None
    status: str = "ok"  # ok | error | cancelled
    error_kind: str | None = None
    cache_hit: bool = False
    confidence: float | None = None
    attempts: list[Any] = field(default_factory=list)


UsageObserver = Callable[[UsageEvent], None]
"""Told of each usage row as it is stored (the metrics count from these)."""


def add_usage(session: AsyncSession, event: UsageEvent) -> None:
    """Add the row to a transaction the caller already holds (so it commits with the message)."""
    session.add(models.UsageEvent(**asdict(event)))


async def record_usage(db: Database, event: UsageEvent) -> None:
    """Store one usage event in its own short transaction."""
    async with db.write() as session:
        add_usage(session, event)


async def record_background_call(
    db: Database,
    *,
    owner_id: str,
    source: str,
    model: ResolvedModel,
    usage: Usage,
    started: float,
    conversation_id: str | None = None,
) -> None:
    """The row of a call the router makes on its own (a title, memory proposals): its own source, so the
    dashboard shows it apart from the user's turns. ``started`` is a ``time.monotonic()`` reading."""
    await record_usage(
        db,
        UsageEvent(
            owner_id=owner_id,
            source=source,
            provider=model.provider.name,
            model=model.id,
            conversation_id=conversation_id,
            tokens_in=usage.input_tokens,
            tokens_out=usage.output_tokens,
            tokens_reasoning=usage.reasoning_tokens,
            tokens_cached=usage.cached_tokens,
            cost=model.price(usage),
            latency_ms=int((time.monotonic() - started) * 1000),
        ),
    )


async def record_usage_batch(db: Database, events: Sequence[UsageEvent]) -> None:
    """Store many usage events in one short transaction (one multi-row insert, no ORM objects)."""
    if events:
        async with db.write() as session:
            await session.execute(insert(models.UsageEvent), [asdict(e) for e in events])


@dataclass(frozen=True, slots=True)
class UsageTotals:
    scope: UsageScope
    requests: int
    tokens_in: int
    tokens_out: int
    tokens_reasoning: int
    tokens_cached: int
    cost: float
    unknown_cost_requests: int


def _scope_filter(
    owner_id: str, scope: UsageScope, device_id: str | None, conversation_id: str | None
) -> list[ColumnElement[bool]]:
    table = models.UsageEvent
    conditions = [table.owner_id == owner_id]
    if scope == "device":
        if not device_id:
            raise AppError("scope=device needs an X-Device-Id header or a device_id parameter")
        conditions.append(table.device_id == device_id)
    elif scope == "conversation":
        if not conversation_id:
            raise AppError("scope=conversation needs a conversation_id parameter")
        conditions.append(table.conversation_id == conversation_id)
    return conditions


async def usage_summary(
    db: Database,
    owner_id: str,
    scope: UsageScope,
    *,
    device_id: str | None = None,
    conversation_id: str | None = None,
) -> UsageTotals:
    table = models.UsageEvent
    conditions = _scope_filter(owner_id, scope, device_id, conversation_id)
    query = select(
        func.count(table.id),
        func.coalesce(func.sum(table.tokens_in), 0),
        func.coalesce(func.sum(table.tokens_out), 0),
        func.coalesce(func.sum(table.tokens_reasoning), 0),
        func.coalesce(func.sum(table.tokens_cached), 0),
        func.coalesce(func.sum(table.cost), 0.0),
        func.coalesce(func.sum(case((table.cost.is_(None), 1), else_=0)), 0),
    ).where(*conditions)
    async with db.read() as session:
        row = (await session.execute(query)).one()
    return UsageTotals(
        scope=scope,
        requests=int(row[0]),
        tokens_in=int(row[1]),
        tokens_out=int(row[2]),
        tokens_reasoning=int(row[3]),
        tokens_cached=int(row[4]),
        cost=float(row[5]),
        unknown_cost_requests=int(row[6]),
    )


@dataclass(frozen=True, slots=True)
class ModelTotals:
    provider: str | None
    model: str | None
    requests: int
    tokens_in: int
    tokens_out: int
    cost: float


async def usage_by_model(db: Database, owner_id: str) -> list[ModelTotals]:
    """Per provider and model, the most expensive first."""
    table = models.UsageEvent
    cost = func.coalesce(func.sum(table.cost), 0.0)
    query = (
        select(
            table.provider,
            table.model,
            func.count(table.id),
            func.coalesce(func.sum(table.tokens_in), 0),
            func.coalesce(func.sum(table.tokens_out), 0),
            cost,
        )
        .where(table.owner_id == owner_id)
        .group_by(table.provider, table.model)
        .order_by(cost.desc(), table.provider, table.model)
    )
    async with db.read() as session:
        rows = (await session.execute(query)).all()
    return [
        ModelTotals(
            provider=r[0],
            model=r[1],
            requests=int(r[2]),
            tokens_in=int(r[3]),
            tokens_out=int(r[4]),
            cost=float(r[5] or 0.0),
        )
        for r in rows
    ]
