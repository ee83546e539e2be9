"""``GET /api/search``: full-text search over the user's conversation titles and messages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import CurrentUser, DatabaseDep
from llm_router.services.search import search as search_service

router = APIRouter(prefix="/api", tags=["search"])

_EXAMPLE_Q = '"sourdough starter" feed*'


class SearchResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "conversation_id": "5f0c3d2e9a8b4c7d8e9f0a1b2c3d4e5f",
                "conversation_title": "Sourdough starter",
                "message_id": "9a8b7c6d5e4f30211203948576abcdef",
                "role": "assistant",
                "snippet": "…feed the <mark>starter</mark> twice a day at 24 &lt;°C…",
                "rank": 7.42,
                "created_at": "2026-11-22T04:40:00Z",
            }
        }
    )

    conversation_id: str
    conversation_title: str
    message_id: str | None = Field(description="The message to jump to; null when the title matched.")
    role: str | None = Field(description="`user` or `assistant`; null for a title match.")
    snippet: str = Field(description="HTML-escaped text around the matches, each match in `<mark>…</mark>`.")
    rank: float = Field(description="Relevance, higher is better; comparable only within one search.")
    created_at: datetime


class SearchResults(BaseModel):
    results: list[SearchResult]


@router.get(
    "/search",
    summary="Search conversation titles and message text",
    description=(
        'Words must all match (in any order); `"exact phrases"` match in order; `prefix*` matches words '
        "that start with `prefix` (two letters at least). Other punctuation and operators are plain text. "
        "Results are ranked best first and include user and assistant messages and titles."
    ),
    responses={
        422: {"description": "`q` is empty or longer than 500 characters, or `limit` is out of range"}
    },
)
async def search(
    user: CurrentUser,
    db: DatabaseDep,
    q: Annotated[
        str,
        Query(
            min_length=1, max_length=search_service.MAX_QUERY_CHARS, examples=['"sourdough starter" feed*']
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=search_service.MAX_LIMIT)] = 20,
) -> SearchResults:
    hits = await search_service.search(db, user.id, q, limit)
    return SearchResults(
        results=[
            SearchResult(
                conversation_id=hit.conversation_id,
                conversation_title=hit.conversation_title,
                message_id=hit.message_id,
                role=hit.role,
                snippet=hit.snippet,
                rank=hit.rank,
                created_at=hit.created_at,
            )
            for hit in hits
        ]
    )
