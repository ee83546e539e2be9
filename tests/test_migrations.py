"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from llm_router.db import models_plans  # noqa: F401 (its tables join Base.metadata)
from llm_router.db.engine import Database
from llm_router.db.migrate import upgrade_database
from llm_router.db.models import OWNER_USER_ID, Base, User
from llm_router.db.search_objects import include_name


async def test_models_match_migrations(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.write_engine.connect() as conn:

            def diff(sync_conn: Any) -> list[Any]:
                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "include_name": include_name}
                )
                return list(compare_metadata(context, Base.metadata))

            assert await conn.run_sync(diff) == []
    finally:
        await db.dispose()


async def test_upgrade_is_idempotent_and_keeps_one_owner(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade_database(db)
        await upgrade_database(db)
        async with db.read() as session:
            users = (await session.scalars(select(User))).all()
        assert [(u.id, u.role) for u in users] == [(OWNER_USER_ID, "admin")]
    finally:
        await db.dispose()


async def test_every_search_trigger_survives_the_migrations(database_url: str) -> None:
    """A migration that rebuilds ``conversations`` or ``messages`` (an Alembic batch copy on SQLite)
    silently drops the triggers that keep the search index in step: titles stop being found."""
    if not database_url.startswith("sqlite"):
        return  # PostgreSQL indexes through generated columns, which a migration cannot lose this way
    db = Database(database_url)
    try:
        async with db.read() as session:
            rows = await session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            triggers = {name for (name,) in rows}
        expected = {
            f"{fts}_after_{event}" for fts in ("messages_fts", "conversations_fts") for event in EVENTS
        }
        assert expected <= triggers, sorted(expected - triggers)
    finally:
        await db.dispose()


EVENTS = ("insert", "delete", "update")
