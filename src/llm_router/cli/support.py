"""What the sub-command modules share: a migrated database for one command, and the error line."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from llm_router.core.settings import Settings
    from llm_router.db.engine import Database

T = TypeVar("T")


def run_with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` on the migrated database, then close it."""
    from llm_router.db.engine import Database
    from llm_router.db.migrate import upgrade_database

    async def run() -> T:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.effective_database_url)
        try:
            await upgrade_database(db)
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def fail(message: str) -> int:
    print(f"llm-router: error: {message}", file=sys.stderr)
    return 1
