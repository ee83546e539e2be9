"""``/v1/messages`` driven by the official ``anthropic`` SDK, against an Anthropic and an OpenAI upstream."""

from __future__ import annotations

import json

import anthropic
import httpx
import pytest

from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour, FakeToolCall, FakeUsage
from tests.support.v1 import ANTHROPIC_MODEL, OPENAI_MODEL, V1App

UPSTREAMS = [
    pytest.param(ANTHROPIC_MODEL, id="anthropic-upstream"),
    pytest.param(OPENAI_MODEL, id="openai-upstream"),
]


@pytest.mark.parametrize("model", UPSTREAMS)
def test_create_with_system_and_correct_usage(v1_app: V1App, fake_provider: FakeProvider, model: str) -> None:
    usage = FakeUsage(input_tokens=40, output_tokens=6, cached_tokens=10)
    fake_provider.enqueue(Behaviour(chunks=["Hi", " there"], usage=usage), model=model)

    message = v1_app.anthropic().messages.create(
        model=model, max_tokens=100, system="be kind", messages=[{"role": "user", "content": "hello"}]
    )

    assert [b.type for b in message.content] == ["text"]
    assert message.content[0].text == "Hi there"  # type: ignore[union-attr]
    assert message.model == model
    assert message.stop_reason == "end_turn"
    # Anthropic counts cached input apart: 40 in total = 30 fresh + 10 read from the cache
    assert message.usage.input_tokens == 30
    assert message.usage.cache_read_input_tokens == 10
    assert message.usage.output_tokens == 6
    sent = fake_provider.requests[-1].json
    system_seen = json.dumps(sent.get("system")) + json.dumps(sent.get("messages"))
    assert "be kind" in system_seen


@pytest.mark.parametrize("model", UPSTREAMS)
def test_stream_gives_the_text_and_final_usage(
    v1_app: V1App, fake_provider: FakeProvider, model: str
) -> None:
    pieces = ["Once ", "upon ", "a ", "time"]
    fake_provider.enqueue(
        Behaviour(chunks=pieces, usage=FakeUsage(input_tokens=20, output_tokens=4)), model=model
    )

    with v1_app.anthropic().messages.stream(
        model=model, max_tokens=100, messages=[{"role": "user", "content": "tell"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()

    assert text == "".join(pieces)
    assert final.content[0].text == "".join(pieces)  # type: ignore[union-attr]
    assert (final.usage.input_tokens, final.usage.output_tokens) == (20, 4)
    assert final.stop_reason == "end_turn"
    [row] = v1_app.wait_logs(1)
    assert (row["source"], row["tokens_in"], row["tokens_out"]) == ("anthropic", 20, 4)


@pytest.mark.parametrize("model", UPSTREAMS)
def test_tools_stream_as_tool_use_blocks(v1_app: V1App, fake_provider: FakeProvider, model: str) -> None:
    arguments = json.dumps({"query": "llm routers", "limit": 3})
    fake_provider.enqueue(Behaviour(tool_calls=[FakeToolCall("search", arguments)]), model=model)
    tools = [{"name": "search", "description": "web search", "input_schema": {"type": "object"}}]

    with v1_app.anthropic().messages.stream(
        model=model,
        max_tokens=100,
        tools=tools,
        messages=[{"role": "user", "content": "find"}],  # type: ignore[arg-type]
    ) as stream:
        final = stream.get_final_message()

    [block] = [b for b in final.content if b.type == "tool_use"]
    assert block.name == "search"  # type: ignore[union-attr]
    assert block.input == {"query": "llm routers", "limit": 3}  # type: ignore[union-attr]
    assert final.stop_reason == "tool_use"


def test_translated_raw_stream_has_every_event_in_order(v1_app: V1App, fake_provider: FakeProvider) -> None:
    fake_provider.enqueue(Behaviour(chunks=["a", "b"], reasoning_chunks=["think"]), model=OPENAI_MODEL)
    body = {
        "model": OPENAI_MODEL,
        "max_tokens": 50,
        "stream": True,
        "messages": [{"role": "user", "content": "x"}],
    }
    with httpx.stream("POST", f"{v1_app.url}/v1/messages", json=body, timeout=10) as response:
        raw = response.read().decode()
    names = [line.removeprefix("event: ") for line in raw.splitlines() if line.startswith("event: ")]
    assert names == [
        "message_start",
        "ping",
        "content_block_start",  # thinking
        "content_block_delta",
        "content_block_stop",
        "content_block_start",  # text
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]


def test_an_upstream_cut_mid_stream_ends_with_an_error_event(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=["one ", "two ", "three"], cut_after=1), model=OPENAI_MODEL)
    with (
        pytest.raises(anthropic.APIStatusError),
        v1_app.anthropic().messages.stream(
            model=OPENAI_MODEL, max_tokens=50, messages=[{"role": "user", "content": "x"}]
        ) as stream,
    ):
        for _ in stream.text_stream:
            pass


def test_errors_are_in_anthropics_shape(v1_app: V1App, fake_provider: FakeProvider) -> None:
    fake_provider.set_default(Behaviour(status=429, retry_after=0.01))
    with pytest.raises(anthropic.RateLimitError) as limited:
        v1_app.anthropic().messages.create(
            model=ANTHROPIC_MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
    body = limited.value.response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "rate_limit_error"
    assert limited.value.response.headers["retry-after"] == "1"

    response = httpx.post(
        f"{v1_app.url}/v1/messages", json={"model": ANTHROPIC_MODEL, "messages": []}, timeout=10
    )
    assert response.status_code == 422
    assert response.json()["type"] == "error"
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_models_answer_in_anthropics_shape_when_asked(v1_app: V1App) -> None:
    ids = [m.id for m in v1_app.anthropic().models.list()]
    assert ANTHROPIC_MODEL in ids


def test_image_blocks_reach_an_openai_upstream_as_data_urls(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    data = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}
    v1_app.anthropic().messages.create(
        model=OPENAI_MODEL,
        max_tokens=10,
        messages=[{"role": "user", "content": [{"type": "text", "text": "what is it?"}, image]}],  # type: ignore[list-item]
    )
    assert fake_provider.requests[-1].images == [f"data:image/png;base64,{data}"]


def test_a_tool_round_trip_translates_to_an_openai_upstream(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    messages = [
        {"role": "user", "content": "weather in Paris?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}}],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "18 C"}]},
    ]
    tools = [{"name": "weather", "input_schema": {"type": "object"}}]
    v1_app.anthropic().messages.create(model=OPENAI_MODEL, max_tokens=10, messages=messages, tools=tools)  # type: ignore[arg-type]

    sent = fake_provider.requests[-1].json["messages"]
    call = sent[1]["tool_calls"][0]
    assert (call["id"], call["function"]["name"]) == ("toolu_1", "weather")
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert {"role": "tool", "tool_call_id": "toolu_1", "content": "18 C"}.items() <= sent[2].items()
