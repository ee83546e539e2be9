"""Database engines and sessions.

SQLite: WAL journal, ``synchronous=NORMAL``, foreign keys on, a busy timeout, and every write
transaction begun ``IMMEDIATE`` on a single writer connection, so writers queue in-process instead of
failing with "database is locked". Reads use a separate pool and never block on the writer (WAL).

Durability: with WAL + ``synchronous=NORMAL`` a committed transaction is in the WAL file before
``COMMIT`` returns, so it survives a crash or ``kill -9`` of the process. On power loss or an OS crash
the most recent transactions may roll back (the database stays consistent, never corrupt).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 5000
MIGRATION_VERSIONS = Path(__file__).parent / "migrations" / "versions"
_REVISION_LINE = re.compile(r"""^(down_revision|revision)\b[^=\n]*=\s*(?:["']([^"']+)["']|None)""", re.M)


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # The driver's own transaction handling is turned off; SQLAlchemy's "begin" event emits BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        "PRAGMA foreign_keys=ON",
        f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    ):
        cursor.execute(pragma)
    cursor.close()


def _make_sqlite_engine(url: str, *, immediate: bool, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=60)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)

    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    event.listen(engine.sync_engine, "begin", _begin)
    return engine


class Database:
    """The app's database: ``write()`` for transactions that change data, ``read()`` for the rest."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.write_engine = _make_sqlite_engine(url, immediate=True, pool_size=1)
            self.read_engine = _make_sqlite_engine(url, immediate=False, pool_size=4)
        else:
            self.write_engine = create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
            self.read_engine = self.write_engine
        self._write_sessions = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A short write transaction, committed on exit and rolled back on error."""
        async with self._write_sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read_sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.read_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()


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
    from llm_router.db.models import OWNER_USER_ID

    if not await schema_is_current(db, OWNER_USER_ID):
        from llm_router.db.migrate import upgrade_database

        await upgrade_database(db)
