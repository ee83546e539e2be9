"""The fake provider speaks OpenAI and Anthropic well enough that the official SDKs parse every mode,
and each scripted fault reaches the SDK as the error class the real service would cause."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import anthropic
import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionChunk

from llm_router.testing import Behaviour, FakeProvider, FakeToolCall, FakeUsage, echo_chunks
from tests.support.server import free_port
from tests.support.waiting import wait_until

PNG_1PX = (  # a real 1×1 PNG: the fake refuses image bytes that do not decode
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

KEY = "sk-fake-test-key-0123456789"
OPENAI_MODEL = "gpt-4o-mini"
CLAUDE = "claude-haiku-4-5"
HELLO = [{"role": "user", "content": "hello there"}]


@pytest.fixture
def oai(fake_provider: FakeProvider) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fake_provider.openai_base_url, api_key=KEY, max_retries=0) as client:
        yield client


@pytest.fixture
def claude(fake_provider: FakeProvider) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=fake_provider.anthropic_base_url, api_key=KEY, max_retries=0) as client:
        yield client


def sse_events(raw: str) -> list[tuple[str | None, str]]:
    """(event name, data) of each SSE event, checking every event is terminated by a blank line."""
    assert raw.endswith("\n\n")
    events = []
    for block in raw.removesuffix("\n\n").split("\n\n"):
        name = None
        data = ""
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            else:
                assert field == "data", line
                data = value
        events.append((name, data))
    return events


def read_contents(stream: Iterable[ChatCompletionChunk], into: list[str | None]) -> None:
    """Collect each chunk's content as it arrives, so a test sees how far a broken stream got."""
    for chunk in stream:
        into.append(chunk.choices[0].delta.content)


# ---------------------------------------------------------------- OpenAI: success paths


def test_openai_non_stream_echoes_and_reports_usage(fake_provider: FakeProvider, oai: openai.OpenAI) -> None:
    fake_provider.enqueue(
        Behaviour(usage=FakeUsage(input_tokens=120, output_tokens=30, cached_tokens=100, reasoning_tokens=12))
    )
    completion = oai.chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]

    assert completion.object == "chat.completion"
    assert completion.model == OPENAI_MODEL
    assert completion.choices[0].message.content == "Echo: hello there"
    assert completion.choices[0].finish_reason == "stop"
    usage = completion.usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (120, 30, 150)
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 100
    assert usage.completion_tokens_details is not None
    assert usage.completion_tokens_details.reasoning_tokens == 12


def test_default_usage_is_estimated_from_text_length(oai: openai.OpenAI) -> None:
    completion = oai.chat.completions.create(
        model=OPENAI_MODEL, messages=[{"role": "user", "content": "x" * 40}]
    )
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 10  # 40 characters, four a token
    assert completion.usage.completion_tokens == len("Echo: " + "x" * 40) // 4 + 1


async def test_openai_stream_with_usage_matches_the_script(fake_provider: FakeProvider) -> None:
    fake_provider.enqueue(
        Behaviour(chunks=["Hel", "lo", ", world"], usage=FakeUsage(input_tokens=7, output_tokens=3))
    )
    async with openai.AsyncOpenAI(
        base_url=fake_provider.openai_base_url, api_key=KEY, max_retries=0
    ) as client:
        stream = await client.chat.completions.create(
            model=OPENAI_MODEL, messages=HELLO, stream=True, stream_options={"include_usage": True}
        )
        chunks = [chunk async for chunk in stream]

    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].delta.content for c in chunks[1:4]] == ["Hel", "lo", ", world"]
    assert chunks[4].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks[:-1])
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (7, 3)
    assert len({c.id for c in chunks}) == 1


def test_openai_stream_bytes_follow_the_wire_format(fake_provider: FakeProvider) -> None:
    body = {"model": OPENAI_MODEL, "messages": HELLO, "stream": True}
    response = httpx.post(
        f"{fake_provider.openai_base_url}/chat/completions",
        json=body,
        headers={"Authorization": f"Bearer {KEY}"},
    )

    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert events[-1] == (None, "[DONE]")
    chunks = [json.loads(data) for _, data in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and "usage" not in c for c in chunks)
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == "Echo: hello there"


