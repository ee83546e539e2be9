"""Anthropic messages shapes: request → ``ChatRequest``, events → SSE events, result → message."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from llm_router.core.errors import AppError
from llm_router.core.ids import new_id
from llm_router.providers.base import (
    ChatMessage,
    ChatRequest,
    ChatResult,
    ContentPart,
    Finish,
    ImagePart,
    ReasoningLevel,
    TextPart,
    ToolCall,
    ToolSpec,
    Usage,
)

_LOOSE = ConfigDict(extra="ignore")


class ImageSource(BaseModel):
    model_config = _LOOSE
    type: Literal["base64", "url"]
    media_type: str | None = None
    data: str | None = None
    url: str | None = None


class Block(BaseModel):
    """Any content block; which fields matter depends on ``type``."""

    model_config = _LOOSE
    type: str
    text: str | None = None
    source: ImageSource | None = None
    id: str | None = None
    name: str | None = None
    input: dict[str, Any] | None = None
    tool_use_id: str | None = None
    content: str | list[Block] | None = None


class MessageIn(BaseModel):
    model_config = _LOOSE
    role: Literal["user", "assistant"]
    content: str | list[Block]


class ToolIn(BaseModel):
    model_config = _LOOSE
    name: str
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=dict)


class ToolChoiceIn(BaseModel):
    model_config = _LOOSE
    type: Literal["auto", "any", "tool", "none"]
    name: str | None = None


class ThinkingIn(BaseModel):
    model_config = _LOOSE
    type: str
    budget_tokens: int | None = None


class MessagesBody(BaseModel):
    model_config = _LOOSE
    model: str = Field(min_length=1)
    messages: list[MessageIn] = Field(min_length=1)
    max_tokens: int = Field(ge=1)
    system: str | list[Block] | None = None
    temperature: float | None = Field(default=None, ge=0, le=1)
    stop_sequences: list[str] | None = None
    stream: StrictBool = False  # strict: "yes" is a 422, not true
    tools: list[ToolIn] | None = None
    tool_choice: ToolChoiceIn | None = None
    thinking: ThinkingIn | None = None


def _block_text(content: str | list[Block] | None) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    return "".join(b.text or "" for b in content if b.type == "text")


def _image(block: Block) -> ImagePart:
    source = block.source
    if source is not None and source.type == "base64" and source.data:
        return ImagePart(f"data:{source.media_type};base64,{source.data}", source.media_type)
    if source is not None and source.type == "url" and source.url:
        return ImagePart(source.url, source.media_type)
    raise AppError("an image block needs source.data (base64) or source.url", status_code=400)


def _turns(message: MessageIn) -> list[ChatMessage]:
    """One Anthropic message may hold text, images, tool uses and tool results: split into neutral turns."""
    if isinstance(message.content, str):
        return [ChatMessage(message.role, message.content)]
    parts: list[ContentPart] = []
    calls: list[ToolCall] = []
    results: list[ChatMessage] = []
    for block in message.content:
        if block.type == "text":
            parts.append(TextPart(block.text or ""))
        elif block.type == "image":
            parts.append(_image(block))
        elif block.type == "tool_use":
            arguments = orjson.dumps(block.input or {}).decode()
            calls.append(ToolCall(block.id or "", block.name or "", arguments))
        elif block.type == "tool_result":
            results.append(ChatMessage("tool", _block_text(block.content), tool_call_id=block.tool_use_id))
        # thinking / redacted_thinking blocks from earlier turns are not sent upstream again
    if message.role == "assistant":
        text = "".join(p.text for p in parts if isinstance(p, TextPart))
        return [ChatMessage("assistant", text, tool_calls=tuple(calls))]
    return results + ([ChatMessage("user", parts)] if parts else [])


def _reasoning(thinking: ThinkingIn | None) -> ReasoningLevel | None:
    if thinking is None:
        return None
    if thinking.type == "disabled":
        return "none"
    budget = thinking.budget_tokens or 0
    return "low" if budget < 4096 else "medium" if budget < 16384 else "high"


def _tool_choice(choice: ToolChoiceIn | None) -> str | dict[str, Any] | None:
    if choice is None:
        return None
    if choice.type == "tool":
        if not choice.name:
            raise AppError("tool_choice of type 'tool' needs a name", status_code=400)
        return {"name": choice.name}
    return {"auto": "auto", "any": "required", "none": "none"}[choice.type]


def to_chat_request(body: MessagesBody) -> ChatRequest:
    """The neutral request; ``model`` still holds the requested name (routing resolves it)."""
    messages = [turn for m in body.messages for turn in _turns(m)]
    system = _block_text(body.system) if body.system is not None else None
    return ChatRequest(
        model=body.model,
        messages=tuple(messages),
        system=system or None,
        temperature=body.temperature,
        max_tokens=body.max_tokens,
        reasoning=_reasoning(body.thinking),
        stop=tuple(body.stop_sequences or ()),
        tools=tuple(ToolSpec(t.name, t.description, t.input_schema) for t in body.tools or ()),
        tool_choice=_tool_choice(body.tool_choice),
    )


_STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}


def stop_reason(finish: Finish | None) -> str:
    return _STOP_REASONS.get(finish.reason, "end_turn") if finish is not None else "end_turn"


def usage_json(usage: Usage) -> dict[str, Any]:
    """Anthropic counts cached input apart from ``input_tokens``; the neutral count includes it."""
    fresh = max(0, usage.input_tokens - usage.cached_tokens - usage.cache_write_tokens)
    return {
        "input_tokens": fresh,
        "output_tokens": usage.output_tokens,
        "cache_read_input_tokens": usage.cached_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
    }


def _tool_input(arguments: str) -> dict[str, Any]:
    try:
        value = orjson.loads(arguments or "{}")
    except orjson.JSONDecodeError:
        return {"_raw": arguments}
    return value if isinstance(value, dict) else {"value": value}


def message_json(result: ChatResult, model: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if result.reasoning:
        content.append({"type": "thinking", "thinking": result.reasoning, "signature": ""})
    if result.text:
        content.append({"type": "text", "text": result.text})
    for call in result.tool_calls:
        content.append(
            {"type": "tool_use", "id": call.id, "name": call.name, "input": _tool_input(call.arguments)}
        )
    return {
        "id": f"msg_{new_id()}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason(result.finish),
        "stop_sequence": None,
        "usage": usage_json(result.usage),
    }
