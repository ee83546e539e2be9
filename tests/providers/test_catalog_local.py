"""Must-hold 3 of issue #20: the catalog respects local servers. No ``/models`` request reaches a local
provider while one of its answers is streaming (local servers interrupt a running answer when another
request arrives); a provider that comes up after the router is listed within seconds, and shows ``ok`` as
soon as a chat call through it succeeds."""

from __future__ import annotations

import asyncio
import socket

import pytest

from llm_router.providers.base import ChatMessage, ChatRequest, UpstreamError, collect
from llm_router.providers.capabilities import capabilities_for
from llm_router.providers.catalog import ModelCatalog
from llm_router.providers.config import ProviderConfig
from llm_router.providers.registry import ProviderRegistry
from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour

HELLO = (ChatMessage("user", "hello"),)


def models_requests(fake: FakeProvider) -> int:
    return sum(1 for r in fake.requests if r.path.endswith("/models"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def eventually(condition: object, seconds: float = 30.0) -> None:
    """Poll ``condition()`` on the event loop (the catalog's loop runs meanwhile) for up to ``seconds``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, "the condition did not hold in time"
        await asyncio.sleep(0.05)


async def test_no_models_request_reaches_a_local_provider_while_it_answers(
    local_provider: FakeProvider,
) -> None:
    config = ProviderConfig("llamacpp", "openai", local_provider.openai_base_url, is_local=True)
    registry = ProviderRegistry([config], max_retries=0)
    catalog = ModelCatalog(registry)
    try:
        await catalog.refresh()
        assert models_requests(local_provider) == 1
        # like llama.cpp's server: another request arriving now would cut this answer
        local_provider.enqueue(Behaviour(chunks=["a ", "b ", "c"], pause_after=1, interruptible=True))
        request = ChatRequest(model="llama3.2", messages=HELLO)
        answer = asyncio.create_task(collect(registry.adapter("llamacpp").stream(request)))
        await asyncio.to_thread(local_provider.wait_until_paused)

        await catalog.refresh()  # e.g. a key was added: every provider is asked again, but not this one
        assert models_requests(local_provider) == 1, "the running answer would have been interrupted"
        assert catalog.providers()[0]["status"] == "ok", "the last list is kept"

        local_provider.release()
        assert (await answer).text == "a b c", "the answer was not interrupted"
        await catalog.refresh()
        assert models_requests(local_provider) == 2, "asked again once the answer is over"
    finally:
        local_provider.release()
        await registry.aclose()


async def test_a_provider_started_after_the_router_is_listed_within_seconds() -> None:
    port = free_port()
    config = ProviderConfig("llamacpp", "openai", f"http://127.0.0.1:{port}/v1", is_local=True)
    registry = ProviderRegistry([config], max_retries=0)
    catalog = ModelCatalog(registry, list_timeout=2)
    catalog.start()
    try:
        await eventually(lambda: catalog.providers()[0]["status"] == "error")
        assert catalog.models() == []
        with FakeProvider(["qwen2.5-7b-instruct"], port=port):
            await eventually(lambda: [m.id for m in catalog.models()] == ["llamacpp/qwen2.5-7b-instruct"])
            assert catalog.providers()[0]["status"] == "ok"
    finally:
        await catalog.stop()
        await registry.aclose()


async def test_a_failing_provider_is_ok_as_soon_as_a_call_through_it_succeeds() -> None:
    port = free_port()
    config = ProviderConfig("llamacpp", "openai", f"http://127.0.0.1:{port}/v1", is_local=True)
    registry = ProviderRegistry([config], max_retries=0)
    catalog = ModelCatalog(registry, list_timeout=2, retry_first=600)  # no listing retry in this test
    try:
        await catalog.refresh()
        [provider] = catalog.providers()
        assert provider["status"] == "error"
        assert "llamacpp" in provider["error"]
        with FakeProvider(["qwen2.5-7b-instruct"], port=port):
            request = ChatRequest(model="qwen2.5-7b-instruct", messages=HELLO)
            await collect(registry.adapter("llamacpp").stream(request))
            assert catalog.providers()[0] == {
                "name": "llamacpp",
                "protocol": "openai",
                "status": "ok",
                "is_local": True,
            }
            await catalog.refresh(only_due=True)  # the success makes its listing due at once
            assert [m.id for m in catalog.models()] == ["llamacpp/qwen2.5-7b-instruct"]
    finally:
        await registry.aclose()


async def test_the_fake_in_local_server_mode_interrupts_an_answer_when_another_request_arrives(
    local_provider: FakeProvider,
) -> None:
    # what the catalog guards against: a /models listing during an answer cuts it
    config = ProviderConfig("llamacpp", "openai", local_provider.openai_base_url, is_local=True)
    registry = ProviderRegistry([config], max_retries=0)
    adapter = registry.adapter("llamacpp")
    try:
        local_provider.enqueue(Behaviour(chunks=["a ", "b ", "c"], pause_after=1, interruptible=True))
        request = ChatRequest(model="llama3.2", messages=HELLO)
        answer = asyncio.create_task(collect(adapter.stream(request)))
        await asyncio.to_thread(local_provider.wait_until_paused)
        assert await adapter.list_models()
        local_provider.release()
        with pytest.raises(UpstreamError) as cut:
            await answer
        assert cut.value.kind == "stream_cut"
    finally:
        local_provider.release()
        await registry.aclose()


@pytest.mark.parametrize(
    ("model", "vision"),
    [
        ("gemma-3-1b-it", False),  # text-only: was listed as vision-capable
        ("gemma3:1b", False),
        ("google/gemma-3-270m-it", False),
        ("gemma-3-4b-it", True),
        ("gemma3:27b", True),
        ("qwen2.5-0.5b-instruct", False),
        ("llava-1.6", True),
    ],
)
def test_vision_is_claimed_only_for_models_that_see(model: str, vision: bool) -> None:
    assert capabilities_for(model).vision is vision
