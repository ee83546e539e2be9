"""``/v1`` booleans are JSON booleans: ``"stream": "yes"`` (or ``1``, ``"true"``) is a 422 in the protocol's
own error shape, never read as true (issue #20.10)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from llm_router.testing.fake_provider import FakeProvider
from tests.support.v1 import ANTHROPIC_MODEL, OPENAI_MODEL, V1App

HELLO = [{"role": "user", "content": "hello"}]
AUTH = {"authorization": "Bearer no-token-needed", "x-api-key": "no-token-needed"}


@pytest.mark.parametrize("value", ["yes", "true", 1, "1"])
@pytest.mark.parametrize(
    "field", ["stream", "logprobs", "stream_options.include_usage"], ids=lambda f: f.replace(".", "-")
)
def test_openai_booleans_are_strict(
    v1_app: V1App, fake_provider: FakeProvider, field: str, value: Any
) -> None:
    body: dict[str, Any] = {"model": OPENAI_MODEL, "messages": HELLO, "stream": True}
    if field == "stream_options.include_usage":
        body["stream_options"] = {"include_usage": value}
    else:
        body[field] = value
    response = httpx.post(f"{v1_app.url}/v1/chat/completions", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert field.split(".")[-1] in error["message"]
    assert fake_provider.requests == [], "nothing reached the provider"


@pytest.mark.parametrize("value", ["yes", 1])
def test_anthropic_stream_is_strict(v1_app: V1App, fake_provider: FakeProvider, value: Any) -> None:
    body = {"model": ANTHROPIC_MODEL, "max_tokens": 5, "messages": HELLO, "stream": value}
    response = httpx.post(
        f"{v1_app.url}/v1/messages", json=body, headers={**AUTH, "anthropic-version": "2023-06-01"}
    )
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["type"] == "error"
    assert answer["error"]["type"] == "invalid_request_error"
    assert "stream" in answer["error"]["message"]
    assert fake_provider.requests == []


def test_real_booleans_still_work(v1_app: V1App) -> None:
    body = {"model": OPENAI_MODEL, "messages": HELLO, "stream": False, "logprobs": False}
    response = httpx.post(f"{v1_app.url}/v1/chat/completions", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"]


@pytest.mark.parametrize("field", ["stream", "store", "parallel_tool_calls"])
def test_responses_booleans_are_strict(v1_app: V1App, fake_provider: FakeProvider, field: str) -> None:
    body: dict[str, Any] = {"model": OPENAI_MODEL, "input": "hello", field: "yes"}
    response = httpx.post(f"{v1_app.url}/v1/responses", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert field in error["message"]
    assert fake_provider.requests == []
