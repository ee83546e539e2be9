"""The SQLite writer connection, run on the event loop's own thread instead of aiosqlite's worker thread.

Why: through aiosqlite every statement is three or four hand-offs to its thread and back (cursor,
execute, fetch, close), and each hand-off waits for the event loop to come round again. A write
transaction of five statements therefore held SQLite's single write lock for ~20 turns of a busy event
loop: with 100 users in one process that was 15–25 ms per transaction, and writes queued behind each
other for seconds. A statement on a local SQLite file in WAL mode takes tens of microseconds, so running
it directly is both faster and shorter for the lock.

What keeps the loop from ever stalling on it: only the writer uses this (reads, which may scan, stay on
aiosqlite's thread); in-process writers queue on an ``asyncio.Lock`` and other processes on a file lock
taken without blocking (``db/write_lock.py``) *before* ``BEGIN IMMEDIATE``, so SQLite's busy wait is never
reached by our own processes; the WAL checkpoint (the one step that writes the main file and fsyncs) is
moved off this connection (``wal_autocheckpoint=0``) to a reader connection on aiosqlite's thread.

The objects below give SQLAlchemy's aiosqlite adapter the awaitable interface it expects; each
coroutine finishes without suspending, so SQLAlchemy's ``await_`` returns without an event-loop turn.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    async def execute(self, operation: str, parameters: Any = ()) -> InlineCursor:
        self._cursor.execute(operation, parameters)
        return self

    async def executemany(self, operation: str, seq_of_parameters: Any) -> InlineCursor:
        self._cursor.executemany(operation, seq_of_parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> Sequence[Any]:
        return self._cursor.fetchall()

    async def nextset(self) -> None:
        return None

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """A ``sqlite3`` connection behind aiosqlite's method names, every call run at once."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, operation: str, parameters: Any = ()) -> InlineCursor:
        return InlineCursor(self._conn.execute(operation, parameters))

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:  # SQLAlchemy's "terminate": nothing runs elsewhere to stop
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def inline_creator(path: str) -> Any:
    """``create_async_engine(async_creator=...)`` for a writer connection to the file ``path``."""

    async def connect() -> InlineConnection:
        # isolation_level=None: the driver never begins transactions itself; SQLAlchemy's "begin"
        # event emits BEGIN IMMEDIATE. check_same_thread=False: the pool may close it from a GC thread.
        return InlineConnection(sqlite3.connect(path, isolation_level=None, check_same_thread=False))

    return connect
