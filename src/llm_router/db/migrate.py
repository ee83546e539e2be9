"""Alembic migrations, run automatically at start-up and by ``llm-router db upgrade``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select
from sqlalchemy.engine import Connection

from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID, User

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


async def upgrade_database(db: Database) -> None:
    """Bring the schema to the newest revision and make sure the owner row exists."""
    async with db.write_engine.begin() as conn:
        await conn.run_sync(_upgrade)
    await ensure_owner(db)


async def ensure_owner(db: Database) -> None:
    async with db.read() as session:
        if await session.scalar(select(User.id).where(User.id == OWNER_USER_ID)):
            return
    async with db.write() as session:
        if await session.scalar(select(User.id).where(User.id == OWNER_USER_ID)) is None:
            session.add(User(id=OWNER_USER_ID, username="admin", role="admin"))
