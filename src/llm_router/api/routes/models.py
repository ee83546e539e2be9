"""``GET /api/models``: the model catalog as the web app shows it, route aliases included."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from llm_router.api.deps import CatalogDep, CurrentUser, RouterDep, UserProvidersDep
from llm_router.providers.base import ReasoningLevel
from llm_router.services.keys.user_providers import merged_snapshot
from llm_router.services.routing.config import RouteSpec

router = APIRouter(prefix="/api/models", tags=["models"])


class CapabilitiesPublic(BaseModel):
    vision: bool
    reasoning: bool
    image_generation: bool
    context_window: int | None = Field(examples=[400000], description="tokens; null when unknown")


class PricePublic(BaseModel):
    input_per_mtok: float = Field(examples=[1.25], description="USD per million input tokens")
    output_per_mtok: float = Field(examples=[10.0], description="USD per million output tokens")


class RoutePublic(BaseModel):
    id: str = Field(examples=["fast"], description="the alias; also listed in `models`")
    strategy: Literal["fallback", "local_first"]
    models: list[str] = Field(examples=[["gpt-5.1-mini", "claude-haiku-4-5"]], description="tried in order")
    local: str | None = Field(examples=["ollama/llama3.2"], description="local-first: asked first")
    description: str


class CatalogModelPublic(BaseModel):
    id: str = Field(examples=["gpt-5.1", "ollama/llama3.2"], description="what `model` fields accept")
    provider: str = Field(examples=["openai"], description='"llm-router" for a route alias')
    model: str = Field(description="the provider's own model id; for a route, its models in order")
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
    models: list[CatalogModelPublic] = Field(
        description='route aliases first ("provider": "llm-router"), then the providers\' models'
    )
    routes: list[RoutePublic] = Field(default_factory=list, description="the routes file's aliases")
    hint: str | None = Field(description="how to add a provider, when none is configured")


@router.get(
    "",
    summary="Configured providers and their models, with capabilities and prices (the user's own keys "
    "and endpoints included)",
)
async def list_models(
    user: CurrentUser, catalog: CatalogDep, user_providers: UserProvidersDep, router: RouterDep
) -> ModelsPublic:
    own = await user_providers.catalog_for(user.id)
    view = await user_providers.for_user(user.id)
    snapshot = merged_snapshot(catalog, own, view)
    if snapshot["models"]:  # with no provider at all, the "how to add one" hint is what matters
        routes = router.config.routes
        snapshot["models"] = _aliases(routes, snapshot["models"]) + snapshot["models"]
        snapshot["routes"] = [
            RoutePublic(
                id=name,
                strategy=spec.strategy,
                models=spec.models,
                local=spec.local,
                description=spec.description,
            )
            for name, spec in routes.items()
        ]
    return ModelsPublic.model_validate(snapshot)


def _aliases(routes: dict[str, RouteSpec], models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The routes as entries of the model list (first, as ``/v1/models`` lists them), so the picker and
    ``/model`` offer them. A capability holds only when every model of the route has it; the price is
    unknown (it depends on which model answers); local when every model of the route is local."""
    by_id = {m["id"]: m for m in models}
    listed = []
    for name, spec in routes.items():
        members = [by_id.get(m) for m in ([spec.local] if spec.local else []) + spec.models]
        caps = [m["capabilities"] if m else {} for m in members]
        windows = [c.get("context_window") for c in caps]
        listed.append(
            {
                "id": name,
                "provider": "llm-router",
                "model": " → ".join(([spec.local] if spec.local else []) + spec.models),
                "source": "live",
                "is_local": all(m is not None and m["is_local"] for m in members),
                "capabilities": {
                    "vision": all(c.get("vision", False) for c in caps),
                    "reasoning": all(c.get("reasoning", False) for c in caps),
                    "image_generation": all(c.get("image_generation", False) for c in caps),
                    "context_window": min(windows) if all(isinstance(w, int) for w in windows) else None,
                },
                "price": None,
            }
        )
    return listed
