"""``/v1/chat/completions`` driven by the official ``openai`` SDK, with the fake provider behind the app."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour, FakeToolCall, FakeUsage
from tests.support.v1 import ANTHROPIC_MODEL, OPENAI_MODEL, UPSTREAM_KEY, V1App

PIXEL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def test_non_stream_answer_with_usage_and_the_answering_model(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    usage = FakeUsage(input_tokens=12, output_tokens=3)
    fake_provider.enqueue(Behaviour(chunks=["Hello", " world"], usage=usage), model=OPENAI_MODEL)

    completion = v1_app.openai().chat.completions.create(
        model=OPENAI_MODEL,
        messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
    )

    assert completion.choices[0].message.content == "Hello world"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == OPENAI_MODEL
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (12, 3)
    sent = fake_provider.requests[-1].json
    assert sent["messages"][-1] == {"role": "user", "content": "hi"}
    [row] = v1_app.wait_logs(1)
    assert (row["source"], row["model"], row["tokens_in"], row["tokens_out"]) == (
        "openai",
        OPENAI_MODEL,
        12,
        3,
    )
    assert row["cost"] is not None
    assert row["cost"] > 0
    assert row["status"] == "ok"


def test_stream_with_include_usage_is_exactly_openais_shape(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    pieces = ["The ", "quick ", "brown ", "fox"]
    fake_provider.enqueue(Behaviour(chunks=pieces, usage=FakeUsage(input_tokens=7, output_tokens=4)))

    stream = v1_app.openai().chat.completions.create(
        model=OPENAI_MODEL,
        messages=[{"role": "user", "content": "go"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "".join(pieces)
    assert all(c.usage is None for c in chunks[:-1])
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (7, 4)
    assert chunks[-2].choices[0].finish_reason == "stop"


def test_raw_stream_ends_with_done_and_carries_the_route_header(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=["a", "b"]))
    body = {"model": OPENAI_MODEL, "messages": [{"role": "user", "content": "x"}], "stream": True}
    with httpx.stream("POST", f"{v1_app.url}/v1/chat/completions", json=body, timeout=10) as response:
        raw = response.read().decode()
    assert response.status_code == 200
    assert response.headers["x-llm-router-route"] == f"direct -> {OPENAI_MODEL}"
    assert raw.endswith("data: [DONE]\n\n")
    assert '"usage"' not in raw  # without include_usage, no usage field at all (as OpenAI)


def test_streamed_tool_call_arguments_reassemble(v1_app: V1App, fake_provider: FakeProvider) -> None:
    arguments = json.dumps({"city": "Paris", "unit": "celsius", "days": [1, 2, 3]})
    fake_provider.enqueue(Behaviour(tool_calls=[FakeToolCall("get_weather", arguments, id="call_w1")]))
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]

    stream = v1_app.openai().chat.completions.create(
        model=OPENAI_MODEL, messages=[{"role": "user", "content": "weather?"}], tools=tools, stream=True
    )
    calls: dict[int, dict[str, str]] = {}
    finish = None
    for chunk in stream:
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for delta in choice.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
                call["id"] += delta.id or ""
                if delta.function is not None:
                    call["name"] += delta.function.name or ""
                    call["arguments"] += delta.function.arguments or ""

    assert calls == {0: {"id": "call_w1", "name": "get_weather", "arguments": arguments}}
    assert finish == "tool_calls"
    assert fake_provider.requests[-1].json["tools"][0]["function"]["name"] == "get_weather"


def test_an_upstream_cut_mid_stream_makes_the_sdk_raise(v1_app: V1App, fake_provider: FakeProvider) -> None:
    fake_provider.enqueue(Behaviour(chunks=["one ", "two ", "three ", "four"], cut_after=2))

    stream = v1_app.openai().chat.completions.create(
        model=OPENAI_MODEL, messages=[{"role": "user", "content": "count"}], stream=True
    )
    received: list[str] = []

    def read_all() -> None:
        for chunk in stream:
            received.extend(c.delta.content or "" for c in chunk.choices)

    with pytest.raises(openai.APIError):
        read_all()
    assert "".join(received) == "one two "
    [row] = v1_app.wait_logs(1)
    assert row["status"] == "error"


def test_an_upstream_429_reaches_the_sdk_as_429_with_retry_after(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    # every attempt (the adapter's own retries too) is refused
    fake_provider.set_default(Behaviour(status=429, retry_after=0.01))

    with pytest.raises(openai.RateLimitError) as caught:
        v1_app.openai().chat.completions.create(
            model=OPENAI_MODEL, messages=[{"role": "user", "content": "x"}]
        )

    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "1"
    error = caught.value.response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert UPSTREAM_KEY not in caught.value.response.text


def test_image_parts_reach_the_upstream(v1_app: V1App, fake_provider: FakeProvider) -> None:
    content = [{"type": "text", "text": "what is this?"}, {"type": "image_url", "image_url": {"url": PIXEL}}]
    v1_app.openai().chat.completions.create(
        model=OPENAI_MODEL, messages=[{"role": "user", "content": content}]
    )
    assert fake_provider.requests[-1].images == [PIXEL]


def test_an_openai_request_can_reach_an_anthropic_upstream(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=["Bonjour"], usage=FakeUsage(input_tokens=5, output_tokens=2)))
    completion = v1_app.openai().chat.completions.create(
        model=ANTHROPIC_MODEL, messages=[{"role": "user", "content": "salut"}]
    )
    assert completion.choices[0].message.content == "Bonjour"
    assert completion.model == ANTHROPIC_MODEL
    assert fake_provider.requests[-1].path.endswith("/messages")


def test_errors_are_in_openais_shape(v1_app: V1App) -> None:
    with pytest.raises(openai.NotFoundError) as unknown:
        v1_app.openai().chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "x"}]
        )
    assert unknown.value.response.json()["error"]["type"] == "invalid_request_error"

    response = httpx.post(f"{v1_app.url}/v1/chat/completions", json={"model": OPENAI_MODEL}, timeout=10)
    assert response.status_code == 422
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert "messages" in error["message"]


def test_models_lists_provider_models_in_openais_shape(v1_app: V1App) -> None:
    ids = [m.id for m in v1_app.openai().models.list()]
    assert OPENAI_MODEL in ids
    assert ANTHROPIC_MODEL in ids
