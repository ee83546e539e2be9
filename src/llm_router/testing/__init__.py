"""Test helpers shipped with the package: the fake provider server (tests, benchmarks, demo mode).

``FakeProvider`` is imported lazily so that ``python -m llm_router.testing.fake_provider`` does not find
its own module already imported (runpy warns about that).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llm_router.testing.script import Behaviour, FakeToolCall, FakeUsage, RecordedRequest, echo_chunks

if TYPE_CHECKING:
    from llm_router.testing.fake_provider import DEFAULT_MODELS, FakeProvider

__all__ = [
    "DEFAULT_MODELS",
    "Behaviour",
    "FakeProvider",
    "FakeToolCall",
    "FakeUsage",
    "RecordedRequest",
    "echo_chunks",
]


def __getattr__(name: str) -> Any:
    if name in ("FakeProvider", "DEFAULT_MODELS"):
        from llm_router.testing import fake_provider

        return getattr(fake_provider, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