def test_openai_tool_call_arguments_reassemble(fake_provider: FakeProvider, oai: openai.OpenAI) -> None:
    calls = [
        FakeToolCall("get_weather", '{"city": "Paris", "unit": "celsius"}', id="call_1"),
        FakeToolCall("get_time", '{"zone": "Europe/Paris"}'),
    ]
    fake_provider.enqueue(Behaviour(tool_calls=calls))
    stream = oai.chat.completions.create(model=OPENAI_MODEL, messages=HELLO, stream=True)
    assembled: dict[int, dict[str, str]] = {}
    finish = None
    for chunk in stream:
        choice = chunk.choices[0]
        finish = choice.finish_reason or finish
        for delta in choice.delta.tool_calls or []:
            call = assembled.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
            call["id"] += delta.id or ""
            assert delta.function is not None
            call["name"] += delta.function.name or ""
            call["arguments"] += delta.function.arguments or ""

    assert finish == "tool_calls"
    assert assembled[0] == {"id": "call_1", "name": "get_weather", "arguments": calls[0].arguments}
    assert assembled[1]["name"] == "get_time"
    assert json.loads(assembled[1]["arguments"]) == {"zone": "Europe/Paris"}
    assert assembled[1]["id"].startswith("call_")

    fake_provider.enqueue(Behaviour(tool_calls=calls))
    message = oai.chat.completions.create(model=OPENAI_MODEL, messages=HELLO).choices[0].message
    assert message.content is None
    assert message.tool_calls is not None
    assert [c.function.name for c in message.tool_calls] == ["get_weather", "get_time"]  # type: ignore[union-attr]


def test_openai_logprobs_and_reasoning(fake_provider: FakeProvider, oai: openai.OpenAI) -> None:
    fake_provider.enqueue(
        Behaviour(chunks=["Yes", "."], logprobs=[-0.5, -0.25], reasoning_chunks=["Let me", " think"])
    )
    stream = oai.chat.completions.create(model=OPENAI_MODEL, messages=HELLO, stream=True, logprobs=True)
    reasoning = ""
    logprobs = []
    for chunk in stream:
        delta = chunk.choices[0].delta
        reasoning += (delta.model_extra or {}).get("reasoning_content") or ""
        if chunk.choices[0].logprobs and chunk.choices[0].logprobs.content:
            logprobs += [entry.logprob for entry in chunk.choices[0].logprobs.content]
    assert reasoning == "Let me think"
    assert logprobs == [-0.5, -0.25]

    fake_provider.enqueue(Behaviour(json_answer={"answer": "4", "confidence": 0.9}, logprobs=[-0.1]))
    choice = oai.chat.completions.create(model=OPENAI_MODEL, messages=HELLO, logprobs=True).choices[0]
    assert json.loads(choice.message.content or "") == {"answer": "4", "confidence": 0.9}
    assert choice.logprobs is not None
    assert choice.logprobs.content
    assert {entry.logprob for entry in choice.logprobs.content} == {-0.1}


def test_requests_are_recorded_with_images_and_without_keys(
    fake_provider: FakeProvider, oai: openai.OpenAI
) -> None:
    image = f"data:image/png;base64,{PNG_1PX}"
    content = [{"type": "text", "text": "what is this?"}, {"type": "image_url", "image_url": {"url": image}}]
    oai.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": content}])  # type: ignore[misc]

    [recorded] = fake_provider.requests
    assert (recorded.method, recorded.path, recorded.model) == ("POST", "/v1/chat/completions", OPENAI_MODEL)
    assert recorded.json["messages"][0]["content"] == content
    assert recorded.images == [image]
    assert recorded.api_key == KEY
    assert recorded.headers["authorization"] == "[redacted]"
    assert KEY not in repr(recorded)


def test_models_list_in_both_shapes(
    fake_provider: FakeProvider, oai: openai.OpenAI, claude: anthropic.Anthropic
) -> None:
    fake_provider.models = ["local-llama", "local-qwen"]
    assert [m.id for m in oai.models.list()] == ["local-llama", "local-qwen"]
    page = claude.models.list()
    assert [m.id for m in page.data] == ["local-llama", "local-qwen"]
    assert page.data[0].type == "model"


