"""The FastAPI application: built by ``create_app(settings)``; no global state."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from llm_router import __version__
from llm_router.api.errors import install_error_handlers
from llm_router.api.middleware import RequestLogMiddleware
from llm_router.api.routes import health, web
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.db.migrate import upgrade_database

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.effective_database_url)
        app.state.db = db
        await upgrade_database(db)
        log.info("llm-router %s ready", __version__)
        try:
            yield
        finally:
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
    app.add_middleware(RequestLogMiddleware)
    return app


def _include_routers(app: FastAPI) -> None:
    app.include_router(health.router)


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory``: settings from the environment."""
    return create_app(Settings())
