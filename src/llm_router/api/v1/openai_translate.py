"""OpenAI chat-completions shapes: request → ``ChatRequest``, events → chunks, result → completion."""

from __future__ import annotations

import time
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from llm_router.api.v1.errors import Failure, openai_error_body
from llm_router.core.errors import AppError
from llm_router.core.ids import new_id
from llm_router.providers.base import (
    ChatMessage,
    ChatRequest,
    ChatResult,
    ContentPart,
    Finish,
    ImagePart,
    ReasoningDelta,
    ReasoningLevel,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
    Usage,
)

# Clients send many optional fields (user, seed, metadata…); unknown ones are ignored, not refused.
_LOOSE = ConfigDict(extra="ignore")


class ImageUrl(BaseModel):
    model_config = _LOOSE
    url: str


class ContentPartIn(BaseModel):
    model_config = _LOOSE
    type: str
    text: str | None = None
    image_url: ImageUrl | None = None


class FunctionCallIn(BaseModel):
    model_config = _LOOSE
    name: str
    arguments: str = ""


class ToolCallIn(BaseModel):
    model_config = _LOOSE
    id: str
    type: str = "function"
    function: FunctionCallIn


class MessageIn(BaseModel):
    model_config = _LOOSE
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPartIn] | None = None
    tool_calls: list[ToolCallIn] | None = None
    tool_call_id: str | None = None


class FunctionSpecIn(BaseModel):
    model_config = _LOOSE
    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)


class ToolIn(BaseModel):
    model_config = _LOOSE
    type: Literal["function"] = "function"
    function: FunctionSpecIn


class StreamOptions(BaseModel):
    model_config = _LOOSE
    include_usage: StrictBool = False  # strict: "yes" is a 422, not true


class ChatCompletionBody(BaseModel):
    model_config = _LOOSE
    model: str = Field(min_length=1)
    messages: list[MessageIn] = Field(min_length=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    tools: list[ToolIn] | None = None
    tool_choice: str | dict[str, Any] | None = None
    stop: str | list[str] | None = None
    reasoning_effort: ReasoningLevel | None = None
    logprobs: StrictBool | None = None
    n: int | None = Field(default=None, ge=1)


def _parts(content: str | list[ContentPartIn] | None) -> str | list[ContentPart]:
    if content is None or isinstance(content, str):
        return content or ""
    parts: list[ContentPart] = []
    for part in content:
        if part.type == "text" and part.text is not None:
            parts.append(TextPart(part.text))
        elif part.type == "image_url" and part.image_url is not None:
            parts.append(ImagePart(part.image_url.url))
        else:
            raise AppError(f"unsupported content part type {part.type!r}", status_code=400)
    return parts


def _text(content: str | list[ContentPartIn] | None) -> str:
    parts = _parts(content)
    return parts if isinstance(parts, str) else "".join(p.text for p in parts if isinstance(p, TextPart))


def _tool_choice(choice: str | dict[str, Any] | None) -> str | dict[str, Any] | None:
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if not isinstance(name, str):
            raise AppError("tool_choice must name a function: {'type': 'function', 'function': {'name'}}")
        return {"name": name}
    return choice


def to_chat_request(body: ChatCompletionBody) -> ChatRequest:
    """The neutral request; ``model`` still holds the requested name (routing resolves it)."""
    if body.n not in (None, 1):
        raise AppError("n > 1 is not supported: send one request per completion", status_code=400)
    system: list[str] = []
    messages: list[ChatMessage] = []
    for m in body.messages:
        if m.role in ("system", "developer"):
            system.append(_text(m.content))
        elif m.role == "tool":
            messages.append(ChatMessage("tool", _text(m.content), tool_call_id=m.tool_call_id))
        elif m.role == "assistant":
            calls = tuple(ToolCall(c.id, c.function.name, c.function.arguments) for c in m.tool_calls or ())
            messages.append(ChatMessage("assistant", _text(m.content), tool_calls=calls))
        else:
            messages.append(ChatMessage("user", _parts(m.content)))
    stop = (body.stop,) if isinstance(body.stop, str) else tuple(body.stop or ())
    return ChatRequest(
        model=body.model,
        messages=tuple(messages),
        system="\n\n".join(system) or None,
        temperature=body.temperature,
        max_tokens=body.max_completion_tokens or body.max_tokens,
        reasoning=body.reasoning_effort,
        stop=stop,
        tools=tuple(
            ToolSpec(t.function.name, t.function.description, t.function.parameters) for t in body.tools or ()
        ),
        tool_choice=_tool_choice(body.tool_choice),
    )


def usage_json(usage: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_tokens},
        "completion_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
    }


def _finish_reason(finish: Finish | None) -> str:
    return finish.reason if finish is not None and finish.reason != "error" else "stop"


def completion_json(result: ChatResult, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": result.text or None, "refusal": None}
    if result.reasoning:
        message["reasoning_content"] = result.reasoning
    if result.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in result.tool_calls
        ]
    return {
        "id": f"chatcmpl-{new_id()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": message, "finish_reason": _finish_reason(result.finish), "logprobs": None}
        ],
        "usage": usage_json(result.usage),
    }


class OpenAIStreamEncoder:
    """Turns neutral events into ``chat.completion.chunk`` SSE lines, exactly as OpenAI streams them."""

    def __init__(self, model: str, *, include_usage: bool) -> None:
        self.model = model
        self.include_usage = include_usage
        self.id = f"chatcmpl-{new_id()}"
        self.created = int(time.time())
        self.usage = Usage()
        self._role_pending = True

    def _chunk(self, choices: list[dict[str, Any]], usage: dict[str, Any] | None = None) -> bytes:
        body: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": choices,
        }
        if self.include_usage:
            body["usage"] = usage
        return b"data: " + orjson.dumps(body) + b"\n\n"

    def _delta(self, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        if self._role_pending:
            # the role rides on the first delta: every chunk with "content" then carries real content
            delta = {"role": "assistant", **delta}
            self._role_pending = False
        return self._chunk([{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}])

    def start(self) -> bytes:
        """Nothing yet: the stream opens once the first token is in hand, and that chunk names the role."""
        self._role_pending = True
        return b""

    def encode(self, event: StreamEvent) -> bytes:
        match event:
            case TextDelta(text=text):
                return self._delta({"content": text})
            case ReasoningDelta(text=text) if text:
                return self._delta({"reasoning_content": text})
            case ToolCallDelta():
                return self._delta({"tool_calls": [_tool_call_delta(event)]})
            case Usage():
                self.usage = event
            case Finish():
                return self._delta({}, _finish_reason(event))
        return b""

    def end(self) -> bytes:
        tail = self._chunk([], usage_json(self.usage)) if self.include_usage else b""
        return tail + b"data: [DONE]\n\n"

    @staticmethod
    def error(failure: Failure) -> bytes:
        """The error chunk that ends a failed stream; no ``[DONE]`` follows, so clients see a failure."""
        return b"data: " + orjson.dumps(openai_error_body(failure)) + b"\n\n"


def _tool_call_delta(event: ToolCallDelta) -> dict[str, Any]:
    call: dict[str, Any] = {"index": event.index}
    function: dict[str, Any] = {"arguments": event.arguments}
    if event.id is not None:
        call["id"] = event.id
        call["type"] = "function"
    if event.name is not None:
        function["name"] = event.name
    call["function"] = function
    return call
