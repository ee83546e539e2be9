"""The FastAPI application: built by ``create_app(settings)``; no global state.

The lifespan opens the services (``api/services.py``, the one composition root) and closes them on
shutdown; routers and middleware are added here, in the order written below.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from llm_router import __version__
from llm_router.api.errors import install_error_handlers
from llm_router.api.middleware import RequestLogMiddleware
from llm_router.api.protection import BodyLimitMiddleware, CsrfMiddleware, SecurityHeadersMiddleware
from llm_router.api.routes import (
    admin_users,
    attachments,
    audio,
    auth,
    budgets,
    conversations,
    docs,
    export,
    health,
    keys,
    logs,
    media,
    messages,
    metrics,
    models,
    push,
    tokens,
    usage,
    usage_reports,
    web,
)
from llm_router.api.routes import compare as compare_routes
from llm_router.api.routes import library as library_routes
from llm_router.api.routes import memory as memory_routes
from llm_router.api.routes import schedules as schedule_routes
from llm_router.api.routes import search as search_routes
from llm_router.api.services import attach, open_services, warn_if_exposed
from llm_router.api.v1 import paths as v1_paths
from llm_router.api.v1.errors import V1ErrorShapeMiddleware
from llm_router.api.v1.hot import HotPaths
from llm_router.api.v1.router import router as v1_router
from llm_router.core.settings import Settings
from llm_router.providers.config import load_provider_configs
from llm_router.services.routing import load_routes
from llm_router.services.usage.metrics import Metrics

MULTIPART_OVERHEAD = 64 * 1024  # an upload's form fields and boundaries, beyond the file itself
AUDIO_UPLOAD_BYTES = 25 * 1024 * 1024  # OpenAI's limit for one file to transcribe

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, migrated: bool = False) -> FastAPI:
    """The app; ``migrated``: the caller already brought the database to the newest schema (``serve``
    does, to fail with one clear line), so start-up does not check it a second time."""
    settings = settings or Settings()
    # Both files are read once, here: a mistake in either is one clear line before the server starts.
    providers = load_provider_configs(settings)
    routes = load_routes(settings.routes)
    warn_if_exposed(settings)

    metrics = Metrics()  # made here: the request-log middleware records into it before services exist

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_services(settings, routes, providers, metrics, migrate=not migrated) as services:
            attach(app, services)
            # What start-up built lives as long as the process: out of the collector's sight, full
            # collections stop re-walking it (+65 ms on every third request that opened a 10,000-message
            # conversation).
            gc.freeze()
            log.info("llm-router %s ready", __version__)
            yield

    app = FastAPI(
        title="llm-router",
        version=__version__,
        summary="Self-hosted LLM router and chat app",
        lifespan=lifespan,
        docs_url=None,  # served from bundled assets below (works offline)
        redoc_url=None,
    )
    install_error_handlers(app)
    _include_routers(app)
    docs.mount_docs(app)
    web.mount_web(app)  # last: it serves "/" and everything no router claimed
    # Middleware: the last added is the outermost. Innermost, in front of the router: the hot /v1 POSTs.
    app.add_middleware(HotPaths, fastapi=app)
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        upload_limits={
            "/api/import": settings.max_import_bytes,
            "/api/media": settings.media_max_file_bytes + MULTIPART_OVERHEAD,
            "/api/audio/transcriptions": AUDIO_UPLOAD_BYTES + MULTIPART_OVERHEAD,
            "/v1/audio/transcriptions": AUDIO_UPLOAD_BYTES + MULTIPART_OVERHEAD,
        },
    )
    app.add_middleware(CsrfMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(V1ErrorShapeMiddleware)  # outside security: its /v1 errors get the SDK shapes
    app.add_middleware(RequestLogMiddleware, metrics=metrics)
    return app


def _include_routers(app: FastAPI) -> None:
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(auth.router)
    app.include_router(admin_users.router)
    app.include_router(keys.router)
    app.include_router(search_routes.router)
    app.include_router(conversations.router)
    app.include_router(export.router)
    app.include_router(messages.router)
    app.include_router(compare_routes.router)
    app.include_router(library_routes.router)
    app.include_router(usage_reports.router)
    app.include_router(usage.router)
    app.include_router(budgets.router)
    app.include_router(models.router)
    app.include_router(tokens.router)
    app.include_router(logs.router)
    app.include_router(media.router)
    app.include_router(memory_routes.router)
    app.include_router(schedule_routes.router)
    app.include_router(attachments.router)
    app.include_router(audio.router)
    app.include_router(push.router)
    app.include_router(v1_router)
    app.include_router(v1_paths.router)  # after every router: unknown /v1 paths, HEAD preflights


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory``: settings from the environment."""
    return create_app(Settings())