# ---------------------------------------------------------------- OpenAI: faults


@pytest.mark.parametrize(
    ("status", "error_class", "code"),
    [
        (429, openai.RateLimitError, "rate_limit_exceeded"),
        (400, openai.BadRequestError, "context_length_exceeded"),
        (404, openai.NotFoundError, "model_not_found"),
        (500, openai.InternalServerError, None),
        (503, openai.InternalServerError, None),
    ],
)
def test_openai_scripted_status_raises_the_sdk_error(
    fake_provider: FakeProvider,
    oai: openai.OpenAI,
    status: int,
    error_class: type[openai.APIStatusError],
    code: str | None,
) -> None:
    fake_provider.enqueue(Behaviour(status=status, retry_after=7 if status == 429 else None))
    with pytest.raises(error_class) as caught:
        oai.chat.completions.create(model=OPENAI_MODEL, messages=HELLO, stream=True)
    assert caught.value.status_code == status
    assert caught.value.code == code
    if status == 429:
        assert caught.value.response.headers["retry-after"] == "7"


def test_wrong_or_missing_key_is_rejected_without_echoing_it(fake_provider: FakeProvider) -> None:
    fake_provider.api_key = "sk-the-right-one"
    with (
        openai.OpenAI(
            base_url=fake_provider.openai_base_url, api_key="sk-wrong-secret", max_retries=0
        ) as client,
        pytest.raises(openai.AuthenticationError) as caught,
    ):
        client.chat.completions.create(model=OPENAI_MODEL, messages=HELLO)
    assert "sk-wrong-secret" not in caught.value.response.text
    response = httpx.post(
        f"{fake_provider.openai_base_url}/chat/completions", json={"model": "m", "messages": HELLO}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_unknown_model_is_not_found_when_models_are_fixed(
    fake_provider: FakeProvider, oai: openai.OpenAI
) -> None:
    fake_provider.models = ["only-this"]
    with pytest.raises(openai.NotFoundError, match="nope"):
        oai.chat.completions.create(model="nope", messages=HELLO)


def test_bad_request_bodies_get_the_protocols_400(fake_provider: FakeProvider) -> None:
    headers = {"Authorization": f"Bearer {KEY}", "content-type": "application/json"}
    response = httpx.post(
        f"{fake_provider.openai_base_url}/chat/completions", content=b"{not json", headers=headers
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    response = httpx.post(
        f"{fake_provider.url}/v1/messages",
        json={"model": CLAUDE, "messages": HELLO},
        headers={"x-api-key": KEY},
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "message": "max_tokens: Field required",
    }


async def test_first_byte_delay_times_the_client_out(fake_provider: FakeProvider) -> None:
    fake_provider.enqueue(Behaviour(first_byte_delay=30))
    async with openai.AsyncOpenAI(
        base_url=fake_provider.openai_base_url, api_key=KEY, max_retries=0, timeout=0.2
    ) as client:
        with pytest.raises(openai.APITimeoutError):
            await client.chat.completions.create(model=OPENAI_MODEL, messages=HELLO, stream=True)
        # the server noticed the client leave: the next request is answered at once, normally
        completion = await client.with_options(timeout=10).chat.completions.create(
            model=OPENAI_MODEL, messages=HELLO
        )
    assert completion.choices[0].message.content == "Echo: hello there"


def test_openai_cut_and_malformed_streams_raise(fake_provider: FakeProvider, oai: openai.OpenAI) -> None:
    fake_provider.enqueue(Behaviour(chunks=["a", "b", "c"], cut_after=2))
    received: list[str | None] = []
    with pytest.raises(openai.APIConnectionError):
        read_contents(oai.chat.completions.create(model=OPENAI_MODEL, messages=HELLO, stream=True), received)
    assert received == ["", "a", "b"]  # the role chunk, then exactly two pieces

    fake_provider.enqueue(Behaviour(chunks=["a", "b", "c"], malformed_at=1))
    received = []
    with pytest.raises(json.JSONDecodeError):
        read_contents(oai.chat.completions.create(model=OPENAI_MODEL, messages=HELLO, stream=True), received)
    assert received == ["", "a"]

    fake_provider.enqueue(Behaviour(cut_after=0))
    with pytest.raises(openai.APIConnectionError):
        oai.chat.completions.create(model=OPENAI_MODEL, messages=HELLO)


def test_openai_error_inside_the_stream(fake_provider: FakeProvider, oai: openai.OpenAI) -> None:
    fake_provider.enqueue(Behaviour(chunks=["a", "b"], error_after=1))
    received: list[str | None] = []
    with pytest.raises(openai.APIError, match="server had an error") as caught:
        read_contents(oai.chat.completions.create(model=OPENAI_MODEL, messages=HELLO, stream=True), received)
    assert received == ["", "a"]
    assert caught.value.type == "server_error"


# ---------------------------------------------------------------- Anthropic


def test_anthropic_create_reports_cache_usage(
    fake_provider: FakeProvider, claude: anthropic.Anthropic
) -> None:
    fake_provider.enqueue(
        Behaviour(
            usage=FakeUsage(input_tokens=1000, output_tokens=20, cached_tokens=800, cache_write_tokens=150)
        )
    )
    message = claude.messages.create(model=CLAUDE, max_tokens=100, messages=HELLO, system="be brief")

    assert message.type == "message"
    assert message.content[0].type == "text"
    assert message.content[0].text == "Echo: hello there"
    assert message.stop_reason == "end_turn"
    usage = message.usage
    assert (usage.input_tokens, usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (
        50,
        800,
        150,
    )
    assert usage.output_tokens == 20


async def test_anthropic_stream_final_message_and_usage(fake_provider: FakeProvider) -> None:
    fake_provider.enqueue(
        Behaviour(chunks=["One", " two"], reasoning_chunks=["hmm"], usage=FakeUsage(output_tokens=9))
    )
    async with (
        anthropic.AsyncAnthropic(
            base_url=fake_provider.anthropic_base_url, api_key=KEY, max_retries=0
        ) as client,
        client.messages.stream(model=CLAUDE, max_tokens=100, messages=HELLO) as stream,
    ):
        text = [piece async for piece in stream.text_stream]
        final = await stream.get_final_message()

    assert text == ["One", " two"]
    assert [block.type for block in final.content] == ["thinking", "text"]
    assert final.content[0].thinking == "hmm"  # type: ignore[union-attr]
    assert final.usage.output_tokens == 9
    assert final.stop_reason == "end_turn"


def test_anthropic_tool_use_input_reassembles(
    fake_provider: FakeProvider, claude: anthropic.Anthropic
) -> None:
    arguments = '{"query": "weather in Paris", "limit": 3}'
    fake_provider.enqueue(Behaviour(chunks=["Looking"], tool_calls=[FakeToolCall("search", arguments)]))
    with claude.messages.stream(model=CLAUDE, max_tokens=100, messages=HELLO) as stream:
        final = stream.get_final_message()
    tool_use = final.content[1]
    assert tool_use.type == "tool_use"
    assert (tool_use.name, tool_use.input) == ("search", {"query": "weather in Paris", "limit": 3})
    assert tool_use.id.startswith("toolu_")
    assert final.stop_reason == "tool_use"


def test_anthropic_stream_bytes_follow_the_wire_format(fake_provider: FakeProvider) -> None:
    body = {"model": CLAUDE, "max_tokens": 10, "messages": HELLO, "stream": True}
    response = httpx.post(
        f"{fake_provider.url}/v1/messages",
        json=body,
        headers={"x-api-key": KEY, "anthropic-version": "2023-06-01"},
    )
    events = sse_events(response.text)
    names = [name for name, _ in events]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        *["content_block_delta"] * 3,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert all(json.loads(data)["type"] == name for name, data in events)
    assert json.loads(events[-2][1])["delta"]["stop_reason"] == "end_turn"


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (529, anthropic.OverloadedError, "overloaded_error"),
        (429, anthropic.RateLimitError, "rate_limit_error"),
        (401, anthropic.AuthenticationError, "authentication_error"),
        (400, anthropic.BadRequestError, "invalid_request_error"),
        (500, anthropic.InternalServerError, "api_error"),
    ],
)
def test_anthropic_scripted_status_raises_the_sdk_error(
    fake_provider: FakeProvider,
    claude: anthropic.Anthropic,
    status: int,
    error_class: type[anthropic.APIStatusError],
    error_type: str,
) -> None:
    fake_provider.enqueue(Behaviour(status=status))
    with (
        pytest.raises(error_class) as caught,
        claude.messages.stream(model=CLAUDE, max_tokens=9, messages=HELLO) as s,
    ):
        s.get_final_message()
    assert caught.value.status_code == status
    assert caught.value.body["error"]["type"] == error_type  # type: ignore[index]
    if status == 429:
        assert caught.value.response.headers["retry-after"] == "1"


def test_anthropic_timeout_cut_and_malformed(
    fake_provider: FakeProvider, claude: anthropic.Anthropic
) -> None:
    fake_provider.enqueue(Behaviour(first_byte_delay=30))
    with pytest.raises(anthropic.APITimeoutError):
        claude.with_options(timeout=0.2).messages.create(model=CLAUDE, max_tokens=9, messages=HELLO)

    fake_provider.enqueue(Behaviour(chunks=["a", "b"], cut_after=1))
    # the SDK lets the transport's error through mid-stream (httpx's RemoteProtocolError)
    with (
        pytest.raises(Exception, match="incomplete chunked read"),
        claude.messages.stream(model=CLAUDE, max_tokens=9, messages=HELLO) as stream,
    ):
        stream.get_final_message()

    fake_provider.enqueue(Behaviour(chunks=["a", "b"], malformed_at=0))
    with (
        pytest.raises(json.JSONDecodeError),
        claude.messages.stream(model=CLAUDE, max_tokens=9, messages=HELLO) as s,
    ):
        s.get_final_message()


def test_anthropic_overloaded_inside_the_stream(
    fake_provider: FakeProvider, claude: anthropic.Anthropic
) -> None:
    fake_provider.enqueue(Behaviour(chunks=["a", "b"], error_after=1))
    received: list[str] = []
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        claude.messages.stream(model=CLAUDE, max_tokens=9, messages=HELLO) as stream,
    ):
        received.extend(stream.text_stream)
    assert received == ["a"]
    assert caught.value.body["error"]["type"] == "overloaded_error"  # type: ignore[index]


