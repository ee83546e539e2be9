"""``GET /api/logs``: the caller's recent requests (``/v1`` and chat), newest first, filtered and paged.

Readable with the web app's session or with an API token (scripts watching their own traffic); either
way a user only ever sees their own rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from llm_router.api.deps import DatabaseDep, ReaderId
from llm_router.services.usage.log import LogFilter, list_requests

router = APIRouter(prefix="/api", tags=["logs"])


class LogEntry(BaseModel):
    id: str
    created_at: datetime
    source: str
    requested_model: str | None
    model: str | None
    provider: str | None
    route: str | None
    attempts: list[Any]
    status: str
    error_kind: str | None
    cache_hit: bool
    confidence: float | None
    tokens_in: int
    tokens_out: int
    tokens_reasoning: int
    tokens_cached: int
    cost: float | None
    saving: float | None
    latency_ms: int | None
    ttft_ms: int | None
    api_token_id: str | None
    device_id: str | None
    conversation_id: str | None


class LogPage(BaseModel):
    items: list[LogEntry]
    next_cursor: str | None


@router.get("/logs", summary="My recent requests with route, tokens, cost and saving")
async def list_logs(
    user_id: ReaderId,
    db: DatabaseDep,
    model: str | None = None,
    status: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
    cache_hit: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> LogPage:
    filters = LogFilter(model=model, status=status, source=source, since=since, cache_hit=cache_hit)
    rows, next_cursor = await list_requests(db, user_id, filters, limit=limit, before=cursor)
    items = [LogEntry.model_validate(row, from_attributes=True) for row in rows]
    return LogPage(items=items, next_cursor=next_cursor)
