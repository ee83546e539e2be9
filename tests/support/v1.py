"""The app with providers pointing at fake servers, for the ``/v1`` tests: a cloud fake serving OpenAI
and Anthropic models, and a second fake playing a local (Ollama-like) server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from anthropic import Anthropic
from openai import OpenAI

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from llm_router.testing.fake_provider import FakeProvider
from tests.support.server import LiveServer
from tests.support.waiting import wait_until

OPENAI_MODEL = "gpt-4o-mini"
OPENAI_BIG = "gpt-4o"
ANTHROPIC_MODEL = "claude-haiku-4-5"
LOCAL_MODEL = "ollama/llama3.2"
UPSTREAM_KEY = "sk-upstream-secret-key-0123456789"


def providers_file(path: Path, cloud: FakeProvider, local: FakeProvider) -> Path:
    providers = [
        {
            "name": "openai",
            "protocol": "openai",
            "base_url": cloud.openai_base_url,
            "api_key": UPSTREAM_KEY,
            "models": [OPENAI_MODEL, OPENAI_BIG],
        },
        {
            "name": "anthropic",
            "protocol": "anthropic",
            "base_url": cloud.anthropic_base_url,
            "api_key": UPSTREAM_KEY,
            "models": [ANTHROPIC_MODEL],
        },
        {
            "name": "ollama",
            "protocol": "openai",
            "base_url": local.openai_base_url,
            "api_key": "local",
            "models": ["llama3.2"],
            "is_local": True,
        },
    ]
    path.write_text(yaml.safe_dump({"providers": providers}))
    return path


@dataclass
class V1App:
    server: LiveServer
    settings: Settings
    clients: list[OpenAI | Anthropic] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def openai(self, token: str = "no-token-needed") -> OpenAI:
        client = OpenAI(base_url=f"{self.url}/v1", api_key=token, max_retries=0)
        self.clients.append(client)
        return client

    def anthropic(self, token: str = "no-token-needed") -> Anthropic:
        client = Anthropic(base_url=self.url, api_key=token, max_retries=0)
        self.clients.append(client)
        return client

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        self.server.stop()

    def logs(self, token: str | None = None, **params: Any) -> list[dict[str, Any]]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = httpx.get(f"{self.url}/api/logs", params=params, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def wait_logs(self, count: int, token: str | None = None, **params: Any) -> list[dict[str, Any]]:
        """Usage rows are written just after the response; wait (bounded) until ``count`` are there."""
        return wait_until(
            lambda: self.logs(token, **params),
            timeout=15,
            interval=0.02,
            accept=lambda items: len(items) >= count,
            message=f"{count} usage log rows",
        )


def start_v1_app(
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    cloud: FakeProvider,
    local: FakeProvider,
    routes: dict[str, Any] | None = None,
    **overrides: Any,
) -> V1App:
    files = tmp_path / "config"
    files.mkdir(exist_ok=True)
    values: dict[str, Any] = {"providers_file": providers_file(files / "providers.yaml", cloud, local)}
    if routes is not None:
        routes_path = files / "routes.yaml"
        routes_path.write_text(yaml.safe_dump(routes))
        values["routes"] = routes_path
    settings = make_settings(**values, **overrides)
    return V1App(LiveServer(create_app(settings)).start(), settings)
