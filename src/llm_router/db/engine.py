"""Database engines and sessions.

SQLite: WAL journal, ``synchronous=NORMAL``, foreign keys on, a busy timeout, and every write
transaction begun ``IMMEDIATE`` on a single writer connection, so writers queue in-process instead of
failing with "database is locked"; across processes (``serve --workers N``) they queue on a file lock
(``write_lock.py``) taken before ``BEGIN``. The writer runs on the event loop's thread
(``sqlite_inline.py``: no thread hand-off per statement, so a transaction holds the lock for
microseconds, not for turns of a busy loop); its WAL checkpoints run on a reader connection instead.
Reads use a separate pool (aiosqlite's threads) and never block on the writer (WAL).

Durability: with WAL + ``synchronous=NORMAL`` a committed transaction is in the WAL file before
``COMMIT`` returns, so it survives a crash or ``kill -9`` of the process. On power loss or an OS crash
the most recent transactions may roll back (the database stays consistent, never corrupt).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from llm_router.db.sqlite_inline import inline_creator
from llm_router.db.write_lock import ProcessWriteLock

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000
CHECKPOINT_EVERY_S = 1.0  # a passive WAL checkpoint at most this often, after writes, off the loop


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # The driver's own transaction handling is turned off; SQLAlchemy's "begin" event emits BEGIN.
    if dbapi_connection.isolation_level is not None:
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


def _make_sqlite_engine(
    url: str, *, immediate: bool, pool_size: int, inline: str | None = None
) -> AsyncEngine:
    extra: dict[str, Any] = {"async_creator": inline_creator(inline)} if inline else {}
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=60, **extra)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    if inline:
        # The writer never checkpoints itself (that writes the main file and fsyncs on the loop's
        # thread); ``Database._checkpoint`` does it from a reader.
        event.listen(
            engine.sync_engine,
            "connect",
            lambda dbapi_connection, _record: dbapi_connection.execute("PRAGMA wal_autocheckpoint=0"),
        )

    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    event.listen(engine.sync_engine, "begin", _begin)
    return engine


class Database:
    """The app's database: ``write()`` for transactions that change data, ``read()`` for the rest."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._write_queue = asyncio.Lock()  # one write transaction at a time in this process, in order
        self._process_lock: ProcessWriteLock | None = None
        self._last_checkpoint = time.monotonic()
        self._checkpointing: asyncio.Task[None] | None = None
        if self.is_sqlite:
            path = make_url(url).database
            file = path if path and path != ":memory:" and "mode=memory" not in url else None
            if file is not None:
                self._process_lock = ProcessWriteLock(Path(file))
            self.write_engine = _make_sqlite_engine(url, immediate=True, pool_size=1, inline=file)
            self.read_engine = _make_sqlite_engine(url, immediate=False, pool_size=4)
        else:
            self.write_engine = create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
            self.read_engine = self.write_engine
        self._write_sessions = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A short write transaction, committed on exit and rolled back on error."""
        if not self.is_sqlite:
            async with self._write_sessions() as session, session.begin():
                yield session
            return
        async with self._write_queue:
            if self._process_lock is not None:
                await self._process_lock.acquire()
            try:
                async with self._write_sessions() as session, session.begin():
                    yield session
            finally:
                if self._process_lock is not None:
                    self._process_lock.release()
        self._maybe_checkpoint()

    def _maybe_checkpoint(self) -> None:
        if self._process_lock is None or time.monotonic() - self._last_checkpoint < CHECKPOINT_EVERY_S:
            return
        if self._checkpointing is None or self._checkpointing.done():
            self._last_checkpoint = time.monotonic()
            self._checkpointing = asyncio.get_running_loop().create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        """Copy the WAL into the database file (PASSIVE: never waits for, nor blocks, anyone)."""
        try:
            async with self.read_engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception as exc:  # the next one catches up; the WAL only grows meanwhile
            log.warning("WAL checkpoint failed: %s", exc)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read_sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.read_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self._checkpointing is not None:
            await asyncio.wait([self._checkpointing])
        await self.write_engine.dispose()
        if self._process_lock is not None:
            self._process_lock.close()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()
