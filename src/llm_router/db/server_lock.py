"""The lock a running server holds on its SQLite database, so ``db restore`` can refuse to swap the file
underneath it.

Every server process (``serve``'s supervisor and each of its ``--workers``) holds a *shared* ``flock`` on
``<database>.server-lock`` while it runs, so any number of them may serve one file together; ``db
restore`` asks for an *exclusive* one without waiting. A server that could have taken it exclusively
knows it is alone on the database (``acquire`` answers True): nothing else can be generating answers in
it, so answers left running are orphans at once. The kernel drops the lock when
a process ends however it ends (``kill -9`` included), so a crashed server never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


def sqlite_path(database_url: str) -> Path | None:
    """The file of a ``sqlite+aiosqlite:///…`` URL; None for other databases (or in-memory SQLite)."""
    if not database_url.startswith("sqlite"):
        return None
    _, _, rest = database_url.partition(":///")
    path = rest.split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".server-lock")


class ServerLock:
    """Held (shared) by a running server for as long as it serves the database."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock (shared); True when no other server held it at that moment."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            alone = True
        except BlockingIOError:
            alone = False
        fcntl.flock(fd, fcntl.LOCK_SH)  # a restore holds it exclusively only for a moment
        self._fd = fd
        return alone

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None


class DatabaseInUse(Exception):
    """A server holds the database (its lock), so it may not be replaced now."""


@contextlib.contextmanager
def exclusive(database: Path) -> Iterator[None]:
    """Hold the database exclusively (no server may start meanwhile), or raise ``DatabaseInUse``."""
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(f"a server is running on {database}: stop it first, then restore") from None
        yield
    finally:
        os.close(fd)
