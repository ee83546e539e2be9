"""Anthropic Messages through the official SDK. Always streams; ``base.collect`` gathers for callers
that want the whole answer."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any, cast

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
    UpstreamError,
    Usage,
)
from llm_router.providers.capabilities import capabilities_for
from llm_router.providers.config import ProviderConfig
from llm_router.providers.sdk_options import (
    CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
    NO_KEY,
    HttpClient,
    call_options,
)
from llm_router.providers.sse import sse_events

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


class AnthropicMessagesModel:
    """A ``ChatModel`` for one Anthropic-protocol endpoint."""

    def __init__(
        self, config: ProviderConfig, *, http_client: HttpClient | None = None, max_retries: int = 2
    ) -> None:
        self.provider = config.name
        self.config = config
        self._client = anthropic.AsyncAnthropic(
            api_key=config.api_key or NO_KEY,
            base_url=config.base_url,
            max_retries=max_retries,
            timeout=httpx2.Timeout(DEFAULT_TIMEOUT, connect=CONNECT_TIMEOUT),
            http_client=http_client,
        )

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        body, metadata = build_params(request, capabilities_for(request.model))
        started = time.monotonic()
        try:
            # The SDK makes the call (auth, retries, timeouts, its error types); the stream is read
            # here, without building a pydantic model per event.
            response = await self._client.post(
                "/v1/messages",
                body=body,
                options=cast("anthropic.RequestOptions", call_options(request)),
                cast_to=httpx2.Response,
                stream=True,
            )
        except Exception as exc:
            raise self._fail(exc, request.model, mid_stream=False) from None
        state = _StreamState(metadata)
        try:
            async for name, data in sse_events(response):
                if name and name != b"ping":
                    for out in state.read(_event(name, data, response)):
                        yield out
        except Exception as exc:
            raise self._fail(exc, request.model, mid_stream=True) from None
        finally:
            await response.aclose()
        if state.finish_reason is None or not state.stopped:
            raise self._fail(errors.cut_short(self.provider, request.model), request.model, mid_stream=True)
        usage = state.usage()
        yield usage
        yield Finish(state.finish_reason, dict(metadata))
        log.info(
            "upstream %s/%s: %s in %d ms, %d in / %d out tokens",
            self.provider,
            request.model,
            state.finish_reason,
            (time.monotonic() - started) * 1000,
            usage.input_tokens,
            usage.output_tokens,
        )

    async def list_models(self) -> list[str]:
        try:
            return [model.id async for model in self._client.models.list(limit=1000)]
        except Exception as exc:
            raise self._fail(exc, "-", mid_stream=False) from None

    async def aclose(self) -> None:
        await self._client.close()

    def _fail(self, exc: Exception, model: str, *, mid_stream: bool) -> UpstreamError:
        error = errors.map_error(exc, self.config, model, mid_stream=mid_stream, sdk=SDK_ERRORS)
        return errors.log_failure(log, exc, error, SDK_ERRORS, mid_stream=mid_stream)


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

    def read(self, event: dict[str, Any]) -> list[StreamEvent]:
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
