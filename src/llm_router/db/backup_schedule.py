"""Scheduled backups (``LLM_ROUTER_BACKUP_INTERVAL_HOURS``) with retention (``LLM_ROUTER_BACKUP_KEEP``).

With several worker processes only one makes the backups: the first to take the backup folder's
scheduler lock (an exclusive ``flock`` held while it runs; the kernel drops it when the process ends).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os

from llm_router.core.settings import Settings
from llm_router.db.backup import backup, prune

log = logging.getLogger(__name__)


class BackupSchedule:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.folder = settings.effective_backup_dir
        self._task: asyncio.Task[None] | None = None
        self._fd: int | None = None

    def start(self) -> None:
        """Start backing up every interval, if this process is the one to do it."""
        if self.settings.backup_interval_hours <= 0 or not self.settings.is_sqlite:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / ".scheduler-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another worker makes the backups
            os.close(fd)
            return
        self._fd = fd
        self._task = asyncio.create_task(self._every_interval(), name="scheduled-backups")

    async def run_once(self) -> None:
        """One backup, then the oldest beyond the number to keep are deleted."""
        try:
            result = await asyncio.to_thread(backup, self.settings, None)
        except Exception as exc:  # BackupError, OSError…: a failed backup must not stop the server
            log.error("scheduled backup failed: %s", exc)
            return
        removed = prune(self.folder, self.settings.backup_keep)
        log.info("scheduled backup written: %s (%d older removed)", result.path, len(removed))

    async def _every_interval(self) -> None:
        while True:
            await asyncio.sleep(self.settings.backup_interval_hours * 3600)
            await self.run_once()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
