"""The hot path's own HTTP client (``providers.upstream``, aiohttp) against the fake provider: a consumer
that leaves mid-stream closes the upstream connection on both paths, connections are reused, and an
error answer still becomes the SDK's own exception (mapped as before)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from llm_router.providers.base import (
    ChatMessage,
    ChatRequest,
    RawRequest,
    TextDelta,
    UpstreamError,
    WireBytes,
)
from llm_router.providers.config import ProviderConfig
from llm_router.providers.registry import ProviderAdapter, make_adapter
from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour

HELLO = (ChatMessage("user", "hello there"),)


@pytest.fixture(params=["openai", "anthropic"])
async def adapter(
    request: pytest.FixtureRequest, fake_provider: FakeProvider
) -> AsyncIterator[ProviderAdapter]:
    protocol = request.param
    base = fake_provider.openai_base_url if protocol == "openai" else fake_provider.anthropic_base_url
    made = make_adapter(ProviderConfig(protocol, protocol, base, "sk-test-up-0000"), None, max_retries=0)
    yield made
    await made.aclose()


def model_of(adapter: ProviderAdapter) -> str:
    return "gpt-4o-mini" if adapter.provider == "openai" else "claude-haiku-4-5"


def passed_through(adapter: ProviderAdapter) -> ChatRequest:
    body = {"model": model_of(adapter), "messages": [{"role": "user", "content": "hi"}], "stream": True}
    if adapter.provider == "anthropic":
        body["max_tokens"] = 50
    raw = RawRequest(adapter.provider, body)
    return ChatRequest(model=model_of(adapter), messages=HELLO, raw=raw)


@pytest.mark.parametrize("path", ["translated", "pass-through"])
async def test_a_consumer_leaving_mid_stream_closes_the_upstream_connection(
    adapter: ProviderAdapter, fake_provider: FakeProvider, path: str
) -> None:
    fake_provider.enqueue(Behaviour(chunks=["one ", "two ", "three"], pause_after=1))
    request = (
        ChatRequest(model=model_of(adapter), messages=HELLO)
        if path == "translated"
        else passed_through(adapter)
    )
    stream = adapter.stream(request)
    async for event in stream:
        if isinstance(event, TextDelta):
            assert event.text == "one "
            break
    await asyncio.to_thread(fake_provider.wait_until_paused)
    # what a client hanging up does to the run: its generator is closed while the upstream is paused
    await stream.aclose()
    # the paused upstream stream ends only when its connection closes (nothing releases it here)
    await asyncio.to_thread(fake_provider.wait_until_none_paused, 10)


async def test_calls_in_a_row_reuse_one_connection(
    adapter: ProviderAdapter, fake_provider: FakeProvider
) -> None:
    for _ in range(3):
        events = [e async for e in adapter.stream(passed_through(adapter))]
        assert any(isinstance(e, WireBytes) for e in events)
    for _ in range(2):
        events = [e async for e in adapter.stream(ChatRequest(model=model_of(adapter), messages=HELLO))]
        assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Echo: hello there"
    peers = {r.peer for r in fake_provider.requests}
    assert len(fake_provider.requests) == 5
    assert len(peers) == 1, peers


async def test_an_error_answer_is_retried_then_mapped_with_the_sdk_exception(
    fake_provider: FakeProvider,
) -> None:
    config = ProviderConfig("openai", "openai", fake_provider.openai_base_url, "sk-test-up-0000")
    made = make_adapter(config, None, max_retries=1)
    try:
        fake_provider.enqueue(Behaviour(status=503, retry_after=0))
        fake_provider.enqueue(Behaviour(status=429, retry_after=0, error_message="slow down"))
        with pytest.raises(UpstreamError) as caught:
            async for _ in made.stream(ChatRequest(model="gpt-4o-mini", messages=HELLO)):
                pass
    finally:
        await made.aclose()
    assert len(fake_provider.requests) == 2, "one retry, as max_retries says"
    error = caught.value
    assert (error.kind, error.status, error.retry_after) == ("rate_limit", 429, 0)
    assert "slow down" in error.message
