"""Context windows: what local servers report (parsed as llama.cpp and Ollama send it, asked of the fake in
local-server mode) and how a turn is fitted to the window (``services.chat.window``)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx2
import pytest

from llm_router.providers.base import ChatMessage, ChatRequest, collect
from llm_router.providers.catalog import ModelCatalog
from llm_router.providers.config import ProviderConfig
from llm_router.providers.registry import ProviderRegistry, ResolvedModel
from llm_router.providers.windows import llama_cpp_window, ollama_window, reported_windows, server_root
from llm_router.services.chat.window import ContextPolicy, ContextTooLong, fit, window_label
from llm_router.services.routing import Plan
from llm_router.services.usage.estimate import estimate_input_tokens
from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.local_server import LocalServer
from llm_router.testing.script import Behaviour


def test_llama_cpp_props_give_the_slot_context() -> None:
    assert llama_cpp_window({"default_generation_settings": {"n_ctx": 4096}}) == 4096
    assert llama_cpp_window({"default_generation_settings": {"n_ctx": True}}) is None
    assert llama_cpp_window({"n_ctx": 4096}) is None
    assert llama_cpp_window("<html>") is None


def test_ollama_show_prefers_num_ctx_then_the_architectures_context_length() -> None:
    info = {"general.architecture": "qwen2", "qwen2.context_length": 32768, "llama.context_length": 1}
    assert ollama_window({"model_info": info, "parameters": 'stop "<|im_end|>"'}) == 32768
    both = {"model_info": info, "parameters": 'num_ctx                        8192\nstop "x"'}
    assert ollama_window(both) == 8192
    assert ollama_window({"model_info": {"general.architecture": "gemma3"}}) is None
    assert ollama_window({"error": "model 'x' not found"}) is None


def test_the_server_root_drops_the_openai_path() -> None:
    assert server_root("http://127.0.0.1:11434/v1") == "http://127.0.0.1:11434"
    assert server_root("http://box:8080/v1/") == "http://box:8080"
    assert server_root("http://box:8080") == "http://box:8080"


@pytest.fixture
def http() -> httpx2.AsyncClient:
    return httpx2.AsyncClient()  # closed by the test that uses it


async def test_each_kind_of_server_reports_its_window_and_an_openai_like_one_none(
    local_provider: FakeProvider, http: httpx2.AsyncClient
) -> None:
    base, ids = local_provider.openai_base_url, ["llama3.2", "qwen2.5"]
    try:
        assert await reported_windows(http, base, {}, ids) == {}, "no local-server mode: 404s"
        assert local_provider.requests == [], "nothing recorded on a server without these paths"
        local_provider.local_server = LocalServer("llama.cpp", n_ctx=2048)
        assert await reported_windows(http, base, {}, ids) == {"llama3.2": 2048, "qwen2.5": 2048}
        local_provider.local_server = LocalServer("ollama", context_length=32768)
        assert await reported_windows(http, base, {}, ids) == {"llama3.2": 32768, "qwen2.5": 32768}
        paths = [r.path for r in local_provider.requests]
        assert paths == ["/props", "/props", "/api/show", "/api/show"], "each server 404s the other's"
    finally:
        await http.aclose()


# ---------------------------------------------------------------- fitting a turn


def resolved(window: int | None, *, local: bool = True) -> ResolvedModel:
    name = "ollama" if local else "openai"
    config = ProviderConfig(name, "openai", "http://127.0.0.1:9/v1", is_local=local)
    model = ProviderRegistry([config], max_retries=0).resolve(f"{config.name}/m")
    return replace(model, capabilities=replace(model.capabilities, context_window=window))


def plan_of(model: ResolvedModel, messages: list[ChatMessage], system: str | None = None) -> Plan:
    request = ChatRequest(model="", messages=tuple(messages), system=system)
    return Plan("direct", request, (model,), None, 0.7, None, False)


def history(turns: int, chars: int = 400) -> list[ChatMessage]:
    out = []
    for n in range(turns):
        out += [ChatMessage("user", f"u{n} " + "x" * chars), ChatMessage("assistant", f"a{n} " + "y" * chars)]
    return [*out, ChatMessage("user", "last")]


def test_an_unknown_window_leaves_the_turn_alone() -> None:
    plan = plan_of(resolved(None), history(50))
    assert fit(plan, ContextPolicy()).plan is plan


def test_trimming_keeps_the_newest_turns_and_starts_with_the_user() -> None:
    plan = plan_of(resolved(1024), history(10), system="sys")
    fitted = fit(plan, ContextPolicy(answer_reserve=300))
    sent = fitted.plan.request
    assert sent.system == "sys"
    assert sent.messages[0].role == "user"
    assert sent.messages[-1].text() == "last"
    assert fitted.left_out == 21 - len(sent.messages)
    assert fitted.left_out % 2 == 0
    assert estimate_input_tokens(sent) <= 1024 - 300
    assert sent.max_tokens == 1024 - estimate_input_tokens(sent)
    assert fitted.note == {"left_out": fitted.left_out, "model": "ollama/m", "window": 1024}


def test_a_cloud_window_trims_but_sets_no_max_tokens() -> None:
    fitted = fit(plan_of(resolved(1024, local=False), history(10)), ContextPolicy())
    assert fitted.left_out > 0
    assert fitted.plan.request.max_tokens is None


def test_a_local_first_plan_with_a_cloud_fallback_gets_no_max_tokens() -> None:
    # one request goes to every model: "window − prompt" may be past the cloud model's output limit
    cloud, local = resolved(128_000, local=False), resolved(1024)
    plan = replace(plan_of(cloud, history(10)), local=local)
    fitted = fit(plan, ContextPolicy())
    assert fitted.note is not None
    assert fitted.note["model"] == "ollama/m", "trimmed to the smallest window"
    assert fitted.plan.request.max_tokens is None


def test_a_message_too_long_alone_is_refused_even_when_trimming() -> None:
    plan = plan_of(resolved(1024), [*history(2), ChatMessage("user", "z" * 4000)])
    with pytest.raises(ContextTooLong, match="even with every earlier message left out"):
        fit(plan, ContextPolicy())


def test_refuse_names_the_size_and_suggests_branching() -> None:
    with pytest.raises(ContextTooLong) as raised:
        fit(plan_of(resolved(8192), history(60)), ContextPolicy(overflow="refuse"))
    assert "does not fit ollama/m's 8k context window" in raised.value.message
    assert raised.value.code == "context_length"
    assert raised.value.status_code == 400


def test_window_labels() -> None:
    assert [window_label(w) for w in (512, 2048, 8192, 131072, 200000, 32000)] == [
        "512",
        "2k",
        "8k",
        "128k",
        "200k",
        "32k",
    ]


async def test_the_catalog_asks_for_the_window_but_not_while_an_answer_runs(
    local_provider: FakeProvider,
) -> None:
    local_provider.local_server = LocalServer("llama.cpp", n_ctx=4096)
    config = ProviderConfig("llamacpp", "openai", local_provider.openai_base_url, is_local=True)
    registry = ProviderRegistry([config], max_retries=0)
    catalog = ModelCatalog(registry)
    props = lambda: sum(1 for r in local_provider.requests if r.path == "/props")  # noqa: E731
    try:
        await catalog.refresh()
        assert props() == 1
        assert registry.resolve("llamacpp/gpt-4o-mini").capabilities.context_window == 4096
        [entry] = [m for m in catalog.models() if m.id == "llamacpp/gpt-4o-mini"]
        assert entry.capabilities.context_window == 4096

        local_provider.enqueue(Behaviour(chunks=["a ", "b"], pause_after=1, interruptible=True))
        request = ChatRequest(model="gpt-4o-mini", messages=(ChatMessage("user", "hi"),))
        answer = asyncio.create_task(collect(registry.adapter("llamacpp").stream(request)))
        await asyncio.to_thread(local_provider.wait_until_paused)
        await catalog.refresh()
        assert props() == 1, "asking now would interrupt the running answer"
        local_provider.release()
        assert (await answer).text == "a b"
        local_provider.local_server = LocalServer("llama.cpp", n_ctx=2048)  # restarted with -c 2048
        await catalog.refresh()
        assert props() == 2
        assert registry.resolve("llamacpp/gpt-4o-mini").capabilities.context_window == 2048
    finally:
        local_provider.release()
        await registry.aclose()
