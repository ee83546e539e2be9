"""``/api/usage``: token and cost totals from the usage events (one per upstream call)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from llm_router.api.deps import CurrentUser, DatabaseDep, DeviceId
from llm_router.services.chat import conversations
from llm_router.services.usage import records as usage
from llm_router.services.usage.records import UsageScope

router = APIRouter(prefix="/api/usage", tags=["usage"])


class UsageSummaryPublic(BaseModel):
    scope: UsageScope
    requests: int = Field(examples=[12])
    tokens_in: int = Field(examples=[5400])
    tokens_out: int = Field(examples=[2100])
    tokens_reasoning: int = Field(examples=[300])
    tokens_cached: int = Field(examples=[1024])
    cost: float = Field(examples=[0.0213], description="USD; calls of unknown price count as 0")
    unknown_cost_requests: int = Field(examples=[0], description="calls whose price is unknown")


class ModelUsagePublic(BaseModel):
    provider: str | None = Field(examples=["openai"])
    model: str | None = Field(examples=["gpt-5.1"])
    requests: int
    tokens_in: int
    tokens_out: int
    cost: float


class ModelUsagePage(BaseModel):
    items: list[ModelUsagePublic]


@router.get(
    "/summary",
    summary="Token and cost totals: overall, for this device, or for one conversation",
    responses={400: {"description": "The scope needs a device id or a conversation id"}},
)
async def usage_summary(
    user: CurrentUser,
    db: DatabaseDep,
    header_device_id: DeviceId,
    scope: UsageScope = "overall",
    device_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = None,
    conversation_id: Annotated[str | None, Query(max_length=32)] = None,
) -> UsageSummaryPublic:
    if scope == "conversation" and conversation_id:
        await conversations.check_conversation(db, user.id, conversation_id)  # 404 for another user's
    totals = await usage.usage_summary(
        db,
        user.id,
        scope,
        device_id=device_id or header_device_id,
        conversation_id=conversation_id,
    )
    return _summary(totals)


def _summary(totals: usage.UsageTotals) -> UsageSummaryPublic:
    return UsageSummaryPublic(
        scope=totals.scope,
        requests=totals.requests,
        tokens_in=totals.tokens_in,
        tokens_out=totals.tokens_out,
        tokens_reasoning=totals.tokens_reasoning,
        tokens_cached=totals.tokens_cached,
        cost=totals.cost,
        unknown_cost_requests=totals.unknown_cost_requests,
    )


@router.get("/models", summary="Requests, tokens and cost per provider and model")
async def usage_by_model(user: CurrentUser, db: DatabaseDep) -> ModelUsagePage:
    rows = await usage.usage_by_model(db, user.id)
    return ModelUsagePage(
        items=[
            ModelUsagePublic(
                provider=r.provider,
                model=r.model,
                requests=r.requests,
                tokens_in=r.tokens_in,
                tokens_out=r.tokens_out,
                cost=r.cost,
            )
            for r in rows
        ]
    )
