"""A job the server process runs every so often (housekeeping sweeps): the first run waits ``first``
seconds, off the start-up path; a failed run is logged and the next one tries again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    def __init__(
        self, name: str, job: Callable[[], Awaitable[object]], every: float, first: float = 60.0
    ) -> None:
        self.name = name
        self.job = job
        self.every = every
        self.first = first
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def _loop(self) -> None:
        await asyncio.sleep(self.first)
        while True:
            try:
                await self.job()
            except Exception:  # a failed run must not stop the server
                log.exception("%s failed", self.name)
            await asyncio.sleep(self.every)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
