"""Pass-through: a request to an upstream of the client's own protocol arrives as the client sent it
(only ``model`` changed, a ``#no_cloud`` tag removed), and the upstream's events come back unchanged but
for the model name; usage is still read for the usage row."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from llm_router.providers.base import Usage
from llm_router.providers.pricing import cost_of
from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour, FakeToolCall, FakeUsage
from tests.support.v1 import ANTHROPIC_MODEL, OPENAI_BIG, OPENAI_MODEL, V1App

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # nothing here is SQL

ROUTES = {
    "routes": {
        "smart": {"models": [ANTHROPIC_MODEL]},
        "quick": {"models": [OPENAI_BIG]},
        "chain": {"models": [OPENAI_MODEL, ANTHROPIC_MODEL]},
    }
}

# what Claude Code sends: system blocks with cache markers, betas, metadata, its own thinking budget
CLAUDE_CODE_BODY: dict[str, Any] = {
    "model": "smart",
    "max_tokens": 32000,
    "stream": True,
    "system": [
        {"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "Project rules…", "cache_control": {"type": "ephemeral"}},
    ],
    "messages": [
        {
            "role": "user",
            "content": [{"type": "text", "text": "hello", "cache_control": {"type": "ephemeral"}}],
        }
    ],
    "thinking": {"type": "enabled", "budget_tokens": 31999},
    "metadata": {"user_id": "user_abc"},
    "context_management": {"edits": [{"type": "clear_thinking_20251015"}]},
    "output_config": {"effort": "high"},
    "tools": [{"name": "Bash", "description": "run", "input_schema": {"type": "object"}}],
}
BETA = "claude-code-20250219,interleaved-thinking-2025-05-14"


@pytest.fixture
def v1_overrides() -> dict[str, object]:
    return {"routes": ROUTES}


def _events(raw: str) -> list[str]:
    return [line.removeprefix("event: ") for line in raw.splitlines() if line.startswith("event: ")]


def test_anthropic_body_headers_and_events_pass_through(v1_app: V1App, fake_provider: FakeProvider) -> None:
    usage = FakeUsage(input_tokens=5000, output_tokens=12, cached_tokens=4000, cache_write_tokens=600)
    fake_provider.enqueue(
        Behaviour(chunks=["Hi"], reasoning_chunks=["hmm"], usage=usage), model=ANTHROPIC_MODEL
    )
    headers = {"anthropic-version": "2023-06-01", "anthropic-beta": BETA, "x-api-key": "ignored"}

    with httpx.stream(
        "POST", f"{v1_app.url}/v1/messages", json=CLAUDE_CODE_BODY, headers=headers, timeout=10
    ) as response:
        raw = response.read().decode()

    assert response.status_code == 200
    assert response.headers["x-llm-router-passthrough"] == "1"
    received = fake_provider.requests[-1]
    assert received.json == {**CLAUDE_CODE_BODY, "model": ANTHROPIC_MODEL}  # cache_control and all
    assert received.headers["anthropic-beta"] == BETA
    assert received.headers["anthropic-version"] == "2023-06-01"
    assert received.api_key != "ignored"  # the router's own key goes upstream
    # the upstream's own events, signature delta and ping included
    assert _events(raw) == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert '"signature_delta"' in raw
    assert '"cache_read_input_tokens":4000' in raw
    [row] = v1_app.wait_logs(1)
    assert (row["tokens_in"], row["tokens_out"], row["tokens_cached"]) == (5000, 12, 4000)
    assert row["tokens_cache_write"] == 600
    priced = cost_of(
        "anthropic",
        ANTHROPIC_MODEL,
        Usage(5000, 12, cached_tokens=4000, cache_write_tokens=600),
        is_local=False,
    )
    assert priced is not None
    assert row["cost"] == pytest.approx(priced)
    assert priced != cost_of("anthropic", ANTHROPIC_MODEL, Usage(5000, 12), is_local=False)


def test_anthropic_non_stream_passes_the_upstream_body_back(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    arguments = '{"command": "ls"}'
    fake_provider.enqueue(Behaviour(tool_calls=[FakeToolCall("Bash", arguments)]), model=ANTHROPIC_MODEL)
    body = {**CLAUDE_CODE_BODY, "stream": False, "max_tokens": 1000, "thinking": {"type": "disabled"}}
    extra = {k: body.pop(k) for k in ("context_management", "output_config")}  # newer than this SDK

    message = v1_app.anthropic().messages.create(**body, extra_body=extra)
    body.update(extra)

    assert fake_provider.requests[-1].json == {**body, "model": ANTHROPIC_MODEL}
    assert message.model == ANTHROPIC_MODEL
    assert message.stop_reason == "tool_use"
    assert message.content[-1].input == {"command": "ls"}  # type: ignore[union-attr]
    [row] = v1_app.wait_logs(1)
    assert row["source"] == "anthropic"
    assert row["tokens_out"] > 0


def test_openai_body_passes_through_and_usage_is_read_on_the_side(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(
        Behaviour(chunks=["a", "b"], usage=FakeUsage(input_tokens=30, output_tokens=2, cached_tokens=20)),
        model=OPENAI_BIG,
    )
    body = {
        "model": "quick",
        "messages": [{"role": "developer", "content": "terse"}, {"role": "user", "content": "hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "prediction": {"type": "content", "content": "ab"},  # a field the router does not model
        "parallel_tool_calls": False,
    }

    with httpx.stream("POST", f"{v1_app.url}/v1/chat/completions", json=body, timeout=10) as response:
        raw = response.read().decode()

    assert fake_provider.requests[-1].json == {**body, "model": OPENAI_BIG}
    assert f'"model":"{OPENAI_BIG}"' in raw
    assert raw.endswith("data: [DONE]\n\n")
    assert '"cached_tokens":20' in raw
    [row] = v1_app.wait_logs(1)
    assert (row["route"], row["tokens_in"], row["tokens_cached"]) == ("quick", 30, 20)


def test_no_cloud_tag_is_removed_from_a_passed_through_body(
    v1_app: V1App, fake_provider: FakeProvider, local_provider: FakeProvider
) -> None:
    body = {"model": "ollama/llama3.2", "messages": [{"role": "user", "content": "hi #no_cloud there"}]}

    completion = v1_app.openai().chat.completions.create(**body)  # type: ignore[call-overload]

    assert completion.model == "ollama/llama3.2"  # the upstream said "llama3.2": only the name changes

    assert local_provider.requests[-1].json == {
        "model": "llama3.2",
        "messages": [{"role": "user", "content": "hi there"}],
    }


def test_different_protocols_are_translated(v1_app: V1App, fake_provider: FakeProvider) -> None:
    fake_provider.enqueue(Behaviour(chunks=["ok"]), model=OPENAI_MODEL)
    with v1_app.anthropic().messages.with_streaming_response.create(
        model=OPENAI_MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}], stream=True
    ) as response:
        response.read()
        assert "x-llm-router-passthrough" not in response.headers
    assert "max_tokens" in fake_provider.requests[-1].json or "max_completion_tokens" in str(
        fake_provider.requests[-1].json
    )


def test_a_fallback_from_a_translated_model_to_a_passed_through_one(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(status=503, retry_after=0.01), model=OPENAI_MODEL)
    fake_provider.enqueue(Behaviour(chunks=["from ", "claude"]), model=ANTHROPIC_MODEL)
    body = {**CLAUDE_CODE_BODY, "model": "chain", "thinking": {"type": "disabled"}}

    with httpx.stream("POST", f"{v1_app.url}/v1/messages", json=body, timeout=10) as response:
        raw = response.read().decode()

    assert response.headers["x-llm-router-passthrough"] == "1"
    assert response.headers["x-llm-router-route"] == f"chain -> {ANTHROPIC_MODEL}"
    assert fake_provider.requests[-1].json == {**body, "model": ANTHROPIC_MODEL}
    assert '"text":"from "' in raw
    [row] = v1_app.wait_logs(1)
    assert [a["outcome"] for a in row["attempts"]] == ["upstream_error", "ok"]


def test_an_empty_stream_passed_through_is_a_context_overflow_not_a_cut(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    """llama.cpp's server answers a prompt past its window with an empty 200 stream; the pass-through path
    reads it as the translated path does."""
    fake_provider.enqueue(Behaviour(context_window=5, stream_usage=False))
    body = {"model": OPENAI_MODEL, "messages": [{"role": "user", "content": "word " * 50}], "stream": True}
    response = httpx.post(f"{v1_app.url}/v1/chat/completions", json=body, timeout=10)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "context_length"
    assert "retry" not in error["message"]
