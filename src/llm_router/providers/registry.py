"""The configured providers, one adapter each, and how a model name finds its provider.

Names: ``provider/model`` when the prefix is a configured provider (split on the first "/" only, so
``openrouter/anthropic/claude-sonnet-4.5`` is OpenRouter's ``anthropic/claude-sonnet-4.5``); a bare name
goes to the provider whose model list has it, else by family (``claude-*`` → anthropic, ``gpt-*``/o-series
→ openai: ``Vendor.family``). The vendors with ``bare_ids`` (``openai``, ``anthropic``) list their models
bare; every other provider's models are listed as ``provider/model``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from llm_router.core.errors import AppError
from llm_router.core.settings import Settings
from llm_router.providers.activity import CallActivity
from llm_router.providers.base import ChatModel, ReasoningLevel, Usage
from llm_router.providers.capabilities import Capabilities, capabilities_for, fallback_models
from llm_router.providers.config import ProviderConfig, Timeouts, load_provider_configs
from llm_router.providers.pricing import cost_of
from llm_router.providers.protocols import PROTOCOLS
from llm_router.providers.vendors import VENDORS
from llm_router.providers.windows import window_of

if TYPE_CHECKING:  # the HTTP modules (aiohttp, httpx2) load with the first protocol module
    from llm_router.providers.upstream import HttpClients

HttpClientFactory = Callable[[ProviderConfig], "HttpClients"]

BARE_ID_PROVIDERS = frozenset(v.name for v in VENDORS if v.bare_ids)
FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (v.family, v.name) for v in VENDORS if v.family is not None
)
# what to set for a well-known provider that is missing
SETUP_HINTS: dict[str, str] = {v.name: v.setup_hint for v in VENDORS}
DEFAULT_MODEL: tuple[str, str, ReasoningLevel] = ("openai", "gpt-5.1", "low")
MODELS_IN_ERRORS = 20
CHEAP_MODELS = ("gpt-5-nano", "gpt-4.1-nano", "gpt-4o-mini", "claude-haiku-4-5", "claude-3-5-haiku-latest")
"""Models for background work (titles), best first; one is used only when its provider lists it."""


class ProviderAdapter(ChatModel, Protocol):
    activity: CallActivity

    async def list_models(self) -> list[str]: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    id: str  # the routable name, as the catalog lists it
    provider: ProviderConfig
    model_id: str  # the provider's own id
    adapter: ChatModel
    is_local: bool
    capabilities: Capabilities

    def price(self, usage: Usage) -> float | None:
        """What ``usage`` costs on this model in dollars; ``None`` when the price is unknown (no guess)."""
        return cost_of(self.provider.name, self.model_id, usage, is_local=self.is_local)


@dataclass(frozen=True, slots=True)
class DefaultModel:
    id: str
    reasoning: ReasoningLevel | None


def catalog_id(provider: str, model_id: str) -> str:
    return model_id if provider in BARE_ID_PROVIDERS else f"{provider}/{model_id}"


def make_adapter(
    config: ProviderConfig,
    http_client_factory: HttpClientFactory | None,
    max_retries: int,
    timeouts: Timeouts | None = None,
) -> ProviderAdapter:
    client = http_client_factory(config) if http_client_factory else None
    # the protocol's module (and its SDK) is imported here, the first time a provider speaks it
    adapter_class = PROTOCOLS[config.protocol]()
    return adapter_class(config, http_client=client, max_retries=max_retries, timeouts=timeouts)


class ProviderRegistry:
    """Static providers (environment, file) plus dynamic ones (the key vault), which win on a name clash."""

    def __init__(
        self,
        configs: Iterable[ProviderConfig],
        *,
        http_client_factory: HttpClientFactory | None = None,
        max_retries: int = 2,
        timeouts: Timeouts | None = None,
    ) -> None:
        self._factory = http_client_factory
        self._max_retries = max_retries
        self._timeouts = timeouts or Timeouts()  # the instance default; a provider's own fields win
        self._static = {c.name: c for c in configs}
        self._dynamic: dict[str, ProviderConfig] = {}
        self._adapters: dict[str, tuple[ProviderConfig, ProviderAdapter]] = {}
        self._retired: list[ProviderAdapter] = []
        self._known: dict[str, tuple[str, ...]] = {}  # provider -> model ids (live list or fallback)
        self._windows: dict[str, dict[str, int]] = {}  # provider -> model id -> window its server reports
        self._listeners: list[Callable[[], None]] = []

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        environ: Mapping[str, str] = os.environ,
        *,
        http_client_factory: HttpClientFactory | None = None,
        max_retries: int = 2,
    ) -> ProviderRegistry:
        return cls(
            load_provider_configs(settings, environ),
            http_client_factory=http_client_factory,
            max_retries=max_retries,
            timeouts=Timeouts.from_settings(settings),
        )

    # ------------------------------------------------------------ providers

    def configs(self) -> list[ProviderConfig]:
        merged = dict(self._static)
        merged.update(self._dynamic)
        return list(merged.values())

    def get(self, name: str) -> ProviderConfig | None:
        return self._dynamic.get(name) or self._static.get(name)

    def replace_dynamic(self, configs: list[ProviderConfig]) -> None:
        """Swap in the vault's providers; adapters of unchanged configs are kept (and their connections)."""
        self._dynamic = {c.name: c for c in configs}
        for name in list(self._adapters):
            config, adapter = self._adapters[name]
            if self.get(name) != config:
                # a running generation may still hold it: close it at shutdown, not now
                self._retired.append(adapter)
                del self._adapters[name]
                self._known.pop(name, None)
        for listener in self._listeners:
            listener()

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Called after the dynamic providers change (the catalog refreshes then)."""
        self._listeners.append(listener)

    def adapter(self, name: str) -> ProviderAdapter:
        config = self.get(name)
        if config is None:
            raise self._not_configured(name)
        cached = self._adapters.get(name)
        if cached is not None and cached[0] == config:
            return cached[1]
        adapter = make_adapter(config, self._factory, self._max_retries, self._timeouts)
        self._adapters[name] = (config, adapter)
        return adapter

    async def aclose(self) -> None:
        adapters = [a for _, a in self._adapters.values()] + self._retired
        self._adapters.clear()
        self._retired.clear()
        for adapter in adapters:
            await adapter.aclose()

    # ------------------------------------------------------------ models

    def set_known_models(self, provider: str, model_ids: Iterable[str]) -> None:
        """The catalog tells the registry what each provider serves, for bare-name lookups."""
        self._known[provider] = tuple(model_ids)

    def known_models(self, config: ProviderConfig) -> tuple[str, ...]:
        if config.name in self._known:
            return self._known[config.name]
        if config.models is not None:
            return config.models
        return tuple(m.id for m in fallback_models() if m.provider == config.name)

    def set_reported_windows(self, provider: str, windows: Mapping[str, int]) -> None:
        """The catalog passes on the context windows a local server reports (``providers.windows``)."""
        self._windows[provider] = dict(windows)

    def reported_window(self, config: ProviderConfig, model_id: str) -> int | None:
        return self._windows.get(config.name, {}).get(model_id)

    def available_ids(self) -> list[str]:
        return [catalog_id(c.name, m) for c in self.configs() for m in self.known_models(c)]

    def resolve(self, name: str) -> ResolvedModel:
        """The provider and adapter for a model name; ``AppError`` (4xx) saying what to do when none."""
        name = name.strip()
        if not name:
            raise AppError("the model name is empty", status_code=400, code="model_not_found")
        prefix, sep, rest = name.partition("/")
        if sep and rest and (config := self.get(prefix)) is not None:
            return self._resolved(config, rest)
        for config in self.configs():
            if name in self.known_models(config):
                return self._resolved(config, name)
        if sep and rest and prefix in SETUP_HINTS:
            raise self._not_configured(prefix)
        for pattern, provider in FAMILIES:
            if pattern.match(name):
                if (config := self.get(provider)) is None:
                    raise self._not_configured(provider, model=name)
                return self._resolved(config, name)
        raise self._unknown(name)

    def resolve_or_default(self, name: str | None) -> ResolvedModel:
        """``resolve(name)``, or the default model when ``name`` is empty; 4xx ``AppError`` when none."""
        if not name:
            default = self.default_model()
            if default is None:
                raise AppError(f"no model is available: {no_provider_hint()}", code="model_not_found")
            name = default.id
        return self.resolve(name)

    def cheap_model(self) -> ResolvedModel | None:
        """A small, cheap model for background work such as titles, when a provider lists one."""
        available = set(self.available_ids())
        for name in CHEAP_MODELS:
            if name in available:
                return self.resolve(name)
        return None

    def default_model(self) -> DefaultModel | None:
        provider, model, reasoning = DEFAULT_MODEL
        if self.get(provider) is not None:
            return DefaultModel(model, reasoning)
        ids = self.available_ids()
        return DefaultModel(ids[0], None) if ids else None

    def _resolved(self, config: ProviderConfig, model_id: str) -> ResolvedModel:
        caps = capabilities_for(model_id)
        window = window_of(config.name, model_id, self.reported_window(config, model_id))
        return ResolvedModel(
            id=catalog_id(config.name, model_id),
            provider=config,
            model_id=model_id,
            adapter=self.adapter(config.name),
            is_local=config.is_local,
            capabilities=caps if window == caps.context_window else replace(caps, context_window=window),
        )

    def overlay(self, own: Iterable[ProviderConfig]) -> UserProviderView:
        """One user's view: this registry's providers with ``own`` (the user's entries) on top.

        The user's adapters are made like the instance's (same HTTP client factory, so vault entries get
        the SSRF-checked transport) and belong to the view: ``aclose()`` on it closes only those.
        """
        mine = ProviderRegistry(
            own, http_client_factory=self._factory, max_retries=self._max_retries, timeouts=self._timeouts
        )
        return UserProviderView(self, mine)

    def _not_configured(self, provider: str, *, model: str | None = None) -> AppError:
        fix = SETUP_HINTS.get(provider, f"add a provider named {provider!r} under Settings → Keys")
        what = f"model {model!r} needs provider {provider!r}" if model else f"provider {provider!r}"
        return AppError(f"{what}, which is not configured: {fix}", code="provider_not_configured")

    def _unknown(self, name: str) -> AppError:
        ids = self.available_ids()
        if not ids:
            hint = "no provider is configured: " + no_provider_hint()
        else:
            more = f" and {len(ids) - MODELS_IN_ERRORS} more" if len(ids) > MODELS_IN_ERRORS else ""
            hint = f"available: {', '.join(ids[:MODELS_IN_ERRORS])}{more} (GET /api/models lists them all)"
        return AppError(f"unknown model {name!r}; {hint}", status_code=404, code="model_not_found")


class UserProviderView(ProviderRegistry):
    """A user's providers: their own entries (``own``) over the instance's (``base``).

    An own entry named like an instance provider replaces it for this user only. Both sides are read
    live, so instance changes show at once; adapters stay with the registry that made them (the
    instance's are shared, the user's own are closed with ``own``).
    """

    def __init__(self, base: ProviderRegistry, own: ProviderRegistry) -> None:
        super().__init__([], http_client_factory=base._factory, max_retries=base._max_retries)
        self.base = base
        self.own = own

    def configs(self) -> list[ProviderConfig]:
        merged = {c.name: c for c in self.base.configs()}
        merged.update((c.name, c) for c in self.own.configs())
        return list(merged.values())

    def get(self, name: str) -> ProviderConfig | None:
        return self.own.get(name) or self.base.get(name)

    def replace_dynamic(self, configs: list[ProviderConfig]) -> None:
        raise TypeError("a user's view is rebuilt, not changed: change the instance or the user's registry")

    def adapter(self, name: str) -> ProviderAdapter:
        return (self.own if self.own.get(name) is not None else self.base).adapter(name)

    def set_known_models(self, provider: str, model_ids: Iterable[str]) -> None:
        if self.own.get(provider) is not None:  # the instance's lists are the instance catalog's business
            self.own.set_known_models(provider, model_ids)

    def known_models(self, config: ProviderConfig) -> tuple[str, ...]:
        owner = self.own if self.own.get(config.name) == config else self.base
        return owner.known_models(config)

    def set_reported_windows(self, provider: str, windows: Mapping[str, int]) -> None:
        if self.own.get(provider) is not None:
            self.own.set_reported_windows(provider, windows)

    def reported_window(self, config: ProviderConfig, model_id: str) -> int | None:
        owner = self.own if self.own.get(config.name) == config else self.base
        return owner.reported_window(config, model_id)

    async def aclose(self) -> None:
        await self.own.aclose()


def no_provider_hint() -> str:
    """How to configure a first provider: the vendors' variables, the providers file, the key vault."""
    keys = [v.key_env for v in VENDORS if v.key_env and not v.is_local]
    local = [v.url_env for v in VENDORS if v.url_env and v.is_local]
    ways = [f"set {_one_of(keys)}"] if keys else []
    if local:
        ways.append(f"{'' if keys else 'set '}{_one_of(local)} for local models")
    ways += ["list OpenAI-compatible servers in LLM_ROUTER_PROVIDERS_FILE", "add a key under Settings → Keys"]
    return ", or ".join(ways) + "; then restart (environment) or reload (Settings → Keys)"


def _one_of(names: list[str]) -> str:
    """``A``, ``A or B``, ``A, B or C``."""
    return " or ".join(filter(None, (", ".join(names[:-1]), names[-1])))
