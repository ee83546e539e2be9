"""Anthropic's streaming events from neutral events: message_start, content blocks, message_delta."""

from __future__ import annotations

from typing import Any

import orjson

from llm_router.api.v1.anthropic_translate import stop_reason, usage_json
from llm_router.api.v1.errors import Failure, anthropic_error_body
from llm_router.core.ids import new_id
from llm_router.providers.base import Finish, ReasoningDelta, StreamEvent, TextDelta, ToolCallDelta, Usage


def _sse(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


class AnthropicStreamEncoder:
    """Neutral events → ``message_start`` … ``message_stop``, opening and closing content blocks."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.usage = Usage()
        self.index = -1
        self.block: str | None = None  # "text" | "thinking" | "tool_use" (the open block)
        self.tool_index: int | None = None

    def start(self) -> bytes:
        message: dict[str, Any] = {
            "id": f"msg_{new_id()}",
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {**usage_json(self.usage), "output_tokens": 0},
        }
        return _sse("message_start", {"type": "message_start", "message": message}) + _sse(
            "ping", {"type": "ping"}
        )

    def _open(self, kind: str, block: dict[str, Any]) -> bytes:
        out = self._close()
        self.index += 1
        self.block = kind
        start = {"type": "content_block_start", "index": self.index, "content_block": block}
        return out + _sse("content_block_start", start)

    def _close(self) -> bytes:
        if self.block is None:
            return b""
        self.block = None
        return _sse("content_block_stop", {"type": "content_block_stop", "index": self.index})

    def _delta(self, delta: dict[str, Any]) -> bytes:
        return _sse(
            "content_block_delta", {"type": "content_block_delta", "index": self.index, "delta": delta}
        )

    def encode(self, event: StreamEvent) -> bytes:
        match event:
            case TextDelta(text=text):
                head = b"" if self.block == "text" else self._open("text", {"type": "text", "text": ""})
                return head + self._delta({"type": "text_delta", "text": text})
            case ReasoningDelta(text=text, signature=signature):
                head = b""
                if self.block != "thinking":
                    head = self._open("thinking", {"type": "thinking", "thinking": "", "signature": ""})
                if text:
                    head += self._delta({"type": "thinking_delta", "thinking": text})
                if signature:
                    head += self._delta({"type": "signature_delta", "signature": signature})
                return head
            case ToolCallDelta():
                return self._tool(event)
            case Usage():
                self.usage = event
            case Finish():
                return self._finish(event)
        return b""

    def _tool(self, event: ToolCallDelta) -> bytes:
        head = b""
        if self.block != "tool_use" or self.tool_index != event.index:
            self.tool_index = event.index
            block = {
                "type": "tool_use",
                "id": event.id or f"toolu_{new_id()}",
                "name": event.name or "",
                "input": {},
            }
            head = self._open("tool_use", block)
        if not event.arguments:
            return head
        return head + self._delta({"type": "input_json_delta", "partial_json": event.arguments})

    def _finish(self, finish: Finish) -> bytes:
        delta = {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason(finish), "stop_sequence": None},
        }
        delta["usage"] = usage_json(self.usage)
        return self._close() + _sse("message_delta", delta)

    @staticmethod
    def end() -> bytes:
        return _sse("message_stop", {"type": "message_stop"})

    @staticmethod
    def error(failure: Failure) -> bytes:
        return _sse("error", anthropic_error_body(failure))
