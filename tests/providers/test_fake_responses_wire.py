"""The fake provider speaks the Responses API (``POST /v1/responses``) well enough for the official SDK,
and enforces the real API's rule that a function call's output answers a call it has seen."""

from __future__ import annotations

import json

import openai
import pytest

from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour, FakeToolCall, FakeUsage


@pytest.fixture
def client(fake_provider: FakeProvider) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake_provider.openai_base_url, api_key="sk-fake", max_retries=0)


def test_non_stream_text_reasoning_and_usage(fake_provider: FakeProvider, client: openai.OpenAI) -> None:
    usage = FakeUsage(input_tokens=9, output_tokens=4, reasoning_tokens=2)
    fake_provider.enqueue(Behaviour(chunks=["Hi", " you"], reasoning_chunks=["hm"], usage=usage))

    response = client.responses.create(model="gpt-5-mini", input="hello")

    assert response.output_text == "Hi you"
    assert [item.type for item in response.output] == ["reasoning", "message"]
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens) == (9, 4)
    assert response.usage.output_tokens_details.reasoning_tokens == 2
    assert fake_provider.requests[-1].path == "/v1/responses"


def test_stream_with_a_function_call_then_its_output(
    fake_provider: FakeProvider, client: openai.OpenAI
) -> None:
    arguments = json.dumps({"cmd": "ls"})
    fake_provider.enqueue(Behaviour(tool_calls=[FakeToolCall("exec_command", arguments, id="call_a")]))

    events = list(client.responses.create(model="gpt-5-mini", input="list", stream=True))

    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].type == "response.created"
    assert events[-1].type == "response.completed"
    deltas = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")
    assert deltas == arguments
    [call] = [i for i in events[-1].response.output if i.type == "function_call"]
    assert (call.call_id, call.name) == ("call_a", "exec_command")

    follow_up = [
        {"role": "user", "content": "list"},
        {"type": "function_call", "call_id": "call_a", "name": "exec_command", "arguments": arguments},
        {"type": "function_call_output", "call_id": "call_a", "output": "a.txt"},
    ]
    assert client.responses.create(model="gpt-5-mini", input=follow_up).status == "completed"  # type: ignore[arg-type]


def test_an_output_without_its_call_is_refused_as_openai_does(client: openai.OpenAI) -> None:
    orphan = [{"type": "function_call_output", "call_id": "call_zz", "output": "x"}]
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(model="gpt-5-mini", input=orphan)  # type: ignore[arg-type]
    assert "No tool call found for function call output with call_id call_zz" in refused.value.message


def test_a_failure_mid_stream_is_an_error_event(fake_provider: FakeProvider, client: openai.OpenAI) -> None:
    fake_provider.enqueue(Behaviour(chunks=["a", "b"], error_after=1))

    events = list(client.responses.create(model="gpt-5-mini", input="x", stream=True))

    assert events[-1].type == "error"
    assert "response.completed" not in [e.type for e in events]
