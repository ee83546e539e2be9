"""Start-up and shutdown of the providers: the registry (``app.state.providers``) and the model catalog
(``app.state.catalog``), whose first refresh runs in the background so start-up never waits for it."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from llm_router.core.settings import Settings
from llm_router.providers.catalog import ModelCatalog
from llm_router.providers.config import load_provider_configs
from llm_router.providers.pricing import load_prices
from llm_router.providers.registry import HttpClientFactory, ProviderRegistry
from llm_router.services.keys.user_providers import UserProviders


def check_providers(settings: Settings) -> None:
    """Read the providers file once up front, so a mistake in it stops start-up with one line."""
    load_provider_configs(settings)


async def start_providers(app: FastAPI, settings: Settings) -> None:
    """Call before anything that reads ``app.state.providers``; a broken providers file stops start-up."""
    # genai-prices loads in a worker thread while the server already answers (0.2 s of start-up)
    app.state.prices_loaded = asyncio.get_running_loop().run_in_executor(None, load_prices)
    factory: HttpClientFactory | None = getattr(app.state, "provider_http_client_factory", None)
    registry = ProviderRegistry(load_provider_configs(settings), http_client_factory=factory)
    app.state.providers = registry
    app.state.registry = registry  # the key vault publishes its providers to this name
    catalog = ModelCatalog(registry)
    app.state.catalog = catalog
    catalog.start()


async def stop_providers(app: FastAPI) -> None:
    catalog: ModelCatalog | None = getattr(app.state, "catalog", None)
    if catalog is not None:
        await catalog.stop()
    user_providers: UserProviders | None = getattr(app.state, "user_providers", None)
    if user_providers is not None:
        await user_providers.aclose()
    registry: ProviderRegistry | None = getattr(app.state, "providers", None)
    if registry is not None:
        await registry.aclose()
