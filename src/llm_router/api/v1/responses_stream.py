"""The Responses API's streamed events from neutral events, in the order the official SDK and Codex read.

``response.created`` and ``response.in_progress`` open the stream; each output item (reasoning, a
message, a function call) is announced with ``response.output_item.added``, filled with its deltas and
closed with its ``…done`` events and ``response.output_item.done`` (Codex builds its history from these
``done`` items); ``response.completed`` carries the whole response with usage, and a failure ends the
stream with ``response.failed``. Every event has a ``sequence_number``, counting from 0.
"""

from __future__ import annotations

from typing import Any

import orjson

from llm_router.api.v1.errors import Failure
from llm_router.api.v1.responses_translate import (
    ResponsesBody,
    call_item,
    message_item,
    reasoning_item,
    response_json,
)
from llm_router.core.ids import new_id
from llm_router.providers.base import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
)

_EMPTY_TEXT_PART: dict[str, Any] = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}


class ResponsesStreamEncoder:
    """Neutral events → Responses SSE events; ``final`` holds the completed response once ``end`` ran."""

    def __init__(self, body: ResponsesBody, response_id: str, model: str, created_at: int) -> None:
        self.body = body
        self.id = response_id
        self.model = model
        self.created_at = created_at
        self.sequence = 0
        self.usage = Usage()
        self.finish: Finish | None = None
        self.output: list[dict[str, Any]] = []
        self.final: dict[str, Any] | None = None
        # the open item: its kind ("reasoning" | "message" | "function_call"), id and gathered text
        self.kind: str | None = None
        self.item_id = ""
        self.text: list[str] = []
        self.call = ToolCall("", "", "")
        self.tool_index: int | None = None

    def _event(self, name: str, data: dict[str, Any]) -> bytes:
        data = {"type": name, "sequence_number": self.sequence, **data}
        self.sequence += 1
        return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"

    def _response(self, status: Any, output: list[dict[str, Any]], usage: Usage | None) -> dict[str, Any]:
        return response_json(
            self.body,
            self.id,
            self.model,
            status=status,
            output=output,
            usage=usage,
            created_at=self.created_at,
            finish=self.finish,
        )

    def start(self) -> bytes:
        response = self._response("in_progress", [], None)
        return self._event("response.created", {"response": response}) + self._event(
            "response.in_progress", {"response": response}
        )

    @property
    def _where(self) -> dict[str, Any]:
        return {"item_id": self.item_id, "output_index": len(self.output)}

    def _open(self, kind: str, prefix: str, item: dict[str, Any]) -> bytes:
        out = self._close()
        self.kind, self.item_id, self.text = kind, f"{prefix}_{new_id()}", []
        item = {**item, "id": self.item_id}
        return out + self._event(
            "response.output_item.added", {"output_index": len(self.output), "item": item}
        )

    def _close(self) -> bytes:
        if self.kind is None:
            return b""
        text = "".join(self.text)
        where = self._where
        if self.kind == "reasoning":
            item = reasoning_item(self.item_id, text)
            part = {"type": "summary_text", "text": text}
            out = self._event(
                "response.reasoning_summary_text.done", {**where, "summary_index": 0, "text": text}
            )
            out += self._event(
                "response.reasoning_summary_part.done", {**where, "summary_index": 0, "part": part}
            )
        elif self.kind == "message":
            item = message_item(self.item_id, text)
            out = self._event(
                "response.output_text.done", {**where, "content_index": 0, "text": text, "logprobs": []}
            )
            done = {**where, "content_index": 0, "part": item["content"][0]}
            out += self._event("response.content_part.done", done)
        else:
            call = ToolCall(self.call.id, self.call.name, text)
            item = call_item(self.item_id, call)
            done = {**where, "name": call.name, "arguments": text}
            out = self._event("response.function_call_arguments.done", done)
        out += self._event("response.output_item.done", {"output_index": len(self.output), "item": item})
        self.output.append(item)
        self.kind = None
        return out

    def encode(self, event: StreamEvent) -> bytes:
        match event:
            case ReasoningDelta(text=text):
                head = b""
                if self.kind != "reasoning":
                    head = self._open("reasoning", "rs", {"type": "reasoning", "summary": []})
                    part = {"type": "summary_text", "text": ""}
                    head += self._event(
                        "response.reasoning_summary_part.added",
                        {**self._where, "summary_index": 0, "part": part},
                    )
                self.text.append(text)
                delta = {**self._where, "summary_index": 0, "delta": text}
                return head + self._event("response.reasoning_summary_text.delta", delta)
            case TextDelta(text=text):
                head = b""
                if self.kind != "message":
                    head = self._open("message", "msg", message_item("", "", status="in_progress"))
                    added = {**self._where, "content_index": 0, "part": _EMPTY_TEXT_PART}
                    head += self._event("response.content_part.added", added)
                self.text.append(text)
                delta = {**self._where, "content_index": 0, "delta": text, "logprobs": []}
                return head + self._event("response.output_text.delta", delta)
            case ToolCallDelta():
                return self._tool(event)
            case Usage():
                self.usage = event
            case Finish():
                self.finish = event
                return self._close()
        return b""

    def _tool(self, event: ToolCallDelta) -> bytes:
        head = b""
        if self.kind != "function_call" or (event.index != self.tool_index):
            self.tool_index = event.index
            self.call = ToolCall(event.id or f"call_{new_id()}", event.name or "", "")
            head = self._open("function_call", "fc", call_item("", self.call, status="in_progress"))
        if not event.arguments:
            return head
        self.text.append(event.arguments)
        delta = {**self._where, "delta": event.arguments}
        return head + self._event("response.function_call_arguments.delta", delta)

    def end(self) -> bytes:
        out = self._close()
        self.final = self._response("completed", self.output, self.usage)
        return out + self._event("response.completed", {"response": self.final})

    def error(self, failure: Failure) -> bytes:
        out = self._close()
        response = self._response("failed", self.output, self.usage)
        response["error"] = {"code": failure.code or "server_error", "message": failure.message}
        return out + self._event("response.failed", {"response": response})
