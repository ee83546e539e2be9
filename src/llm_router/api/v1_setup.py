"""Start-up and shutdown of the ``/v1`` pieces: routes, token cache, background usage writer."""

from __future__ import annotations

from fastapi import FastAPI

from llm_router.db.engine import Database
from llm_router.services.accounts.tokens import TokenVerifier
from llm_router.services.routing.config import RoutesFile
from llm_router.services.usage.log import UsageWriter


async def start_v1(app: FastAPI, db: Database, routes: RoutesFile) -> None:
    app.state.routes_config = routes
    app.state.token_verifier = TokenVerifier(db)
    app.state.usage_writer = UsageWriter(db)


async def stop_v1(app: FastAPI) -> None:
    """Wait for usage rows still being written, so a clean stop loses none."""
    writer: UsageWriter | None = getattr(app.state, "usage_writer", None)
    if writer is not None:
        await writer.drain()
