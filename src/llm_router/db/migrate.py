"""Alembic migrations, run automatically at start-up and by ``llm-router db upgrade``.

Alembic is imported only when there is something to migrate: asking it for the head revision would
cost a fifth of a second and several MB at every start.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID, User

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_VERSIONS = MIGRATIONS_DIR / "versions"
_REVISION_LINE = re.compile(r"""^(down_revision|revision)\b[^=\n]*=\s*(?:["']([^"']+)["']|None)""", re.M)


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    from alembic import command

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


@cache
def head_revisions() -> frozenset[str]:
    """The newest migration revision(s), read from the migration files' ``revision``/``down_revision``
    lines: importing Alembic to ask it costs a fifth of a second and several MB at every start."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in MIGRATION_VERSIONS.glob("*.py"):
        for kind, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            if value:
                (revisions if kind == "revision" else parents).add(value)
    return frozenset(revisions - parents)


async def schema_is_current(db: Database, owner_id: str) -> bool:
    """Whether the database is at the newest revision and has its owner row, so start-up can skip
    Alembic; any doubt (no version table yet, an older or unknown revision) answers False."""
    try:
        async with db.read() as session:
            versions = set((await session.execute(text("SELECT version_num FROM alembic_version"))).scalars())
            owner = await session.scalar(text("SELECT 1 FROM users WHERE id = :id"), {"id": owner_id})
    except DBAPIError:
        return False
    return versions == head_revisions() and owner is not None


async def migrate_if_needed(db: Database) -> None:
    """Bring the schema to the newest revision and make sure the owner row exists, importing Alembic
    only when there is something to do."""
    if not await schema_is_current(db, OWNER_USER_ID):
        await upgrade_database(db)
