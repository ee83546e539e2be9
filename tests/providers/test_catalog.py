"""``GET /api/models``: live and fallback entries, genai-prices prices, $0 for local models, null for
unknown ones; a failing provider keeps its list; with nothing configured the answer says what to do; and a
further OpenAI-compatible vendor needs a config file entry only."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from llm_router.providers.base import ChatMessage, ChatRequest, collect
from llm_router.providers.catalog import ModelCatalog
from llm_router.providers.config import ProviderConfig
from llm_router.providers.registry import ProviderRegistry
from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.server import LiveServer
from tests.support.waiting import wait_until

PROVIDER_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENROUTER_API_KEY",
    "OLLAMA_BASE_URL",
    "GROQ_API_KEY",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROVIDER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def second_fake() -> Iterator[FakeProvider]:
    """Another server: stands for Ollama or a further vendor."""
    with FakeProvider(
        models=["llama3.2", "qwen3:8b", "llama-3.3-70b-versatile"], api_key="gsk-test-1234"
    ) as fake:
        yield fake


def serve(tmp_path: Path, **settings: Any) -> LiveServer:
    values: dict[str, Any] = {"data_dir": tmp_path / "data", "auth": "none", **settings}
    return LiveServer(create_app(Settings(_env_file=None, **values))).start()  # type: ignore[call-arg]


def wait_for_catalog(url: str) -> dict[str, Any]:
    """The answer once every provider has been asked for its list (the first refresh is in the background)."""
    body: dict[str, Any] = wait_until(
        lambda: httpx.get(f"{url}/api/models").json(),
        accept=lambda body: all(p["status"] != "unknown" for p in body["providers"]),
        message="every provider's model list",
    )
    return body


def by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in body["models"]}


def test_models_are_live_or_fallback_with_prices_free_when_local_and_null_when_unknown(
    tmp_path: Path, clean_env: pytest.MonkeyPatch, fake_provider: FakeProvider, second_fake: FakeProvider
) -> None:
    fake_provider.models = ["gpt-4o-mini", "gpt-4o", "my-finetune-xyz"]
    clean_env.setenv("OPENAI_API_KEY", "sk-test-catalog-0001")
    clean_env.setenv("OPENAI_BASE_URL", fake_provider.openai_base_url)
    clean_env.setenv("OLLAMA_BASE_URL", second_fake.url)  # "/v1" is added, as Ollama serves it there
    second_fake.api_key = None  # Ollama takes any key
    server = serve(tmp_path)
    try:
        body = wait_for_catalog(server.url)
    finally:
        server.stop()

    assert body["providers"] == [
        {"name": "openai", "protocol": "openai", "status": "ok", "error": None, "is_local": False},
        {"name": "ollama", "protocol": "openai", "status": "ok", "error": None, "is_local": True},
    ]
    assert body["default_model"] == "gpt-5.1"
    assert body["default_reasoning"] == "low"
    assert body["hint"] is None
    models = by_id(body)

    live = models["gpt-4o-mini"]
    assert live["source"] == "live"
    assert live["provider"] == "openai"
    assert live["price"] == {"input_per_mtok": 0.15, "output_per_mtok": 0.6}
    assert live["capabilities"] == {
        "vision": True,
        "reasoning": False,
        "image_generation": False,
        "context_window": 128000,
    }

    fallback = models["gpt-5.1"]  # not on the server's list: from the bundled list
    assert fallback["source"] == "fallback"
    assert fallback["price"] == {"input_per_mtok": 1.25, "output_per_mtok": 10.0}
    assert fallback["capabilities"]["reasoning"] is True

    assert models["my-finetune-xyz"]["source"] == "live"
    assert models["my-finetune-xyz"]["price"] is None, "unknown, never $0"

    local = models["ollama/llama3.2"]
    assert local == {
        "id": "ollama/llama3.2",
        "provider": "ollama",
        "model": "llama3.2",
        "source": "live",
        "is_local": True,
        "capabilities": {
            "vision": False,
            "reasoning": False,
            "image_generation": False,
            "context_window": None,
        },
        "price": {"input_per_mtok": 0.0, "output_per_mtok": 0.0},
    }
    assert models["ollama/qwen3:8b"]["capabilities"]["reasoning"] is True
    assert all(m["provider"] != "anthropic" for m in body["models"]), "only configured providers"


def test_with_no_provider_the_answer_says_how_to_add_one(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    server = serve(tmp_path)
    try:
        response = httpx.get(f"{server.url}/api/models")
    finally:
        server.stop()
    assert response.status_code == 200
    body = response.json()
    assert body["providers"] == []
    assert body["models"] == []
    assert body["default_model"] is None
    for fix in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OLLAMA_BASE_URL", "LLM_ROUTER_PROVIDERS_FILE"):
        assert fix in body["hint"]


async def test_a_failing_provider_keeps_its_last_list_and_says_why(fake_provider: FakeProvider) -> None:
    key = "sk-test-catalog-canary-9f8e7d"
    registry = ProviderRegistry(
        [ProviderConfig("openai", "openai", fake_provider.openai_base_url, key)], max_retries=0
    )
    catalog = ModelCatalog(registry)
    try:
        await catalog.refresh()
        first = {m.id: m.source for m in catalog.models()}
        assert first["gpt-4o"] == "live"

        fake_provider.api_key = "sk-some-other-key"  # the server now rejects ours
        await catalog.refresh()
    finally:
        await registry.aclose()

    [provider] = catalog.providers()
    assert provider["status"] == "error"
    assert "OPENAI_API_KEY" in provider["error"]
    assert key not in provider["error"]
    assert {m.id: m.source for m in catalog.models()} == first, "the last good list is kept"
    assert registry.resolve("claude-haiku-4-5").provider.name == "openai", "live ids resolve by list"


def test_a_further_vendor_is_added_by_a_config_file_alone(
    tmp_path: Path, clean_env: pytest.MonkeyPatch, second_fake: FakeProvider
) -> None:
    providers_file = tmp_path / "providers.yaml"
    providers_file.write_text(
        "providers:\n"
        "  - name: groq\n"
        f"    base_url: {second_fake.openai_base_url}\n"
        "    api_key_env: GROQ_API_KEY\n"
    )
    clean_env.setenv("GROQ_API_KEY", "gsk-test-1234")
    server = serve(tmp_path, providers_file=providers_file)
    try:
        body = wait_for_catalog(server.url)
    finally:
        server.stop()

    assert body["providers"] == [
        {"name": "groq", "protocol": "openai", "status": "ok", "error": None, "is_local": False}
    ]
    assert body["default_model"] == "groq/llama-3.3-70b-versatile", "without OpenAI: the first one listed"
    groq = by_id(body)["groq/llama-3.3-70b-versatile"]
    assert groq["source"] == "live"
    assert groq["price"] is not None, "genai-prices knows Groq's prices"
    assert groq["price"]["input_per_mtok"] > 0


async def test_a_config_file_vendor_streams(tmp_path: Path, second_fake: FakeProvider) -> None:
    providers_file = tmp_path / "providers.toml"
    providers_file.write_text(
        "[[providers]]\n"
        'name = "groq"\n'
        f'base_url = "{second_fake.openai_base_url}"\n'
        'api_key_env = "GROQ_API_KEY"\n'
    )
    settings = Settings(_env_file=None, data_dir=tmp_path, providers_file=providers_file)  # type: ignore[call-arg]
    registry = ProviderRegistry.from_settings(settings, {"GROQ_API_KEY": "gsk-test-1234"}, max_retries=0)
    second_fake.enqueue(Behaviour(chunks=["fast ", "answer"]))
    try:
        resolved = registry.resolve("groq/llama-3.3-70b-versatile")
        result = await collect(
            resolved.adapter.stream(
                ChatRequest(model=resolved.model_id, messages=(ChatMessage("user", "hi"),))
            )
        )
    finally:
        await registry.aclose()
    assert result.text == "fast answer"
    assert result.usage.output_tokens > 0
    [request] = second_fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.api_key == "gsk-test-1234"
    assert request.json["model"] == "llama-3.3-70b-versatile"


def test_a_provider_that_never_answers_does_not_hold_up_start_up(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        clean_env.setenv("OPENAI_API_KEY", "sk-test-silent-0001")
        clean_env.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{silent.getsockname()[1]}/v1")
        server = serve(tmp_path)
        try:
            body = httpx.get(f"{server.url}/api/models").json()
        finally:
            server.stop()
    assert body["providers"] == [
        {"name": "openai", "protocol": "openai", "status": "unknown", "error": None, "is_local": False}
    ]
    assert by_id(body)["gpt-5.1"]["source"] == "fallback", "the bundled list shows until the live one arrives"
    assert body["default_model"] == "gpt-5.1"
