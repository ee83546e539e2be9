"""One SQLite writer at a time across processes (``serve --workers N``, CLI commands beside a server).

A process holds an exclusive ``flock`` on ``<database>.write-lock`` around each write transaction, taken
before ``BEGIN IMMEDIATE``. Without it, a second process's ``BEGIN IMMEDIATE`` would sit in SQLite's busy
handler, which sleeps in growing steps (up to 100 ms each) and wakes in no particular order; the kernel
instead hands the lock to a waiter the moment it is released. The uncontended path is one system call;
a contended wait happens on a dedicated thread, so the event loop never blocks. The kernel drops the lock
when a process dies (``kill -9`` included), so a crashed worker never leaves it held.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


class ProcessWriteLock:
    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".write-lock")
        self._fd: int | None = None
        self._waiter: ThreadPoolExecutor | None = None

    def _open(self) -> int:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd

    async def acquire(self) -> None:
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if self._waiter is None:
            self._waiter = ThreadPoolExecutor(1, thread_name_prefix="sqlite-write-lock")
        waiting = asyncio.get_running_loop().run_in_executor(self._waiter, fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            await asyncio.shield(waiting)
        except asyncio.CancelledError:
            # The thread will still get the lock: give it back as soon as it does.
            waiting.add_done_callback(lambda done: _unlock_if_taken(done, fd))
            raise

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._waiter is not None:
            self._waiter.shutdown(wait=False)
            self._waiter = None


def _unlock_if_taken(done: asyncio.Future[None], fd: int) -> None:
    if not done.cancelled() and done.exception() is None:
        fcntl.flock(fd, fcntl.LOCK_UN)