# ---------------------------------------------------------------- scripting and running


def test_queue_is_fifo_per_model_then_default(fake_provider: FakeProvider, oai: openai.OpenAI) -> None:
    fake_provider.enqueue(Behaviour(chunks=["for claude"]), model=CLAUDE)
    fake_provider.enqueue(Behaviour(chunks=["first"]))
    fake_provider.enqueue(Behaviour(chunks=["second"]))
    fake_provider.set_default(Behaviour(chunks=["default"]))

    def ask(model: str = OPENAI_MODEL) -> str | None:
        return oai.chat.completions.create(model=model, messages=HELLO).choices[0].message.content

    assert [ask(), ask(), ask(), ask(CLAUDE)] == ["first", "second", "default", "for claude"]
    fake_provider.reset()
    assert fake_provider.requests == []
    assert ask() == "".join(echo_chunks("hello there"))


def test_length_finish_in_both_protocols(
    fake_provider: FakeProvider, oai: openai.OpenAI, claude: anthropic.Anthropic
) -> None:
    fake_provider.set_default(Behaviour(chunks=["cut sh"], finish="length", delay=0.001))
    chunks = list(oai.chat.completions.create(model=OPENAI_MODEL, messages=HELLO, stream=True))
    assert chunks[-1].choices[0].finish_reason == "length"
    message = claude.messages.create(model=CLAUDE, max_tokens=2, messages=HELLO)
    assert message.stop_reason == "max_tokens"
    assert message.content[0].type == "text"
    assert message.content[0].text == "cut sh"


