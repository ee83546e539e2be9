"""Anthropic Messages through the official SDK. Always streams; ``base.collect`` gathers for callers
that want the whole answer."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx2

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
from llm_router.providers.sdk_options import CONNECT_TIMEOUT, DEFAULT_TIMEOUT, NO_KEY, HttpClient

log = logging.getLogger(__name__)

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
        params, metadata = build_params(request, capabilities_for(request.model))
        started = time.monotonic()
        try:
            response = await self._client.messages.create(**params)
        except Exception as exc:
            raise self._fail(exc, request.model, mid_stream=False) from None
        state = _StreamState(metadata)
        try:
            async for event in response:
                for out in state.read(event):
                    yield out
        except Exception as exc:
            raise self._fail(exc, request.model, mid_stream=True) from None
        finally:
            await response.close()
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
        error = map_error(exc, self.config, model, mid_stream=mid_stream)
        return errors.log_failure(log, exc, error, anthropic.APIError, mid_stream=mid_stream)


def map_error(exc: Exception, config: ProviderConfig, model: str, *, mid_stream: bool) -> UpstreamError:
    """The one place where anything the SDK or the transport raises becomes an ``UpstreamError``."""
    if isinstance(exc, UpstreamError):
        return exc
    status: int | None = None
    retry_after: float | None = None
    if isinstance(exc, anthropic.APIStatusError):
        # an ``error`` event inside a 200 stream arrives as a status error with the stream's status
        status = exc.status_code if exc.status_code >= 400 else None
        detail = errors.upstream_message(exc.body) or exc.message
        kind = errors.kind_for_status(status, detail, errors.error_type(exc.body))
        if kind in ("rate_limit", "overloaded"):
            retry_after = errors.retry_after_seconds(exc.response.headers)
    elif isinstance(exc, (anthropic.APITimeoutError, *errors.TIMEOUT_ERRORS)):
        kind, detail = "timeout", ""
    elif isinstance(exc, (anthropic.APIConnectionError, *errors.TRANSPORT_ERRORS)):
        kind = "stream_cut" if mid_stream else "connection"
        detail = str(exc.__cause__ or exc)
    elif isinstance(exc, anthropic.APIError):
        detail = errors.upstream_message(exc.body) or exc.message
        kind = errors.kind_for_status(None, detail, errors.error_type(exc.body))
    elif mid_stream and isinstance(exc, errors.MALFORMED_ERRORS):
        kind, detail = "stream_cut", "malformed event"
    else:
        kind, detail = "upstream_error", type(exc).__name__
    message = errors.explain(
        kind,
        provider=config.name,
        model=model,
        key_fix=config.how_to_set_key(),
        detail=errors.safe_text(detail, config.api_key),
    )
    message = errors.scrub_secret(message, config.api_key)
    return UpstreamError(
        kind, message, provider=config.name, model=model, status=status, retry_after=retry_after
    )


class _StreamState:
    """Turns Anthropic's stream events into ours; usage and the stop reason arrive at the end."""

    def __init__(self, metadata: dict[str, Any]) -> None:
        self.metadata = metadata
        self.finish_reason: FinishReason | None = None
        self.stopped = False
        self.counts: dict[str, int] = {}
        self.thinking_tokens = 0
        self.tool_index: dict[int, int] = {}  # content block index -> tool call index

    def read(self, event: Any) -> list[StreamEvent]:
        match event.type:
            case "message_start":
                self._count(event.message.usage)
            case "content_block_start":
                block = event.content_block
                if block.type == "tool_use":
                    index = self.tool_index.setdefault(event.index, len(self.tool_index))
                    return [ToolCallDelta(index=index, id=block.id, name=block.name)]
            case "content_block_delta":
                return self._delta(event.index, event.delta)
            case "message_delta":
                self._count(event.usage)
                if event.delta.stop_reason is not None:
                    self.finish_reason = _FINISH.get(event.delta.stop_reason, "stop")
            case "message_stop":
                self.stopped = True
        return []

    def _delta(self, index: int, delta: Any) -> list[StreamEvent]:
        match delta.type:
            case "text_delta":
                return [TextDelta(delta.text)] if delta.text else []
            case "thinking_delta":
                return [ReasoningDelta(delta.thinking)] if delta.thinking else []
            case "input_json_delta":
                call = self.tool_index.setdefault(index, len(self.tool_index))
                return [ToolCallDelta(index=call, arguments=delta.partial_json)]
        return []

    def _count(self, usage: Any) -> None:
        if usage is None:
            return
        for name in (
            "input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
        ):
            value = getattr(usage, name, None)
            if isinstance(value, int):
                self.counts[name] = value  # message_delta repeats cumulative totals
        details = getattr(usage, "output_tokens_details", None)
        if details is not None and isinstance(getattr(details, "thinking_tokens", None), int):
            self.thinking_tokens = details.thinking_tokens

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
