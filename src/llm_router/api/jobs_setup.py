"""Start and stop the generation jobs with the app (called from the lifespan in ``api/app.py``)."""

from __future__ import annotations

from fastapi import FastAPI

from llm_router.api.v1.call import router_from
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.providers.registry import ProviderRegistry
from llm_router.services.chat.choice import ModelResolver, RegistryResolver
from llm_router.services.chat.live import RedisRelay
from llm_router.services.chat.manager import GenerationManager
from llm_router.services.keys.user_providers import UserProviders


async def start_jobs(app: FastAPI, settings: Settings, db: Database) -> None:
    """After ``start_providers`` and ``start_security``: the resolver reads ``app.state.providers`` on
        every use, and a user's turns resolve against that user's view (their own keys on top). Turns follow
    the routes file that ``/v1`` follows."""

    def registry() -> ProviderRegistry:
        providers: ProviderRegistry = app.state.providers
        return providers

    async def owner_resolver(owner_id: str) -> ModelResolver:
        user_providers: UserProviders = app.state.user_providers
        view = await user_providers.for_user(owner_id)
        return RegistryResolver(lambda: view)

    relay = RedisRelay(settings.redis_url) if settings.redis_url else None
    jobs = GenerationManager(
        db,
        RegistryResolver(registry),
        relay,
        owner_resolver=owner_resolver,
        routes=lambda: router_from(app).config,  # the same routes file as ``/v1``, read once
    )
    app.state.jobs = jobs
    await jobs.start()


async def stop_jobs(app: FastAPI) -> None:
    jobs: GenerationManager | None = getattr(app.state, "jobs", None)
    if jobs is not None:
        await jobs.stop()
