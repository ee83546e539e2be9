"""The FastAPI application: built by ``create_app(settings)``; no global state."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from llm_router import __version__
from llm_router.api.errors import install_error_handlers
from llm_router.api.jobs_setup import start_jobs, stop_jobs
from llm_router.api.middleware import RequestLogMiddleware
from llm_router.api.providers_setup import check_providers, start_providers, stop_providers
from llm_router.api.routes import (
    admin_users,
    auth,
    conversations,
    health,
    keys,
    logs,
    messages,
    models,
    tokens,
    usage,
    web,
)
from llm_router.api.routes import search as search_routes
from llm_router.api.security_setup import install_security, start_security, stop_security
from llm_router.api.v1 import anthropic as v1_anthropic
from llm_router.api.v1 import openai as v1_openai
from llm_router.api.v1.error_shape import V1ErrorShapeMiddleware
from llm_router.api.v1_setup import start_v1, stop_v1
from llm_router.core.settings import Settings
from llm_router.db.engine import Database, migrate_if_needed
from llm_router.services.routing.config import load_routes

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    check_providers(settings)  # a broken providers file: one clear line before the server starts
    routes = load_routes(settings.routes)  # likewise a broken routes file

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.effective_database_url)
        app.state.db = db
        await migrate_if_needed(db)
        await start_providers(app, settings)  # first: security, jobs and /v1 read app.state.providers
        await start_security(app, settings, db)
        await start_jobs(app, settings, db)
        await start_v1(app, db, routes)
        # What start-up built lives as long as the process: out of the collector's sight, full collections
        # stop re-walking it (+65 ms on every third request that opened a 10,000-message conversation).
        gc.freeze()
        log.info("llm-router %s ready", __version__)
        try:
            yield
        finally:
            await stop_jobs(app)  # running answers end "interrupted", their text stored
            await stop_v1(app)  # usage rows of finished /v1 requests still being written
            await stop_providers(app)
            await stop_security(app)  # the limits' Redis connection
            await db.dispose()

    app = FastAPI(
        title="llm-router",
        version=__version__,
        summary="Self-hosted LLM router and chat app",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    _include_routers(app)
    web.mount_web(app)  # last: it serves "/" and everything no router claimed
    install_security(app, settings)
    app.add_middleware(V1ErrorShapeMiddleware)  # outside security: its /v1 errors get the SDK shapes
    app.add_middleware(RequestLogMiddleware)
    return app


def _include_routers(app: FastAPI) -> None:
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(admin_users.router)
    app.include_router(keys.router)
    app.include_router(search_routes.router)
    app.include_router(conversations.router)
    app.include_router(messages.router)
    app.include_router(usage.router)
    app.include_router(models.router)
    app.include_router(v1_openai.router)
    app.include_router(v1_anthropic.router)
    app.include_router(tokens.router)
    app.include_router(logs.router)


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory``: settings from the environment."""
    return create_app(Settings())
