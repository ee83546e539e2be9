"""Helpers for conversation and generation tests: a server wired to the fake provider, an SSE reader,
and waiting for an answer to finish (a deadline, never a timed assertion)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from llm_router.api.app import create_app
from llm_router.core.settings import Settings
from llm_router.testing import FakeProvider
from tests.support.server import LiveServer
from tests.support.waiting import wait_until

MODEL = "gpt-4o"  # not a title model (those answer titles in the background)
FINAL = ("complete", "error", "interrupted", "cancelled")
PROVIDER_VARIABLES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")
FAKE_KEY = "sk-test-fake-key-0123456789"


def provider_env(fake: FakeProvider) -> dict[str, str]:
    return {"OPENAI_API_KEY": FAKE_KEY, "OPENAI_BASE_URL": fake.openai_base_url}


def use_fake_provider(monkeypatch: pytest.MonkeyPatch, fake: FakeProvider) -> None:
    for name in (*PROVIDER_VARIABLES, "OPENROUTER_API_KEY", "OLLAMA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in provider_env(fake).items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def chat_server(
    settings: Settings, fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    """The app on loopback (current backend), its OpenAI provider being the fake server."""
    use_fake_provider(monkeypatch, fake_provider)
    server = LiveServer(create_app(settings)).start()
    yield server
    server.stop()


@pytest.fixture
def client(chat_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=chat_server.url, headers={"X-Device-Id": "phone-1"}, timeout=30) as c:
        yield c


def new_conversation(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/conversations", json={"model": MODEL, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


def send(client: httpx.Client, conversation_id: str, content: str, **extra: Any) -> dict[str, Any]:
    response = client.post(
        f"/api/conversations/{conversation_id}/messages", json={"content": content, **extra}
    )
    assert response.status_code == 202, response.text
    return dict(response.json())


def wait_final(client: httpx.Client, message_id: str, timeout: float = 30) -> dict[str, Any]:
    return wait_until(
        lambda: dict(client.get(f"/api/messages/{message_id}").json()),
        timeout=timeout,
        accept=lambda message: message["status"] in FINAL,
        message=f"message {message_id} to finish ({'/'.join(FINAL)})",
    )


@dataclass
class SseEvent:
    event: str
    id: str | None
    data: Any


@dataclass
class SseReader:
    """Reads an SSE response event by event."""

    response: httpx.Response
    comments: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lines = self.response.iter_lines()

    def next(self) -> SseEvent:
        event, event_id, data = "message", None, []
        for line in self._lines:
            if line == "":
                if data:
                    return SseEvent(event, event_id, json.loads("\n".join(data)))
                continue
            if line.startswith(":"):
                self.comments.append(line)
                continue
            name, _, value = line.partition(": ")
            if name == "event":
                event = value
            elif name == "id":
                event_id = value
            elif name == "data":
                data.append(value)
        raise EOFError("stream closed")

    def until_done(self) -> list[SseEvent]:
        events = []
        while True:
            event = self.next()
            events.append(event)
            if event.event == "done":
                return events


def text_of(events: list[SseEvent]) -> str:
    return "".join(e.data["text"] for e in events if e.event == "delta")


def read_stream(client: httpx.Client, message_id: str, last_event_id: str | None = None) -> list[SseEvent]:
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    with client.stream("GET", f"/api/messages/{message_id}/stream", headers=headers) as response:
        assert response.status_code == 200, response.read()
        return SseReader(response).until_done()
