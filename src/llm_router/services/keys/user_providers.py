"""Each user's view of the providers: the instance's plus the user's own vault entries.

A user's own entry is used for that user's requests only (web chat and ``/v1``), and its key goes only
to its own base URL through the same SSRF-checked transport as instance endpoints. Views are cached per
user so a request decrypts nothing: the cache is dropped when the user's keys change in this process
(``invalidate``), and re-checked against the database (ids and ``updated_at`` only) after a few seconds,
so a change made through another server process shows up just as quickly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llm_router.core.singleflight import SingleFlight
from llm_router.providers.catalog import REFRESH_SECONDS, ModelCatalog
from llm_router.providers.registry import ProviderRegistry, UserProviderView
from llm_router.services.keys.vault import Vault

log = logging.getLogger(__name__)

CHECK_SECONDS = 3.0  # how stale a view may get when another process changed the user's keys
MAX_USERS = 256  # views kept; the least recently used is dropped beyond
MAX_RETIRED = 32  # replaced views whose adapters are not closed yet (a request may still stream)
LIST_TIMEOUT = 5.0  # a user's catalog request waits this long at most for their endpoints' /models

Clock = Callable[[], float]


@dataclass
class _Entry:
    fingerprint: tuple[tuple[str, str], ...]
    view: UserProviderView
    catalog: ModelCatalog
    checked: float
    listed: float
    first_listing: asyncio.Task[None] | None = field(default=None)


class UserProviders:
    """``for_user(user_id)``: the registry that user's requests resolve models against."""

    def __init__(
        self,
        vault: Vault,
        instance: Callable[[], ProviderRegistry],
        *,
        check_seconds: float = CHECK_SECONDS,
        clock: Clock = time.monotonic,
    ) -> None:
        self.vault = vault
        self.instance = instance
        self.check_seconds = check_seconds
        self.clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._retired: deque[_Entry] = deque()
        self._closing: set[asyncio.Task[None]] = set()
        self._refreshing: SingleFlight[_Entry | None] = SingleFlight()
        self._keyless: dict[str, float] = {}  # users last seen without keys of their own: when checked
        self._changes: Counter[str] = Counter()  # invalidations per user, to spot one during a rebuild

    @property
    def enabled(self) -> bool:
        return self.vault.user_keys

    async def for_user(self, user_id: str) -> ProviderRegistry:
        entry = await self._entry(user_id)
        return entry.view if entry is not None else self.instance()

    async def catalog_for(self, user_id: str) -> ModelCatalog | None:
        """The catalog of the user's own entries (None without any), once their first listing is done."""
        entry = await self._entry(user_id)
        if entry is None:
            return None
        if entry.first_listing is not None:
            await asyncio.wait({entry.first_listing}, timeout=LIST_TIMEOUT + 0.5)
        if self.clock() - entry.listed > REFRESH_SECONDS:
            entry.listed = self.clock()
            entry.catalog.refresh_soon()
        return entry.catalog

    def invalidate(self, user_id: str) -> None:
        """The user's keys changed: the next request builds a fresh view."""
        self._changes[user_id] += 1
        self._refreshing.forget(user_id)  # a look already running may have read the old keys
        self._keyless.pop(user_id, None)
        entry = self._entries.pop(user_id, None)
        if entry is not None:
            self._retire(entry)

    async def aclose(self) -> None:
        entries = list(self._entries.values()) + list(self._retired)
        self._entries.clear()
        self._retired.clear()
        for entry in entries:
            await _close(entry)
        if self._closing:
            await asyncio.wait(self._closing)

    # ------------------------------------------------------------ internals

    async def _entry(self, user_id: str) -> _Entry | None:
        if not self.enabled:
            return None
        entry = self._entries.get(user_id)
        now = self.clock()
        if entry is not None and now - entry.checked < self.check_seconds:
            self._entries.move_to_end(user_id)
            return entry
        if entry is None and now - self._keyless.get(user_id, -self.check_seconds) < self.check_seconds:
            return None  # most users have no keys of their own: that is cached too
        # one look per user, however many requests arrive at once: they all take its answer (behind a
        # lock, each did the same database read again, one after another)
        return await self._refreshing.run(user_id, lambda: self._refresh(user_id))

    async def _refresh(self, user_id: str) -> _Entry | None:
        changes = self._changes[user_id]
        fingerprint = await self.vault.user_fingerprint(user_id)
        entry = self._entries.get(user_id)
        if entry is not None and entry.fingerprint == fingerprint:
            entry.checked = self.clock()
            return entry
        if entry is not None:
            self.invalidate(user_id)
            changes += 1
        if not fingerprint:
            if len(self._keyless) >= 16 * MAX_USERS:
                self._keyless.clear()
            if self._changes[user_id] == changes:  # else the keys changed while we looked: ask again
                self._keyless[user_id] = self.clock()
            return None
        configs = await self.vault.user_configs(user_id)
        view = self.instance().overlay(configs)
        catalog = ModelCatalog(view.own, list_timeout=LIST_TIMEOUT)
        entry = _Entry(fingerprint, view, catalog, checked=self.clock(), listed=self.clock())
        if self._changes[user_id] != changes:  # changed while we read: this request only, then again
            entry.checked = -math.inf
        entry.first_listing = asyncio.get_running_loop().create_task(
            catalog.refresh(), name=f"user-models-{user_id}"
        )
        self._entries[user_id] = entry
        while len(self._entries) > MAX_USERS:
            _, oldest = self._entries.popitem(last=False)
            self._retire(oldest)
        return entry

    def _retire(self, entry: _Entry) -> None:
        # A generation or /v1 stream that resolved its model before the change may still be using the
        # view's adapters: they are closed once a few more views have been replaced, or at shutdown.
        if entry.first_listing is not None:
            entry.first_listing.cancel()
        self._retired.append(entry)
        while len(self._retired) > MAX_RETIRED:
            task = asyncio.get_running_loop().create_task(_close(self._retired.popleft()))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)


async def _close(entry: _Entry) -> None:
    try:
        await entry.catalog.stop()
        if entry.first_listing is not None:
            entry.first_listing.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await entry.first_listing
        await entry.view.aclose()
    except Exception:  # closing must not fail a request or the shutdown
        log.warning("closing a user's provider connections failed", exc_info=True)


def merged_snapshot(
    instance: ModelCatalog, own: ModelCatalog | None, view: ProviderRegistry
) -> dict[str, Any]:
    """``GET /api/models`` for one user: the instance catalog with the user's own entries on top."""
    snapshot = instance.snapshot()
    if own is None:
        return snapshot
    mine = {c.name for c in own.registry.configs()}
    default = view.default_model()
    snapshot.update(
        default_model=default.id if default else None,
        default_reasoning=default.reasoning if default else None,
        providers=[p for p in snapshot["providers"] if p["name"] not in mine] + own.providers(),
        models=[m for m in snapshot["models"] if m["provider"] not in mine]
        + [m.public() for m in own.models()],
        hint=None,
    )
    return snapshot
