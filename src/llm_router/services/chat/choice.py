"""Which model answers a turn: the request's choice, else the conversation's, else the default.

``ModelResolver`` is the narrow view of the provider registry that conversations need; the registry
(``providers/registry.py``) is adapted to it in ``RegistryResolver``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from llm_router.core.errors import AppError
from llm_router.providers.base import ChatModel, ReasoningLevel
from llm_router.providers.registry import ProviderRegistry, no_provider_hint


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """Per-turn overrides; ``None`` means "the conversation's setting"."""

    model: str | None = None
    temperature: float | None = None
    reasoning: ReasoningLevel | None = None


class NamedProvider(Protocol):
    @property
    def name(self) -> str: ...


class ResolvedModel(Protocol):
    @property
    def id(self) -> str: ...  # the catalog id every ``model`` field accepts, e.g. "gpt-5.1"

    @property
    def model_id(self) -> str: ...  # the provider's own id

    @property
    def is_local(self) -> bool: ...

    @property
    def provider(self) -> NamedProvider: ...

    @property
    def adapter(self) -> ChatModel: ...


class ModelResolver(Protocol):
    def resolve(self, name: str | None) -> ResolvedModel:
        """The model for ``name`` (``None``: the default); raises ``AppError`` (4xx) when there is none."""
        ...

    def cheap_model(self) -> ResolvedModel | None:
        """A small, cheap model for titles, when one is configured."""
        ...


CHEAP_MODELS = ("gpt-5-nano", "gpt-4.1-nano", "gpt-4o-mini", "claude-haiku-4-5", "claude-3-5-haiku-latest")
"""Title models, best first; one is used only when its provider is configured and lists it."""


class RegistryResolver:
    """``ModelResolver`` over the provider registry (looked up on each call: it can be replaced)."""

    def __init__(self, registry: Callable[[], ProviderRegistry]) -> None:
        self._registry = registry

    def resolve(self, name: str | None) -> ResolvedModel:
        registry = self._registry()
        if not name:
            default = registry.default_model()
            if default is None:
                raise AppError(f"no model is available: {no_provider_hint()}", code="model_not_found")
            name = default.id
        return registry.resolve(name)

    def cheap_model(self) -> ResolvedModel | None:
        registry = self._registry()
        available = set(registry.available_ids())
        for name in CHEAP_MODELS:
            if name in available:
                return registry.resolve(name)
        return None
