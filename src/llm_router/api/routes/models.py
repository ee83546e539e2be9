"""``GET /api/models``: the model catalog as the web app shows it."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from llm_router.api.deps import CatalogDep, CurrentUser, UserProvidersDep
from llm_router.providers.base import ReasoningLevel
from llm_router.services.user_providers import merged_snapshot

router = APIRouter(prefix="/api/models", tags=["models"])


class CapabilitiesPublic(BaseModel):
    vision: bool
    reasoning: bool
    image_generation: bool
    context_window: int | None = Field(examples=[400000], description="tokens; null when unknown")


class PricePublic(BaseModel):
    input_per_mtok: float = Field(examples=[1.25], description="USD per million input tokens")
    output_per_mtok: float = Field(examples=[10.0], description="USD per million output tokens")


class CatalogModelPublic(BaseModel):
    id: str = Field(examples=["gpt-5.1", "ollama/llama3.2"], description="what `model` fields accept")
    provider: str = Field(examples=["openai"])
    model: str = Field(description="the provider's own model id")
    source: Literal["live", "fallback"] = Field(
        description="live: listed by the provider's /models; fallback: from the bundled list"
    )
    is_local: bool
    capabilities: CapabilitiesPublic
    price: PricePublic | None = Field(description="null when the price is unknown (not free); $0 when local")


class ProviderPublic(BaseModel):
    name: str = Field(examples=["openai"])
    protocol: Literal["openai", "anthropic"]
    status: Literal["ok", "error", "unknown"] = Field(
        description="unknown until the first refresh; error: the last list is kept and `error` says why"
    )
    error: str | None = None
    is_local: bool


class ModelsPublic(BaseModel):
    default_model: str | None = Field(examples=["gpt-5.1"])
    default_reasoning: ReasoningLevel | None = Field(examples=["low"])
    providers: list[ProviderPublic]
    models: list[CatalogModelPublic]
    hint: str | None = Field(description="how to add a provider, when none is configured")


@router.get(
    "",
    summary="Configured providers and their models, with capabilities and prices (the user's own keys "
    "and endpoints included)",
)
async def list_models(
    user: CurrentUser, catalog: CatalogDep, user_providers: UserProvidersDep
) -> ModelsPublic:
    own = await user_providers.catalog_for(user.id)
    view = await user_providers.for_user(user.id)
    return ModelsPublic.model_validate(merged_snapshot(catalog, own, view))
