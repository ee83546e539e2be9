from __future__ import annotations

import logging
import os

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from llm_router import __version__
from llm_router.api.deps import DatabaseDep, SettingsDep

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get(
    "/health",
    summary="Liveness and database check",
    responses={503: {"description": "The database is unreachable"}},
)
async def health(db: DatabaseDep, settings: SettingsDep) -> JSONResponse:
    try:
        await db.ping()
    except Exception as exc:  # any driver error means "unreachable" to the caller
        log.warning("health check: database unreachable: %s", type(exc).__name__)
        return JSONResponse(
            {"status": "error", "version": __version__, "database": "unreachable"},
            status_code=503,
        )
    body: dict[str, object] = {"status": "ok", "version": __version__, "database": "ok"}
    if settings.workers > 1:  # which of ``serve --workers N``'s processes answered (a process id)
        body["worker"] = os.getpid()
    return JSONResponse(body)