def test_anthropic_images_and_system_are_recorded(
    fake_provider: FakeProvider, claude: anthropic.Anthropic
) -> None:
    source = {
        "type": "base64",
        "media_type": "image/png",
        "data": PNG_1PX,
    }
    content = [{"type": "image", "source": source}, {"type": "text", "text": "what is this?"}]
    message = claude.messages.create(
        model=CLAUDE,
        max_tokens=9,
        system="be brief",
        messages=[{"role": "user", "content": content}],  # type: ignore[list-item]
    )
    assert message.content[0].type == "text"
    assert message.content[0].text == "Echo: what is this?"
    [recorded] = fake_provider.requests
    assert recorded.path == "/v1/messages"
    assert recorded.images == [f"data:image/png;base64,{PNG_1PX}"]
    assert recorded.json["system"] == "be brief"
    assert recorded.api_key == KEY
    assert KEY not in str(recorded.headers)  # whichever credential header the SDK used is redacted


def test_reset_restores_models_and_key(fake_provider: FakeProvider, oai: openai.OpenAI) -> None:
    fake_provider.models = ["x"]
    fake_provider.api_key = "sk-other"
    fake_provider.reset()
    assert (fake_provider.models, fake_provider.api_key) == (None, None)
    assert oai.chat.completions.create(model="anything", messages=HELLO).choices[0].message.content


