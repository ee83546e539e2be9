"""Both wire protocols, through the official SDKs against the fake provider server, give the same
normalized events; reasoning levels and dropped parameters show in what the server received."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest

from llm_router.core.settings import Settings
from llm_router.providers.base import (
    ChatMessage,
    ChatRequest,
    Finish,
    ImagePart,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
    Usage,
    collect,
)
from llm_router.providers.config import ProviderConfig
from llm_router.providers.pricing import cost_of
from llm_router.providers.registry import ProviderRegistry
from llm_router.providers.upstream import HttpClients
from llm_router.testing import anthropic_wire
from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour, FakeToolCall, FakeUsage

PIXEL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
async def registry(fake_provider: FakeProvider, tmp_path: Path) -> AsyncIterator[ProviderRegistry]:
    """OpenAI and Anthropic configured the usual way: their variables pointing at the fake server."""
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    environ = {
        "OPENAI_API_KEY": "sk-test-openai-0000",
        "OPENAI_BASE_URL": fake_provider.openai_base_url,
        "ANTHROPIC_API_KEY": "sk-ant-test-0000",
        "ANTHROPIC_BASE_URL": fake_provider.anthropic_base_url,
    }
    registry = ProviderRegistry.from_settings(settings, environ, max_retries=0)
    yield registry
    await registry.aclose()


async def events_of(registry: ProviderRegistry, model: str, **fields: object) -> list[StreamEvent]:
    resolved = registry.resolve(model)
    request = ChatRequest(
        model=resolved.model_id,
        messages=(ChatMessage("user", "say hello"),),
        **fields,  # type: ignore[arg-type]
    )
    return [event async for event in resolved.adapter.stream(request)]


async def test_both_protocols_give_the_same_events_with_usage_and_cost(
    registry: ProviderRegistry, fake_provider: FakeProvider
) -> None:
    usage = FakeUsage(input_tokens=1200, output_tokens=80, cached_tokens=200)
    fake_provider.enqueue(Behaviour(chunks=["Hel", "lo", " there"], usage=usage), model="gpt-4o-mini")
    fake_provider.enqueue(Behaviour(chunks=["Hel", "lo", " there"], usage=usage), model="claude-haiku-4-5")

    via_openai = await events_of(registry, "gpt-4o-mini")
    via_anthropic = await events_of(registry, "claude-haiku-4-5")

    expected = [
        TextDelta("Hel"),
        TextDelta("lo"),
        TextDelta(" there"),
        Usage(input_tokens=1200, output_tokens=80, cached_tokens=200),
        Finish("stop"),
    ]
    assert via_openai == expected
    assert via_anthropic == expected
    # 1000 uncached input at $0.15/M, 200 cached at $0.075/M, 80 output at $0.60/M
    assert cost_of("openai", "gpt-4o-mini", expected[3], is_local=False) == pytest.approx(
        (1000 * 0.15 + 200 * 0.075 + 80 * 0.6) / 1e6
    )
    # Haiku 4.5: $1/M input, $0.10/M cache reads, $5/M output
    assert cost_of("anthropic", "claude-haiku-4-5", expected[3], is_local=False) == pytest.approx(
        (1000 * 1 + 200 * 0.1 + 80 * 5) / 1e6
    )


async def test_reasoning_streams_as_reasoning_deltas_on_both_protocols(
    registry: ProviderRegistry, fake_provider: FakeProvider
) -> None:
    behaviour = Behaviour(
        chunks=["42"], reasoning_chunks=["Let me ", "think."], usage=FakeUsage(reasoning_tokens=7)
    )
    fake_provider.enqueue(behaviour, model="o4-mini")
    fake_provider.enqueue(behaviour, model="claude-sonnet-4-6")

    via_openai = await events_of(registry, "o4-mini", reasoning="medium")
    via_anthropic = await events_of(registry, "claude-sonnet-4-6", reasoning="medium")

    # Anthropic signs its thinking: the signature arrives as a delta of its own, kept for the next turn
    assert ReasoningDelta("", signature=anthropic_wire.SIGNATURE) in via_anthropic
    for events in (via_openai, via_anthropic):
        pieces = [e for e in events if isinstance(e, ReasoningDelta | TextDelta) and e.text]
        assert pieces == [
            ReasoningDelta("Let me "),
            ReasoningDelta("think."),
            TextDelta("42"),
        ]
    # OpenAI reports reasoning tokens apart; Anthropic counts thinking inside output_tokens only
    assert next(e for e in via_openai if isinstance(e, Usage)).reasoning_tokens == 7
    assert next(e for e in via_anthropic if isinstance(e, Usage)).output_tokens >= 7
    assert via_openai[-1] == Finish("stop", {"reasoning_effort": "medium"})
    assert via_anthropic[-1] == Finish("stop", {"thinking_budget": 4096})


async def test_tool_calls_stream_as_pieces_and_collect_into_whole_calls(
    registry: ProviderRegistry, fake_provider: FakeProvider
) -> None:
    call = FakeToolCall(name="get_weather", arguments='{"city": "Paris", "unit": "celsius"}', id="call_1")
    fake_provider.enqueue(Behaviour(tool_calls=[call]), model="gpt-4o")
    fake_provider.enqueue(Behaviour(tool_calls=[call]), model="claude-haiku-4-5")
    tool = ToolSpec(
        "get_weather", "Weather now", {"type": "object", "properties": {"city": {"type": "string"}}}
    )

    for model in ("gpt-4o", "claude-haiku-4-5"):
        resolved = registry.resolve(model)
        request = ChatRequest(
            model=resolved.model_id, messages=(ChatMessage("user", "weather?"),), tools=(tool,)
        )
        events = [e async for e in resolved.adapter.stream(request)]
        pieces = [e for e in events if isinstance(e, ToolCallDelta)]
        assert len(pieces) > 1, "arguments arrive in pieces"
        assert "".join(p.arguments for p in pieces) == call.arguments
        assert events[-1] == Finish("tool_calls")

    fake_provider.enqueue(Behaviour(tool_calls=[call]))
    result = await collect(
        registry.resolve("claude-haiku-4-5").adapter.stream(
            ChatRequest(model="claude-haiku-4-5", messages=(ChatMessage("user", "weather?"),), tools=(tool,))
        )
    )
    assert result.tool_calls == [ToolCall("call_1", "get_weather", call.arguments)]
    sent = fake_provider.requests[-1].json
    assert sent["tools"][0]["name"] == "get_weather"
    assert sent["tools"][0]["input_schema"]["properties"] == {"city": {"type": "string"}}


async def test_tool_results_and_images_reach_both_protocols_in_their_own_shapes(
    registry: ProviderRegistry, fake_provider: FakeProvider
) -> None:
    history = (
        ChatMessage("user", [TextPart("what is this?"), ImagePart(PIXEL)]),
        ChatMessage("assistant", "", tool_calls=(ToolCall("call_1", "look", '{"q": 1}'),)),
        ChatMessage("tool", "a red pixel", tool_call_id="call_1"),
    )
    for model in ("gpt-4o", "claude-haiku-4-5"):
        resolved = registry.resolve(model)
        await collect(resolved.adapter.stream(ChatRequest(model=model, messages=history, system="Be brief.")))
    openai_sent, anthropic_sent = (r.json for r in fake_provider.requests)
    assert fake_provider.requests[0].images == [PIXEL]
    assert fake_provider.requests[1].images, "the Anthropic rendering carries the image too"

    assert openai_sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert openai_sent["messages"][1]["content"][1] == {"type": "image_url", "image_url": {"url": PIXEL}}
    assert openai_sent["messages"][2]["tool_calls"][0]["function"] == {
        "name": "look",
        "arguments": '{"q": 1}',
    }
    assert openai_sent["messages"][3] == {"role": "tool", "tool_call_id": "call_1", "content": "a red pixel"}
    assert openai_sent["stream_options"] == {"include_usage": True}

    assert anthropic_sent["system"] == "Be brief."
    image = anthropic_sent["messages"][0]["content"][1]
    assert image["source"]["type"] == "base64"
    assert image["source"]["media_type"] == "image/png"
    assert anthropic_sent["messages"][1]["content"] == [
        {"type": "tool_use", "id": "call_1", "name": "look", "input": {"q": 1}}
    ]
    assert anthropic_sent["messages"][2] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "a red pixel"}],
    }


async def test_non_streaming_callers_collect_the_same_stream(
    registry: ProviderRegistry, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=["a", "b"], finish="length"))
    result = await collect(
        registry.resolve("gpt-4o-mini").adapter.stream(
            ChatRequest(model="gpt-4o-mini", messages=(ChatMessage("user", "x"),), max_tokens=2)
        )
    )
    assert result.text == "ab"
    assert result.finish == Finish("length")
    assert fake_provider.requests[-1].json["max_tokens"] == 2


async def test_caller_supplied_clients_carry_the_traffic(fake_provider: FakeProvider) -> None:
    """The security layer passes its own clients for user endpoints: the SDK's (an ``httpx2`` one) for
    model lists, and a guard the hot path's pool asks before it connects."""
    seen: list[tuple[str, str]] = []
    made_for: list[str] = []
    asked: list[str] = []

    async def record(request: httpx2.Request) -> None:
        seen.append((request.method, request.url.path))

    class Guard:
        async def addresses(self, host: str, port: int) -> list[str]:
            asked.append(host)
            return [host]

    def factory(config: ProviderConfig) -> HttpClients:
        made_for.append(config.name)
        return HttpClients(httpx2.AsyncClient(event_hooks={"request": [record]}), Guard())

    registry = ProviderRegistry(
        [
            ProviderConfig("openai", "openai", fake_provider.openai_base_url, "sk-test-c"),
            ProviderConfig("anthropic", "anthropic", fake_provider.anthropic_base_url, "sk-ant-test-c"),
        ],
        http_client_factory=factory,
        max_retries=0,
    )
    try:
        for model in ("gpt-4o-mini", "claude-haiku-4-5"):
            resolved = registry.resolve(model)
            result = await collect(
                resolved.adapter.stream(ChatRequest(model=model, messages=(ChatMessage("user", "hi"),)))
            )
            assert result.text == "Echo: hi"
            await registry.adapter(resolved.provider.name).list_models()
    finally:
        await registry.aclose()
    assert made_for == ["openai", "anthropic"]
    assert asked == ["127.0.0.1", "127.0.0.1"]  # the fake's host, once per adapter (a literal: fixed)
    assert [path for _, path in seen] == ["/v1/models", "/v1/models"]
