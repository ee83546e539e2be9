"""Provider configuration (environment and file), model-name resolution, and prices/costs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from llm_router.core.errors import AppError, StartupError
from llm_router.core.settings import Settings
from llm_router.providers.base import Usage
from llm_router.providers.config import ProviderConfig, load_provider_configs
from llm_router.providers.pricing import FREE, cost_of, price_of
from llm_router.providers.registry import ProviderRegistry

README = Path(__file__).resolve().parents[2] / "README.md"


def settings_with(tmp_path: Path, providers_file: Path | None = None) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, providers_file=providers_file)  # type: ignore[call-arg]


def test_the_usual_variables_configure_the_well_known_providers(tmp_path: Path) -> None:
    env = {
        "OPENAI_API_KEY": "sk-openai-1111",
        "ANTHROPIC_API_KEY": "sk-ant-2222",
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:9/anthropic",
        "OPENROUTER_API_KEY": "sk-or-3333",
        "OLLAMA_BASE_URL": "http://127.0.0.1:11434/",
    }
    configs = {c.name: c for c in load_provider_configs(settings_with(tmp_path), env)}
    assert list(configs) == ["openai", "anthropic", "openrouter", "ollama"]
    assert configs["openai"].base_url == "https://api.openai.com/v1"
    assert configs["anthropic"].base_url == "http://127.0.0.1:9/anthropic"
    assert configs["anthropic"].protocol == "anthropic"
    assert (configs["openrouter"].protocol, configs["openrouter"].base_url) == (
        "openai",
        "https://openrouter.ai/api/v1",
    )
    ollama = configs["ollama"]
    assert (ollama.base_url, ollama.is_local, ollama.api_key) == ("http://127.0.0.1:11434/v1", True, None)
    assert load_provider_configs(settings_with(tmp_path), {}) == [], "nothing configured is fine"


def test_a_providers_file_adds_vendors_in_yaml_or_toml(tmp_path: Path) -> None:
    yaml_file = tmp_path / "providers.yaml"
    yaml_file.write_text(
        "providers:\n"
        "  - name: groq\n"
        "    base_url: https://api.groq.com/openai/v1\n"
        "    api_key_env: GROQ_API_KEY\n"
        "  - name: lmstudio\n"
        "    base_url: http://127.0.0.1:1234/v1\n"
        "    is_local: true\n"
        "    models: [qwen2.5-7b-instruct]\n"
    )
    configs = load_provider_configs(settings_with(tmp_path, yaml_file), {"GROQ_API_KEY": "gsk-1234567890"})
    groq, lmstudio = configs
    assert (groq.name, groq.protocol, groq.api_key, groq.key_source) == (
        "groq",
        "openai",
        "gsk-1234567890",
        "env",
    )
    assert lmstudio.models == ("qwen2.5-7b-instruct",)
    assert lmstudio.is_local

    toml_file = tmp_path / "providers.toml"
    toml_file.write_text(
        '[[providers]]\nname = "claude-proxy"\nprotocol = "anthropic"\n'
        'base_url = "https://proxy.example/anthropic"\napi_key = "sk-ant-file-5555"\n'
    )
    [proxy] = load_provider_configs(settings_with(tmp_path, toml_file), {})
    assert (proxy.protocol, proxy.key_source, proxy.api_key) == ("anthropic", "file", "sk-ant-file-5555")


def test_a_file_entry_replaces_the_environment_one_of_the_same_name(tmp_path: Path) -> None:
    file = tmp_path / "p.yaml"
    file.write_text("- name: openai\n  base_url: https://gateway.example/v1\n  api_key_env: GATEWAY_KEY\n")
    [openai] = load_provider_configs(
        settings_with(tmp_path, file), {"OPENAI_API_KEY": "sk-a", "GATEWAY_KEY": "g-1"}
    )
    assert (openai.base_url, openai.api_key) == ("https://gateway.example/v1", "g-1")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("providers:\n  - name: groq\n    base_url: https://x/v1\n    api_kye: k\n", "api_kye"),
        ("providers:\n  - name: Bad Name\n    base_url: https://x/v1\n", "name"),
        ("providers:\n  - name: groq\n    base_url: ftp://x\n", "base_url"),
        (
            "providers:\n  - {name: a, base_url: 'https://x'}\n  - {name: a, base_url: 'https://y'}\n",
            "duplicate",
        ),
        ("providers:\n  - {name: a, base_url: 'https://x', api_key: k, api_key_env: K}\n", "not both"),
        ("providers: [unclosed\n", "not valid"),
    ],
)
def test_a_broken_providers_file_stops_start_up_with_one_line(
    tmp_path: Path, content: str, problem: str
) -> None:
    file = tmp_path / "providers.yaml"
    file.write_text(content)
    with pytest.raises(StartupError) as caught:
        load_provider_configs(settings_with(tmp_path, file), {})
    message = str(caught.value)
    assert "LLM_ROUTER_PROVIDERS_FILE" in message
    assert str(file) in message
    assert problem in message
    assert "\n" not in message.strip()


def test_a_missing_providers_file_names_itself(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match="cannot read it"):
        load_provider_configs(settings_with(tmp_path, tmp_path / "nope.yaml"), {})


@pytest.fixture
async def registry() -> AsyncIterator[ProviderRegistry]:
    registry = ProviderRegistry(
        [
            ProviderConfig("openai", "openai", "http://127.0.0.1:9/v1", "sk-a"),
            ProviderConfig("openrouter", "openai", "http://127.0.0.1:9/or", "sk-or"),
            ProviderConfig("ollama", "openai", "http://127.0.0.1:9/v1", None, is_local=True),
        ]
    )
    registry.set_known_models("ollama", ["llama3.2"])
    yield registry
    await registry.aclose()


async def test_names_resolve_by_prefix_catalog_or_family(registry: ProviderRegistry) -> None:
    routed = registry.resolve("openrouter/anthropic/claude-sonnet-4.5")
    assert (routed.provider.name, routed.model_id, routed.id) == (
        "openrouter",
        "anthropic/claude-sonnet-4.5",
        "openrouter/anthropic/claude-sonnet-4.5",
    )
    assert routed.capabilities.reasoning
    local = registry.resolve("llama3.2")  # bare, but only Ollama lists it
    assert (local.provider.name, local.id, local.is_local) == ("ollama", "ollama/llama3.2", True)
    family = registry.resolve("gpt-4.5-preview-unlisted")
    assert (family.provider.name, family.model_id, family.id) == (
        "openai",
        "gpt-4.5-preview-unlisted",
        "gpt-4.5-preview-unlisted",
    )
    assert registry.resolve("o3").provider.name == "openai"
    assert registry.resolve("gpt-5.1").adapter is registry.resolve("gpt-4o").adapter, (
        "one adapter per provider"
    )


async def test_unknown_models_and_unconfigured_providers_say_what_to_do(registry: ProviderRegistry) -> None:
    with pytest.raises(AppError) as unknown:
        registry.resolve("mystery-model")
    assert (unknown.value.status_code, unknown.value.code) == (404, "model_not_found")
    assert "gpt-5.1" in unknown.value.message
    assert "more (GET /api/models lists them all)" in unknown.value.message, "the first 20, then a count"

    with pytest.raises(AppError) as claude:
        registry.resolve("claude-sonnet-4-6")
    assert (claude.value.status_code, claude.value.code) == (400, "provider_not_configured")
    assert "ANTHROPIC_API_KEY" in claude.value.message

    with pytest.raises(AppError) as prefixed:
        registry.resolve("anthropic/claude-sonnet-4-6")
    assert "set ANTHROPIC_API_KEY" in prefixed.value.message


async def test_default_model_is_gpt_5_1_low_with_openai_else_the_first_available() -> None:
    with_openai = ProviderRegistry([ProviderConfig("openai", "openai", "http://x/v1", "sk-a")])
    default = with_openai.default_model()
    assert default is not None
    assert (default.id, default.reasoning) == ("gpt-5.1", "low")
    only_local = ProviderRegistry([ProviderConfig("ollama", "openai", "http://x/v1", None, is_local=True)])
    assert only_local.default_model() is None
    only_local.set_known_models("ollama", ["llama3.2", "qwen3"])
    assert only_local.default_model() == type(default)("ollama/llama3.2", None)
    assert ProviderRegistry([]).default_model() is None


async def test_vault_providers_are_added_and_replaced_at_runtime(registry: ProviderRegistry) -> None:
    changes: list[int] = []
    registry.add_listener(lambda: changes.append(1))
    groq = ProviderConfig("groq", "openai", "https://api.groq.com/openai/v1", "gsk-1", key_source="vault")
    registry.replace_dynamic([groq])
    first = registry.resolve("groq/llama-3.3-70b-versatile")
    assert first.provider.api_key == "gsk-1"
    registry.replace_dynamic([groq])
    assert registry.resolve("groq/x").adapter is first.adapter, "an unchanged config keeps its adapter"
    registry.replace_dynamic([ProviderConfig("groq", "openai", groq.base_url, "gsk-2", key_source="vault")])
    second = registry.resolve("groq/llama-3.3-70b-versatile")
    assert second.provider.api_key == "gsk-2"
    assert second.adapter is not first.adapter
    registry.replace_dynamic([])
    with pytest.raises(AppError):
        registry.resolve("groq/llama-3.3-70b-versatile")
    assert len(changes) == 4
    assert "update the key of 'groq' under Settings → Keys" in groq.how_to_set_key()


def test_prices_come_from_genai_prices_local_is_free_unknown_is_none() -> None:
    price = price_of("openai", "gpt-5.1", is_local=False)
    assert price is not None
    assert (price.input_per_mtok, price.output_per_mtok) == (1.25, 10.0)
    assert price_of("ollama", "llama3.2", is_local=True) == FREE
    assert price_of("my-vendor", "my-model", is_local=False) is None
    assert price_of("openai", "not-a-real-model-name", is_local=False) is None


def test_costs_count_cached_input_at_its_lower_rate_and_reasoning_as_output() -> None:
    plain = cost_of("openai", "gpt-5.1", Usage(input_tokens=10_000, output_tokens=1_000), is_local=False)
    cached = cost_of(
        "openai",
        "gpt-5.1",
        Usage(input_tokens=10_000, output_tokens=1_000, cached_tokens=8_000),
        is_local=False,
    )
    reasoning = cost_of(
        "openai",
        "gpt-5.1",
        Usage(input_tokens=10_000, output_tokens=1_000, reasoning_tokens=600),
        is_local=False,
    )
    assert plain == pytest.approx((10_000 * 1.25 + 1_000 * 10) / 1e6)
    assert cached == pytest.approx((2_000 * 1.25 + 8_000 * 0.125 + 1_000 * 10) / 1e6)
    assert reasoning == pytest.approx(plain)
    assert cost_of("ollama", "llama3.2", Usage(5, 5), is_local=True) == 0.0
    assert cost_of("my-vendor", "my-model", Usage(5, 5), is_local=False) is None


def test_readme_documents_providers_with_config_only_examples() -> None:
    text = README.read_text()
    section = text[text.index("## Providers") :]
    for vendor in ("Groq", "LM Studio", "llama.cpp", "vLLM"):
        assert vendor in section
    for variable in ("OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "OPENROUTER_API_KEY", "OLLAMA_BASE_URL"):
        assert variable in section
