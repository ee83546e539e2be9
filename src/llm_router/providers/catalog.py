"""The model catalog: each provider's live ``/models`` list merged with the bundled fallback list,
with capabilities and genai-prices prices. Refreshed in the background; never blocks start-up.

A provider whose list cannot be fetched keeps its last good list and reports ``status: "error"`` with a
reason that is safe to show; it is asked again after 1, 2, 4… seconds (at most ``RETRY_MAX``), not at the
next 10-minute refresh, and shows ``ok`` as soon as a chat call through it succeeds (a local server
started after the router). A local provider is not asked while one of its answers is streaming: local
servers interrupt a running answer when another request arrives. Entries say where they came from
(``source``: live or fallback). A local server is also asked for its context window after each listing
(``providers.windows``: llama.cpp's ``/props``, Ollama's ``/api/show``); the registry hands it on in
every ``ResolvedModel``'s capabilities.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from dataclasses import dataclass, replace
from typing import Any, Literal

from llm_router.providers.base import UpstreamError
from llm_router.providers.capabilities import Capabilities, capabilities_for, fallback_models
from llm_router.providers.config import ProviderConfig
from llm_router.providers.pricing import Price, price_of
from llm_router.providers.registry import ProviderRegistry, catalog_id, no_provider_hint
from llm_router.providers.windows import reported_windows, window_of

log = logging.getLogger(__name__)

REFRESH_SECONDS = 600.0
LIST_TIMEOUT = 20.0
RETRY_FIRST = 1.0  # seconds before asking a failing provider again; doubles up to RETRY_MAX
RETRY_MAX = 10.0
BUSY_RETRY = 5.0  # a local provider busy answering is asked again this much later
# /models of OpenAI lists embeddings, speech and other models that cannot chat
NOT_CHAT = re.compile(
    r"embed|whisper|tts|moderation|davinci|babbage|transcribe|realtime|-audio|rerank|search-api|sora", re.I
)

Status = Literal["ok", "error", "unknown"]
Source = Literal["live", "fallback"]


@dataclass(frozen=True, slots=True)
class CatalogModel:
    id: str  # what every ``model`` field accepts
    provider: str
    model: str  # the provider's own id
    source: Source
    is_local: bool
    capabilities: Capabilities
    price: Price | None  # None: unknown (never shown as $0)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "provider": self.provider,
            "model": self.model,
            "source": self.source,
            "is_local": self.is_local,
            "capabilities": self.capabilities.public(),
            "price": self.price.public() if self.price else None,
        }


@dataclass(slots=True)
class ProviderState:
    status: Status = "unknown"
    error: str | None = None
    live: tuple[str, ...] | None = None  # the last good list; kept when a refresh fails
    failures: int = 0  # listings failed in a row
    checked_at: float = 0.0  # time.monotonic() of the last listing
    next_at: float = 0.0  # when the background refresh asks again
    windows: dict[str, int] | None = None  # context windows a local server reported, by model id


class ModelCatalog:
    def __init__(
        self,
        registry: ProviderRegistry,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        list_timeout: float = LIST_TIMEOUT,
        retry_first: float = RETRY_FIRST,
        retry_max: float = RETRY_MAX,
    ) -> None:
        self.registry = registry
        self.refresh_seconds = refresh_seconds
        self.list_timeout = list_timeout
        self.retry_first = retry_first
        self.retry_max = retry_max
        self._states: dict[str, ProviderState] = {}
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------ refreshing

    def start(self) -> None:
        """Refresh now and every ``refresh_seconds``, in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._refresh_forever(), name="model-catalog-refresh")
            self.registry.add_listener(self.refresh_soon)

    def refresh_soon(self) -> None:
        """Refresh in the background (providers were added or changed); no-op outside an event loop."""
        try:
            task = asyncio.get_running_loop().create_task(self.refresh(), name="model-catalog-update")
        except RuntimeError:
            return
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._pending) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._pending.clear()

    async def _refresh_forever(self) -> None:
        while True:
            try:
                await self.refresh(only_due=True)
            except Exception:  # a bug here must not end the refreshing for good
                log.exception("model catalog refresh failed")
            now = time.monotonic()
            due = [s.next_at for s in self._states.values()]
            await asyncio.sleep(max(0.2, min([*due, now + self.refresh_seconds]) - now))

    async def refresh(self, *, only_due: bool = False) -> None:
        """Ask every configured provider for its models (all at once); call after providers change.
        ``only_due``: just those whose next listing is due (the background loop's retries)."""
        async with self._lock:
            configs = self.registry.configs()
            names = {c.name for c in configs}
            self._states = {n: s for n, s in self._states.items() if n in names}
            now = time.monotonic()
            if only_due:
                configs = [c for c in configs if self._is_due(c, now)]
            await asyncio.gather(*(self._refresh_one(c) for c in configs))

    def _is_due(self, config: ProviderConfig, now: float) -> bool:
        state = self._states.get(config.name)
        return state is None or state.next_at <= now or self._recovered(config, state)

    def _recovered(self, config: ProviderConfig, state: ProviderState) -> bool:
        """A failing provider through which a chat call has succeeded since: it is up again."""
        if state.status != "error":
            return False
        adapter = self.registry.adapter(config.name)
        return adapter.activity.succeeded_since(state.checked_at)

    async def _refresh_one(self, config: ProviderConfig) -> None:
        state = self._states.setdefault(config.name, ProviderState())
        now = time.monotonic()
        if config.models is not None:  # the owner listed them: the server is not asked for its list
            state.status, state.error, state.live = "ok", None, config.models
            state.next_at = now + self.refresh_seconds
            if config.is_local and not self.registry.adapter(config.name).activity.running:
                state.windows = await self._windows(config, config.models)  # but it knows its window
        else:
            try:
                adapter = self.registry.adapter(config.name)
                if config.is_local and adapter.activity.running:
                    # a local server would interrupt the running answer to list its models: later
                    state.next_at = now + BUSY_RETRY
                    return
                ids = await asyncio.wait_for(adapter.list_models(), self.list_timeout)
            except UpstreamError as exc:
                state.status, state.error = "error", exc.message
            except TimeoutError:
                state.status, state.error = "error", f"{config.name} did not list its models in time"
            else:
                state.status, state.error, state.failures = "ok", None, 0
                state.live = tuple(i for i in ids if not NOT_CHAT.search(i))
                state.next_at = now + self.refresh_seconds
                if config.is_local and not adapter.activity.running:  # (one may have started meanwhile)
                    state.windows = await self._windows(config, state.live)
            state.checked_at = time.monotonic()
            if state.status == "error":
                state.failures += 1
                retry = min(self.retry_max, self.retry_first * 2 ** (state.failures - 1))
                state.next_at = state.checked_at + retry
                # once per outage, not at every retry (a local server that is off for a day)
                level = logging.WARNING if state.failures == 1 else logging.DEBUG
                log.log(level, "model list of %s unavailable: %s", config.name, state.error)
        self.registry.set_known_models(config.name, [model for model, _source in self._listed(config)])

    async def _windows(self, config: ProviderConfig, ids: tuple[str, ...]) -> dict[str, int] | None:
        adapter: Any = self.registry.adapter(config.name)
        if not hasattr(adapter, "http_client"):  # an adapter that is not an HTTP client's (tests)
            return {}
        probe = reported_windows(adapter.http_client, config.base_url, adapter.raw_headers(), ids)
        try:
            windows = await asyncio.wait_for(probe, self.list_timeout)
        except TimeoutError:
            windows = {}
        if not windows:  # no answer (down, busy, not a server that reports one): keep what it said last
            return self._states[config.name].windows
        self.registry.set_reported_windows(config.name, windows)
        return windows

    # ------------------------------------------------------------ reading

    def models(self) -> list[CatalogModel]:
        return [entry for config in self.registry.configs() for entry in self._entries(config)]

    def providers(self) -> list[dict[str, Any]]:
        out = []
        for config in self.registry.configs():
            state = self._states.get(config.name, ProviderState())
            recovered = self._recovered(config, state)
            item: dict[str, Any] = {
                "name": config.name,
                "protocol": config.protocol,
                "status": "ok" if recovered else state.status,
                "is_local": config.is_local,
            }
            if state.error and not recovered:
                item["error"] = state.error
            out.append(item)
        return out

    def snapshot(self) -> dict[str, Any]:
        """Everything ``GET /api/models`` answers."""
        default = self.registry.default_model()
        configured = bool(self.registry.configs())
        return {
            "default_model": default.id if default else None,
            "default_reasoning": default.reasoning if default else None,
            "providers": self.providers(),
            "models": [m.public() for m in self.models()],
            "hint": None if configured else "No provider is configured: " + no_provider_hint() + ".",
        }

    def _entries(self, config: ProviderConfig) -> list[CatalogModel]:
        return [self._entry(config, model, source) for model, source in self._listed(config)]

    def _listed(self, config: ProviderConfig) -> list[tuple[str, Source]]:
        """Well-known models first (bundled order), then the rest of the live list. Ids only: prices
        are looked up when someone reads the catalog, not at every refresh."""
        state = self._states.get(config.name, ProviderState())
        live_set = set(state.live or ())
        known = [m.id for m in fallback_models() if m.provider == config.name]
        ordered: list[tuple[str, Source]] = [(m, "live" if m in live_set else "fallback") for m in known]
        ordered += [(m, "live") for m in sorted(live_set - set(known))]
        return ordered

    def _entry(self, config: ProviderConfig, model: str, source: Source) -> CatalogModel:
        caps = capabilities_for(model)
        reported = (self._states.get(config.name, ProviderState()).windows or {}).get(model)
        if (window := window_of(config.name, model, reported)) != caps.context_window:
            caps = replace(caps, context_window=window)
        return CatalogModel(
            id=catalog_id(config.name, model),
            provider=config.name,
            model=model,
            source=source,
            is_local=config.is_local,
            capabilities=caps,
            price=price_of(config.name, model, is_local=config.is_local),
        )