def test_paused_stream_waits_for_release(fake_provider: FakeProvider, oai: openai.OpenAI) -> None:
    fake_provider.enqueue(Behaviour(chunks=["a", "b", "c"], pause_after=2))
    received: list[str | None] = []
    for chunk in oai.chat.completions.create(model=OPENAI_MODEL, messages=HELLO, stream=True):
        received.append(chunk.choices[0].delta.content)
        if received == ["", "a", "b"]:
            fake_provider.wait_until_paused()  # "c" is held back until the release
            fake_provider.release()
    assert received == ["", "a", "b", "c", None]
    assert len(fake_provider.wait_for_requests(1)) == 1


def test_reset_releases_a_paused_stream(fake_provider: FakeProvider, oai: openai.OpenAI) -> None:
    fake_provider.enqueue(Behaviour(chunks=["a", "b"], pause_after=1))
    stream = oai.chat.completions.create(model=OPENAI_MODEL, messages=HELLO, stream=True)
    fake_provider.wait_until_paused()
    fake_provider.reset()  # what the fixture does between tests
    assert "".join(c.choices[0].delta.content or "" for c in stream) == "ab"


async def test_many_concurrent_streams_are_all_complete(fake_provider: FakeProvider) -> None:
    fake_provider.set_default(Behaviour(chunks=[f"w{i} " for i in range(20)], delay=0.001))
    limits = httpx.Limits(max_connections=100)
    async with openai.AsyncOpenAI(
        base_url=fake_provider.openai_base_url,
        api_key=KEY,
        max_retries=0,
        http_client=openai.DefaultAsyncHttpxClient(limits=limits),
    ) as client:

        async def one() -> str:
            stream = await client.chat.completions.create(model=OPENAI_MODEL, messages=HELLO, stream=True)
            return "".join([c.choices[0].delta.content or "" async for c in stream])

        answers = await asyncio.gather(*(one() for _ in range(100)))
    assert set(answers) == {"".join(f"w{i} " for i in range(20))}
    assert len(fake_provider.requests) == 100


def wait_until_listening(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    def listening() -> bool:
        try:
            httpx.get(f"{url}/models", headers={"Authorization": "Bearer x"}, timeout=1)
            return True
        except httpx.TransportError:
            if proc.poll() is not None:
                raise RuntimeError(f"fake provider did not start: {log.read_text()}") from None
            return False

    try:
        wait_until(listening, message="the fake provider to listen")
    except AssertionError as timed_out:
        raise RuntimeError(f"fake provider did not start ({timed_out}): {log.read_text()}") from None


def test_command_line_server(tmp_path: Path) -> None:
    """What the benchmarks run: ``python -m llm_router.testing.fake_provider --port N --chunks K``."""
    port = free_port()
    log = tmp_path / "fake.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llm_router.testing.fake_provider", "--port", str(port), "--chunks", "5"],
            stdout=out,
            stderr=out,
        )
    try:
        url = f"http://127.0.0.1:{port}/v1"
        wait_until_listening(url, proc, log)
        with openai.OpenAI(base_url=url, api_key="x", max_retries=0) as client:
            content = client.chat.completions.create(model="any", messages=HELLO).choices[0].message.content
        assert content == "".join(f"word{i} " for i in range(5))
    finally:
        proc.terminate()
        proc.wait(timeout=15)
