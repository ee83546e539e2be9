"""Reasoning levels become OpenAI ``reasoning_effort`` or Anthropic thinking; parameters a model rejects
are dropped and named in ``Finish.metadata``. Asserted on what the fake server actually received."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from llm_router.providers.base import ChatMessage, ChatRequest, Finish, UpstreamError, collect
from llm_router.providers.capabilities import capabilities_for, nearest_effort
from llm_router.providers.config import ProviderConfig
from llm_router.providers.registry import ProviderRegistry
from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour


@pytest.fixture
async def registry(fake_provider: FakeProvider) -> AsyncIterator[ProviderRegistry]:
    registry = ProviderRegistry(
        [
            ProviderConfig("openai", "openai", fake_provider.openai_base_url, "sk-test-a"),
            ProviderConfig("anthropic", "anthropic", fake_provider.anthropic_base_url, "sk-ant-test-b"),
        ],
        max_retries=0,
    )
    yield registry
    await registry.aclose()


async def run(
    registry: ProviderRegistry, fake: FakeProvider, model: str, **fields: Any
) -> tuple[Finish, dict[str, Any]]:
    resolved = registry.resolve(model)
    request = ChatRequest(model=resolved.model_id, messages=(ChatMessage("user", "hi"),), **fields)
    result = await collect(resolved.adapter.stream(request))
    assert result.finish is not None
    sent: dict[str, Any] = fake.requests[-1].json
    return result.finish, sent


async def test_reasoning_model_gets_effort_and_loses_temperature(
    registry: ProviderRegistry, fake_provider: FakeProvider
) -> None:
    finish, sent = await run(
        registry, fake_provider, "gpt-5.1", reasoning="low", temperature=0.7, max_tokens=500
    )
    assert finish.metadata == {"dropped": ["temperature"], "reasoning_effort": "low"}
    assert sent["reasoning_effort"] == "low"
    assert "temperature" not in sent
    assert sent["max_completion_tokens"] == 500
    assert "max_tokens" not in sent


@pytest.mark.parametrize(
    ("model", "level", "effort"),
    [
        ("o3", "none", "low"),  # o-series cannot switch reasoning off: its lowest effort
        ("o4-mini", "high", "high"),
        ("gpt-5", "none", "minimal"),
        ("gpt-5.1", "none", "none"),
        ("gpt-5.1", "minimal", "low"),
    ],
)
async def test_levels_map_to_the_nearest_effort_the_model_accepts(
    registry: ProviderRegistry, fake_provider: FakeProvider, model: str, level: str, effort: str
) -> None:
    finish, sent = await run(registry, fake_provider, model, reasoning=level)
    assert sent["reasoning_effort"] == effort
    assert finish.metadata["reasoning_effort"] == effort


async def test_a_model_without_reasoning_keeps_temperature_and_drops_the_level(
    registry: ProviderRegistry, fake_provider: FakeProvider
) -> None:
    finish, sent = await run(registry, fake_provider, "gpt-4o-mini", reasoning="high", temperature=0.2)
    assert finish.metadata == {"dropped": ["reasoning"]}
    assert sent["temperature"] == 0.2
    assert "reasoning_effort" not in sent
    finish, sent = await run(registry, fake_provider, "gpt-4o-mini", reasoning="none")
    assert finish.metadata == {}, "asking for no reasoning from a model without it drops nothing"


async def test_anthropic_thinking_budget_per_level_and_temperature_dropped(
    registry: ProviderRegistry, fake_provider: FakeProvider
) -> None:
    finish, sent = await run(
        registry, fake_provider, "claude-sonnet-4-6", reasoning="high", temperature=0.5, max_tokens=1000
    )
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 16384}
    assert sent["max_tokens"] == 16384 + 1000, "max_tokens covers the thinking budget and the answer"
    assert "temperature" not in sent
    assert finish.metadata == {"thinking_budget": 16384, "dropped": ["temperature"]}

    for level, budget in (("minimal", 1024), ("low", 1024), ("medium", 4096)):
        finish, sent = await run(registry, fake_provider, "claude-haiku-4-5", reasoning=level)
        assert sent["thinking"]["budget_tokens"] == budget
        assert finish.metadata == {"thinking_budget": budget}


async def test_anthropic_reasoning_none_disables_thinking(
    registry: ProviderRegistry, fake_provider: FakeProvider
) -> None:
    finish, sent = await run(registry, fake_provider, "claude-sonnet-4-6", reasoning="none", temperature=0.3)
    assert "thinking" not in sent
    # the Messages API has no temperature any more (the SDK's create() rejects it): dropped, and said so
    assert "temperature" not in sent
    assert finish.metadata == {"dropped": ["temperature"]}


@pytest.mark.parametrize(
    ("model", "default"),
    [("claude-3-haiku-20240307", 4096), ("claude-3-5-haiku-20241022", 8192), ("claude-sonnet-4-6", 8192)],
)
async def test_anthropic_default_max_tokens_fits_the_models_answer_limit(
    registry: ProviderRegistry, fake_provider: FakeProvider, model: str, default: int
) -> None:
    # the API requires max_tokens and refuses one above the model's limit (the fake does as the real one)
    finish, sent = await run(registry, fake_provider, model)
    assert sent["max_tokens"] == default
    assert finish.reason == "stop"


async def test_a_max_tokens_over_an_old_claudes_limit_is_refused_by_the_api(
    registry: ProviderRegistry, fake_provider: FakeProvider
) -> None:
    resolved = registry.resolve("claude-3-haiku-20240307")
    request = ChatRequest(model=resolved.model_id, messages=(ChatMessage("user", "hi"),), max_tokens=8192)
    with pytest.raises(UpstreamError) as caught:
        await collect(resolved.adapter.stream(request))
    assert caught.value.status == 400
    assert "8192 > 4096" in str(caught.value)


async def test_adaptive_thinking_models_get_an_effort_instead_of_a_budget(
    registry: ProviderRegistry, fake_provider: FakeProvider
) -> None:
    finish, sent = await run(registry, fake_provider, "claude-opus-4-6", reasoning="minimal")
    assert sent["thinking"] == {"type": "adaptive"}
    assert sent["output_config"] == {"effort": "low"}
    assert finish.metadata == {"thinking": "adaptive", "reasoning_effort": "low"}


async def test_logprobs_are_returned_where_supported_and_dropped_elsewhere(
    registry: ProviderRegistry, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=["a", "b"], logprobs=[-0.5, -0.25]))
    finish, sent = await run(registry, fake_provider, "gpt-4o-mini", logprobs=True)
    assert sent["logprobs"] is True
    assert finish.logprobs == [-0.5, -0.25]

    finish, sent = await run(registry, fake_provider, "gpt-5.1", logprobs=True)
    assert "logprobs" not in sent
    assert finish.metadata["dropped"] == ["logprobs"]

    finish, sent = await run(registry, fake_provider, "claude-haiku-4-5", logprobs=True)
    assert finish.metadata == {"dropped": ["logprobs"]}


def test_capabilities_are_looked_up_through_resellers_prefixes() -> None:
    assert capabilities_for("openai/gpt-5.1").reasoning_style == "effort"
    assert capabilities_for("gpt-5.1").context_window == 400000
    assert capabilities_for("gpt-4o").vision
    assert not capabilities_for("gpt-4o").reasoning
    assert capabilities_for("gpt-image-1").image_generation
    assert capabilities_for("llama3.2-vision:11b").vision
    assert capabilities_for("deepseek-r1:8b").reasoning
    assert capabilities_for("some-unknown-model") == capabilities_for("another-unknown")


def test_nearest_effort_prefers_the_higher_level_on_a_tie() -> None:
    assert nearest_effort("minimal", ("none", "low", "medium", "high")) == "low"
    assert nearest_effort("none", ("low", "medium", "high")) == "low"
    assert nearest_effort("high", ()) is None
