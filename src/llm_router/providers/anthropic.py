"""The Anthropic Messages protocol through the official SDK. Always streams; ``base.collect`` gathers for
callers that want the whole answer.

The request: our ``ChatRequest`` as the JSON body of ``POST /v1/messages`` (what ``messages.create`` would
send), and what was decided on the way (thinking budget, dropped parameters) for ``Finish.metadata``. The
answer: the stream's events as ours.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anthropic
import orjson

from llm_router.providers import errors
from llm_router.providers._http import SdkStreamModel
from llm_router.providers.base import (
    ChatMessage,
    ChatRequest,
    DocumentPart,
    Finish,
    FinishReason,
    ImagePart,
    ReasoningDelta,
    ReasoningLevel,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from llm_router.providers.capabilities import THINKING_BUDGETS, Capabilities, capabilities_for, nearest_effort
from llm_router.providers.upstream import UpstreamResponse

log = logging.getLogger(__name__)

DEFAULT_MAX_TOKENS = 8192  # Anthropic requires max_tokens; every model since Claude 3.5 allows at least this

SDK_ERRORS = errors.SdkErrors(
    api=anthropic.APIError,
    status=anthropic.APIStatusError,
    timeout=anthropic.APITimeoutError,
    connection=anthropic.APIConnectionError,
)
_USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
_FINISH: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


class AnthropicMessagesModel(SdkStreamModel):
    """A ``ChatModel`` for one Anthropic-protocol endpoint."""

    protocol = "anthropic"
    path = "/v1/messages"
    sdk_client = anthropic.AsyncAnthropic
    sdk_errors = SDK_ERRORS
    log = log

    def prepare(self, request: ChatRequest) -> tuple[dict[str, Any], _StreamState]:
        body, metadata = build_params(request, capabilities_for(request.model))
        return body, _StreamState(metadata)

    def raw_reader(self) -> _StreamState:
        return _StreamState({})

    def read_whole(self, body: Any) -> list[StreamEvent]:
        """A whole message read as its stream would have been: blocks, usage, stop reason."""
        state = _StreamState({})
        events = state._on_event({"type": "message_start", "message": body})
        for index, block in enumerate(body.get("content") or ()):
            events += state._on_event({"type": "content_block_start", "index": index, "content_block": block})
            match block.get("type"):
                case "text":
                    events += state._delta(index, {"type": "text_delta", "text": block.get("text")})
                case "thinking":
                    events += state._delta(
                        index, {"type": "thinking_delta", "thinking": block.get("thinking")}
                    )
                case "tool_use":
                    arguments = orjson.dumps(block.get("input") or {}).decode()
                    events += state._delta(index, {"type": "input_json_delta", "partial_json": arguments})
        state._on_event({"type": "message_delta", "delta": {"stop_reason": body.get("stop_reason")}})
        state.stopped = True
        return events + (state.end() or [])

    async def list_models(self) -> list[str]:
        try:
            return [model.id async for model in self._client.models.list(limit=1000)]
        except Exception as exc:
            raise self._fail(exc, "-", mid_stream=False) from None


# ---------------------------------------------------------------- the request


def build_params(request: ChatRequest, caps: Capabilities) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request body, and what was decided about it (for ``Finish.metadata``)."""
    dropped: list[str] = []
    metadata: dict[str, Any] = {}
    answer_tokens = request.max_tokens or min(
        DEFAULT_MAX_TOKENS, caps.max_output_tokens or DEFAULT_MAX_TOKENS
    )
    params: dict[str, Any] = {
        "model": request.model,
        "messages": _messages(request.messages),
        "max_tokens": answer_tokens,
        "stream": True,
    }
    if request.system:
        params["system"] = request.system
    level = request.reasoning
    if level is not None and level != "none":
        shaped = _thinking(level, caps, answer_tokens)
        if shaped is None:
            dropped.append("reasoning")
        else:
            params.update(shaped[0])
            metadata.update(shaped[1])
    if request.temperature is not None:
        # The Messages API (and so the SDK's create()) no longer takes a temperature; say so rather
        # than failing the request.
        dropped.append("temperature")
    if request.stop:
        params["stop_sequences"] = list(request.stop)
    if request.tools:
        params["tools"] = [
            {
                "name": t.name,
                "description": t.description,
                "input_schema": t.parameters or {"type": "object", "properties": {}},
            }
            for t in request.tools
        ]
    if request.tool_choice is not None:
        params["tool_choice"] = _tool_choice(request.tool_choice)
    if request.logprobs:
        dropped.append("logprobs")
    if dropped:
        metadata["dropped"] = dropped
    return params, metadata


