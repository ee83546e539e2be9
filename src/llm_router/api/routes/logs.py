"""``GET /api/logs``: the caller's recent requests (``/v1`` and chat), newest first, filtered and paged.

Readable with the web app's session or with an API token (scripts watching their own traffic); either
way a user only ever sees their own rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import DatabaseDep, ReaderId
from llm_router.core.errors import AppError
from llm_router.services.usage.log import LogFilter, LogSource, LogStatus, UnknownCursor, list_requests

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
    tokens_cache_write: int
    usage_estimated: bool  # tokens counted here (the upstream reported none); cost priced from them
    cost: float | None
    saving: float | None
    latency_ms: int | None
    ttft_ms: int | None
    api_token_id: str | None
    device_id: str | None
    conversation_id: str | None


class LogQuery(BaseModel):
    """The query string, checked strictly: a misspelt parameter, an unknown status or source, or a cursor
    that is not one this endpoint gave out is a 422 that says so, never a silently unfiltered page."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(default=None, min_length=1, max_length=200)
    status: LogStatus | None = None
    source: LogSource | None = None
    since: datetime | None = None
    cache_hit: bool | None = None
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{32}$", description="`next_cursor` of the previous page"
    )


class LogPage(BaseModel):
    items: list[LogEntry]
    next_cursor: str | None


@router.get("/logs", summary="My recent requests with route, tokens, cost and saving")
async def list_logs(
    user_id: ReaderId,
    db: DatabaseDep,
    query: Annotated[LogQuery, Query()],
) -> LogPage:
    filters = LogFilter(
        model=query.model,
        status=query.status,
        source=query.source,
        since=query.since,
        cache_hit=query.cache_hit,
    )
    try:
        rows, next_cursor = await list_requests(db, user_id, filters, limit=query.limit, before=query.cursor)
    except UnknownCursor:
        raise AppError(
            "cursor is not a page of your log: use next_cursor from the previous page, or no cursor",
            status_code=422,
            code="invalid_cursor",
        ) from None
    items = [LogEntry.model_validate(row, from_attributes=True) for row in rows]
    return LogPage(items=items, next_cursor=next_cursor)
