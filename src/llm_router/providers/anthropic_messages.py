"""Anthropic Messages through the official SDK. Always streams; ``base.collect`` gathers for callers
that want the whole answer."""

from __future__ import annotations

import logging
from typing import Any

import anthropic
import httpx2
import orjson

from llm_router.providers import errors
from llm_router.providers.anthropic_request import build_params
from llm_router.providers.base import (
    ChatRequest,
    Finish,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from llm_router.providers.capabilities import capabilities_for
from llm_router.providers.config import ProviderConfig
from llm_router.providers.sdk_options import CONNECT_TIMEOUT, DEFAULT_TIMEOUT, NO_KEY, HttpClient
from llm_router.providers.sdk_stream import SdkStreamModel

log = logging.getLogger(__name__)

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

    path = "/v1/messages"
    sdk_errors = SDK_ERRORS
    log = log

    def __init__(
        self, config: ProviderConfig, *, http_client: HttpClient | None = None, max_retries: int = 2
    ) -> None:
        client = anthropic.AsyncAnthropic(
            api_key=config.api_key or NO_KEY,
            base_url=config.base_url,
            max_retries=max_retries,
            timeout=httpx2.Timeout(DEFAULT_TIMEOUT, connect=CONNECT_TIMEOUT),
            http_client=http_client,
        )
        super().__init__(config, client)

    def prepare(self, request: ChatRequest) -> tuple[dict[str, Any], _StreamState]:
        body, metadata = build_params(request, capabilities_for(request.model))
        return body, _StreamState(metadata)

    async def list_models(self) -> list[str]:
        try:
            return [model.id async for model in self._client.models.list(limit=1000)]
        except Exception as exc:
            raise self._fail(exc, "-", mid_stream=False) from None


def _event(name: bytes, data: bytes, response: httpx2.Response) -> dict[str, Any]:
    """One event's payload; an ``error`` event raises what the SDK's own stream would."""
    if name == b"error":
        try:
            body: object = orjson.loads(data)
        except orjson.JSONDecodeError:
            body = data.decode(errors="replace")
        raise anthropic.APIStatusError(str(body), response=response, body=body)
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

    def read(self, name: bytes, data: bytes, response: httpx2.Response) -> list[StreamEvent]:
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