def _thinking(
    level: ReasoningLevel, caps: Capabilities, answer_tokens: int
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Request fields and metadata for a reasoning level; None when the model cannot think."""
    if caps.reasoning_style == "thinking":
        budget = THINKING_BUDGETS[level]
        # max_tokens covers thinking and answer, and must exceed the budget
        fields = {
            "thinking": {"type": "enabled", "budget_tokens": budget},
            "max_tokens": budget + answer_tokens,
        }
        return fields, {"thinking_budget": budget}
    if caps.reasoning_style == "adaptive":
        effort = nearest_effort(level, caps.reasoning_efforts)
        fields = {"thinking": {"type": "adaptive"}, "output_config": {"effort": effort}}
        return fields, {"thinking": "adaptive", "reasoning_effort": effort}
    return None


def _tool_choice(choice: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(choice, dict):
        return {"type": "tool", "name": choice.get("name", "")}
    return {"type": {"required": "any"}.get(choice, choice)}


def _messages(messages: tuple[ChatMessage, ...]) -> list[dict[str, Any]]:
    """Anthropic wants strictly alternating roles and tool results inside user turns: merge runs."""
    out: list[dict[str, Any]] = []
    for message in messages:
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _blocks(message)
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return out


def _blocks(message: ChatMessage) -> list[dict[str, Any]]:
    if message.role == "tool":
        return [{"type": "tool_result", "tool_use_id": message.tool_call_id or "", "content": message.text()}]
    parts = [message.content] if isinstance(message.content, str) else message.content
    blocks: list[dict[str, Any]] = [
        {"type": "redacted_thinking", "data": t.redacted}
        if t.redacted is not None
        else {"type": "thinking", "thinking": t.text, "signature": t.signature}
        for t in message.thinking
        if t.signature or t.redacted is not None  # unsigned thinking (another provider's) is refused
    ]
    for part in parts:
        if isinstance(part, str):
            if part:
                blocks.append({"type": "text", "text": part})
        elif isinstance(part, ImagePart):
            blocks.append({"type": "image", "source": _image_source(part)})
        elif isinstance(part, DocumentPart):
            kind = "base64" if part.media_type == "application/pdf" else "text"
            source = {"type": kind, "media_type": part.media_type, "data": part.data}
            blocks.append({"type": "document", "source": source, "title": part.name})
        elif part.text:
            blocks.append({"type": "text", "text": part.text})
    for call in message.tool_calls:
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": _json_object(call)})
    return blocks


def _image_source(part: ImagePart) -> dict[str, Any]:
    if part.url.startswith("data:"):
        header, _, data = part.url.partition(",")
        media_type = part.media_type or header.removeprefix("data:").split(";")[0] or "image/png"
        return {"type": "base64", "media_type": media_type, "data": data}
    return {"type": "url", "url": part.url}


def _json_object(call: Any) -> Any:
    try:
        value = json.loads(call.arguments or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------- the stream


def _event(name: bytes, data: bytes, response: UpstreamResponse) -> dict[str, Any]:
    """One event's payload; an ``error`` event raises what the SDK's own stream would."""
    if name == b"error":
        try:
            body: object = orjson.loads(data)
        except orjson.JSONDecodeError:
            body = data.decode(errors="replace")
        raise anthropic.APIStatusError(str(body), response=response.as_httpx(), body=body)
    event = orjson.loads(data)
    if not isinstance(event, dict):
        raise TypeError("a stream event is not a JSON object")
    return event


class _StreamState:
    """Turns Anthropic's stream events into ours; usage and the stop reason arrive at the end."""

    def __init__(self, metadata: dict[str, Any]) -> None:
        self.metadata = metadata
        self.finish_reason: FinishReason | None = None
        self.stopped = False
        self.counts: dict[str, int] = {}
        self.thinking_tokens = 0
        self.tool_index: dict[int, int] = {}  # content block index -> tool call index

    def read(self, name: bytes, data: bytes, response: UpstreamResponse) -> list[StreamEvent]:
        if not name or name == b"ping":
            return []
        return self._on_event(_event(name, data, response))

    def end(self) -> list[StreamEvent] | None:
        if self.finish_reason is None or not self.stopped:
            return None
        return [self.usage(), Finish(self.finish_reason, dict(self.metadata))]

    def _on_event(self, event: dict[str, Any]) -> list[StreamEvent]:
        match event.get("type"):
            case "message_start":
                self._count(event["message"].get("usage"))
            case "content_block_start":
                block = event["content_block"]
                if block.get("type") == "tool_use":
                    index = self.tool_index.setdefault(event["index"], len(self.tool_index))
                    return [ToolCallDelta(index=index, id=block.get("id"), name=block.get("name"))]
            case "content_block_delta":
                return self._delta(event["index"], event["delta"])
            case "message_delta":
                self._count(event.get("usage"))
                if (reason := event["delta"].get("stop_reason")) is not None:
                    self.finish_reason = _FINISH.get(reason, "stop")
            case "message_stop":
                self.stopped = True
        return []

    def _delta(self, index: int, delta: dict[str, Any]) -> list[StreamEvent]:
        match delta.get("type"):
            case "text_delta":
                return [TextDelta(delta["text"])] if delta.get("text") else []
            case "thinking_delta":
                return [ReasoningDelta(delta["thinking"])] if delta.get("thinking") else []
            case "signature_delta":
                return [ReasoningDelta("", signature=delta["signature"])] if delta.get("signature") else []
            case "input_json_delta":
                call = self.tool_index.setdefault(index, len(self.tool_index))
                return [ToolCallDelta(index=call, arguments=delta.get("partial_json") or "")]
        return []

    def _count(self, usage: dict[str, Any] | None) -> None:
        if not usage:
            return
        for name in _USAGE_FIELDS:
            value = usage.get(name)
            if isinstance(value, int):
                self.counts[name] = value  # message_delta repeats cumulative totals
        details = usage.get("output_tokens_details")
        if isinstance(details, dict) and isinstance(details.get("thinking_tokens"), int):
            self.thinking_tokens = details["thinking_tokens"]

    def usage(self) -> Usage:
        cached = self.counts.get("cache_read_input_tokens", 0)
        written = self.counts.get("cache_creation_input_tokens", 0)
        return Usage(
            # Anthropic reports uncached input apart from cache reads/writes; ours includes them
            input_tokens=self.counts.get("input_tokens", 0) + cached + written,
            output_tokens=self.counts.get("output_tokens", 0),
            reasoning_tokens=self.thinking_tokens,
            cached_tokens=cached,
            cache_write_tokens=written,
        )
