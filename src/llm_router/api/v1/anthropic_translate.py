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
    ThinkingBlock,
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
    thinking: str | None = None
    signature: str | None = None
    data: str | None = None  # redacted_thinking


class MessageIn(BaseModel):
    model_config = _LOOSE
    role: Literal["user", "assistant", "system"]  # Claude Code puts system turns in messages for non-Claude
    # models and route aliases; they join the system prompt
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
    output_config: dict[str, Any] | None = None  # {"effort": "low" | "medium" | "high" | "max"}


class CountTokensBody(MessagesBody):
    """``count_tokens`` takes a messages request without ``max_tokens``."""

    max_tokens: int = Field(default=1, ge=1)


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
    role: Literal["user", "assistant"] = "assistant" if message.role == "assistant" else "user"
    if isinstance(message.content, str):
        return [ChatMessage(role, message.content)]
    parts: list[ContentPart] = []
    calls: list[ToolCall] = []
    results: list[ChatMessage] = []
    thinking: list[ThinkingBlock] = []
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
        elif block.type == "thinking":
            thinking.append(ThinkingBlock(block.thinking or "", block.signature or ""))
        elif block.type == "redacted_thinking":
            thinking.append(ThinkingBlock(redacted=block.data or ""))
    if message.role == "assistant":
        text = "".join(p.text for p in parts if isinstance(p, TextPart))
        return [ChatMessage("assistant", text, tool_calls=tuple(calls), thinking=tuple(thinking))]
    return results + ([ChatMessage("user", parts)] if parts else [])


def _reasoning(thinking: ThinkingIn | None, output: dict[str, Any] | None) -> ReasoningLevel | None:
    """The client's own effort where it names one, else its thinking budget as a level."""
    if thinking is not None and thinking.type == "disabled":
        return "none"
    effort = (output or {}).get("effort")
    if effort in ("low", "medium", "high", "max"):
        return "high" if effort == "max" else effort
    if thinking is None:
        return None
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


def hoist_system(body: dict[str, Any]) -> dict[str, Any]:
    """A client's body with ``system`` turns moved from ``messages`` to the end of ``system`` (the Messages
    API refuses them there); the body itself when it has none."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not any(
        isinstance(m, dict) and m.get("role") == "system" for m in messages
    ):
        return body
    system = body.get("system")
    blocks: list[Any] = [{"type": "text", "text": system}] if isinstance(system, str) else list(system or [])
    kept = []
    for message in messages:
        if isinstance(message, dict) and message.get("role") == "system":
            content = message.get("content")
            blocks += [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])
        else:
            kept.append(message)
    return {**body, "system": blocks, "messages": kept}


def to_chat_request(body: MessagesBody) -> ChatRequest:
    """The neutral request; ``model`` still holds the requested name (routing resolves it)."""
    messages = [turn for m in body.messages if m.role != "system" for turn in _turns(m)]
    texts = [_block_text(body.system)] if body.system is not None else []
    texts += [_block_text(m.content) for m in body.messages if m.role == "system"]
    system = "\n\n".join(t for t in texts if t)
    return ChatRequest(
        model=body.model,
        messages=tuple(messages),
        system=system or None,
        temperature=body.temperature,
        max_tokens=body.max_tokens,
        reasoning=_reasoning(body.thinking, body.output_config),
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
        thinking = {"type": "thinking", "thinking": result.reasoning, "signature": result.reasoning_signature}
        content.append(thinking)
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
