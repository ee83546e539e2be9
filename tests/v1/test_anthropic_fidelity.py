"""What Claude Code needs from ``/v1/messages``: ``system`` turns inside ``messages``, a thinking + tool
loop whose signatures survive (the fake refuses them otherwise, with Anthropic's own words), and the
upstream's own refusals (too many ``cache_control`` breakpoints) in Anthropic's error shape."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anthropic
import pytest

from llm_router.providers.anthropic import AnthropicMessagesModel
from llm_router.providers.base import (
    ChatMessage,
    ChatRequest,
    ReasoningDelta,
    ThinkingBlock,
    ToolCall,
    ToolSpec,
    collect,
)
from llm_router.providers.config import ProviderConfig
from llm_router.testing.anthropic_wire import SIGNATURE
from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour, FakeToolCall
from tests.support.v1 import ANTHROPIC_MODEL, OPENAI_MODEL, V1App

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # nothing here is SQL

TOOLS: list[Any] = [{"name": "Bash", "description": "run a command", "input_schema": {"type": "object"}}]
THINKING: Any = {"type": "enabled", "budget_tokens": 2048}


@sqlite_only
@pytest.mark.parametrize("model", [ANTHROPIC_MODEL, OPENAI_MODEL])
def test_a_system_turn_inside_messages_is_accepted(
    v1_app: V1App, fake_provider: FakeProvider, model: str
) -> None:
    fake_provider.enqueue(Behaviour(chunks=["ok"]), model=model)

    message = v1_app.anthropic().messages.create(
        model=model,
        max_tokens=50,
        system="first rules",
        messages=[
            {"role": "system", "content": "more rules"},  # type: ignore[list-item]
            {"role": "user", "content": "hi"},
        ],
    )

    assert message.content[0].text == "ok"  # type: ignore[union-attr]
    sent = fake_provider.requests[-1].json
    assert "more rules" in json.dumps(sent)
    assert all(m["role"] != "system" for m in sent["messages"] if model == ANTHROPIC_MODEL)


@sqlite_only
def test_a_thinking_tool_loop_keeps_its_signatures(v1_app: V1App, fake_provider: FakeProvider) -> None:
    client = v1_app.anthropic()
    fake_provider.enqueue(
        Behaviour(
            reasoning_chunks=["I should ", "list files"], tool_calls=[FakeToolCall("Bash", '{"c": "ls"}')]
        ),
        model=ANTHROPIC_MODEL,
    )
    history: list[Any] = [{"role": "user", "content": "what is here?"}]
    with client.messages.stream(
        model=ANTHROPIC_MODEL, max_tokens=4096, thinking=THINKING, tools=TOOLS, messages=history
    ) as stream:
        first = stream.get_final_message()
    assert [b.type for b in first.content] == ["thinking", "tool_use"]
    assert first.content[0].signature == SIGNATURE  # type: ignore[union-attr]

    fake_provider.enqueue(Behaviour(chunks=["two files"]), model=ANTHROPIC_MODEL)
    tool_use = first.content[1]
    history += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use.id, "content": "a b"}]},  # type: ignore[union-attr]
    ]
    second = client.messages.create(
        model=ANTHROPIC_MODEL, max_tokens=4096, thinking=THINKING, tools=TOOLS, messages=history
    )

    assert second.content[-1].text == "two files"  # type: ignore[union-attr]
    assert fake_provider.requests[-1].json["messages"][1]["content"][0]["signature"] == SIGNATURE


@sqlite_only
def test_the_fake_refuses_a_tool_loop_that_lost_its_thinking(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    history: list[Any] = [
        {"role": "user", "content": "what is here?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}}],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "a"}]},
    ]
    with pytest.raises(anthropic.BadRequestError) as caught:
        v1_app.anthropic().messages.create(
            model=ANTHROPIC_MODEL, max_tokens=4096, thinking=THINKING, tools=TOOLS, messages=history
        )
    assert "Expected `thinking` or `redacted_thinking`, but found `tool_use`" in str(caught.value)


@sqlite_only
def test_too_many_cache_breakpoints_are_refused_in_anthropics_shape(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    marked = {"type": "ephemeral"}
    blocks: Any = [{"type": "text", "text": f"part {i}", "cache_control": marked} for i in range(5)]
    with pytest.raises(anthropic.BadRequestError) as caught:
        v1_app.anthropic().messages.create(
            model=ANTHROPIC_MODEL, max_tokens=10, messages=[{"role": "user", "content": blocks}]
        )
    assert caught.value.body["type"] == "error"  # type: ignore[index]
    assert "A maximum of 4 blocks with cache_control" in str(caught.value)


def test_translated_thinking_carries_its_signature_both_ways(fake_provider: FakeProvider) -> None:
    """The neutral types keep a signed thinking block (for surfaces translated to Anthropic)."""
    config = ProviderConfig("anthropic", "anthropic", fake_provider.anthropic_base_url, api_key="sk-test")
    model = AnthropicMessagesModel(config)
    fake_provider.enqueue(Behaviour(chunks=["done"], reasoning_chunks=["hm"]), model=ANTHROPIC_MODEL)
    assistant = ChatMessage(
        "assistant",
        "",
        tool_calls=(ToolCall("toolu_1", "Bash", "{}"),),
        thinking=(ThinkingBlock("let me look", SIGNATURE),),
    )
    request = ChatRequest(
        ANTHROPIC_MODEL,
        (ChatMessage("user", "hi"), assistant, ChatMessage("tool", "a b", tool_call_id="toolu_1")),
        reasoning="low",
        tools=(ToolSpec("Bash"),),
    )

    async def run() -> Any:
        try:
            return await collect(model.stream(request))
        finally:
            await model.aclose()

    result = asyncio.run(run())

    assert (result.text, result.reasoning_signature) == ("done", SIGNATURE)
    sent = fake_provider.requests[-1].json["messages"][1]["content"][0]
    assert sent == {"type": "thinking", "thinking": "let me look", "signature": SIGNATURE}
    assert ReasoningDelta("", signature="x").signature == "x"
