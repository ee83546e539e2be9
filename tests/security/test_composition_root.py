"""The services are assembled in one place (``api/services.py``), so no order of start-up steps can leave
custom endpoints without the SSRF guard, and nothing else reaches into ``app.state``."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

from llm_router.api.services import open_services
from llm_router.core.settings import Settings
from llm_router.providers.base import ChatMessage, ChatRequest, UpstreamError, collect
from llm_router.providers.config import ProviderConfig
from llm_router.services.routing import RoutesFile

from .test_ssrf import local_http  # noqa: F401  (a plain HTTP server on 127.0.0.1)

SOURCE = Path(__file__).resolve().parents[2] / "src" / "llm_router"
ROOT = SOURCE / "api" / "services.py"


def _state_probes(path: Path) -> list[str]:
    """``getattr``/``hasattr``/``setattr`` on something's ``.state``, and assignments to ``app.state.x``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "hasattr", "setattr", "delattr"}
            and node.args
            and isinstance(node.args[0], ast.Attribute)
            and node.args[0].attr == "state"
        ):
            found.append(f"{path.relative_to(SOURCE)}:{node.lineno} {node.func.id}(….state, …)")
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Attribute)
                and target.value.attr == "state"
                and isinstance(target.value.value, ast.Attribute | ast.Name)
                and getattr(target.value.value, "attr", getattr(target.value.value, "id", "")) == "app"
            ):
                found.append(f"{path.relative_to(SOURCE)}:{node.lineno} app.state.{target.attr} = …")
    return found


def test_nothing_outside_the_composition_root_probes_or_sets_app_state() -> None:
    probes = [p for path in SOURCE.rglob("*.py") if path != ROOT for p in _state_probes(path)]
    assert probes == []
    # the check itself sees what it looks for: the root sets the one attribute
    assert _state_probes(ROOT) == [
        "api/services.py:" + _line_of(ROOT, "app.state.services =") + " app.state.services = …"
    ]


def _line_of(path: Path, text: str) -> str:
    return str(next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line))


def _settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, allowed_private_hosts=[])  # type: ignore[call-arg]


@pytest.mark.parametrize("view", ["instance", "user"])
def test_a_custom_endpoint_on_a_private_address_is_refused_at_connect_time(
    tmp_path: Path,
    local_http: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    view: str,
) -> None:
    """A vault entry whose host resolves to a private address after it was saved (DNS rebinding) is
    refused when the adapter connects, for the instance's providers and for a user's view alike."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "OLLAMA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    rebound = ProviderConfig(
        name="rebound",
        protocol="openai",
        base_url=f"{local_http}/v1",
        api_key="sk-test-0000",
        key_source="vault",
    )

    async def run() -> None:
        async with open_services(_settings(tmp_path), RoutesFile()) as services:
            services.providers.replace_dynamic([rebound])  # as the vault publishes an instance entry
            registry = services.providers
            if view == "user":
                registry = await services.user_providers.for_user("someone")
            model = registry.resolve("rebound/some-model")
            request = ChatRequest(model="some-model", messages=(ChatMessage("user", "hi"),), max_retries=0)
            with pytest.raises(UpstreamError) as failure:
                await collect(model.adapter.stream(request))
            assert failure.value.kind in {"connection", "network", "unavailable"}, failure.value.kind
            assert "LLM_ROUTER_ALLOWED_PRIVATE_HOSTS" in failure.value.message

    asyncio.run(run())
