"""OpenAI Chat Completions through the official SDK: OpenAI itself and every compatible server
(OpenRouter, Ollama's /v1, llama.cpp, vLLM, LM Studio, Groq…). Always streams; ``base.collect`` gathers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import openai
from openai.types.chat import ChatCompletionChunk

from llm_router.providers import errors
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
from llm_router.providers.openai_request import build_params
from llm_router.providers.sdk_options import CONNECT_TIMEOUT, DEFAULT_TIMEOUT, NO_KEY, HttpClient

log = logging.getLogger(__name__)

_FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}


class OpenAIChatModel:
    """A ``ChatModel`` for one OpenAI-protocol endpoint."""

    def __init__(
        self, config: ProviderConfig, *, http_client: HttpClient | None = None, max_retries: int = 2
    ) -> None:
        self.provider = config.name
        self.config = config
        self._client = openai.AsyncOpenAI(
            api_key=config.api_key or NO_KEY,
            base_url=config.base_url,
            max_retries=max_retries,
            timeout=httpx2.Timeout(DEFAULT_TIMEOUT, connect=CONNECT_TIMEOUT),
            http_client=http_client,
        )
        if config.key_source != "env" or config.name != "openai":
            # the SDK adds OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment to every request;
            # they are OpenAI's business, not another vendor's
            self._client.organization = None
            self._client.project = None

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        params, metadata = build_params(request, capabilities_for(request.model))
        started = time.monotonic()
        try:
            response = await self._client.chat.completions.create(**params)
        except Exception as exc:
            raise self._fail(exc, request.model, mid_stream=False) from None
        state = _StreamState(metadata)
        try:
            async for chunk in response:
                for event in state.read(chunk):
                    yield event
        except Exception as exc:
            raise self._fail(exc, request.model, mid_stream=True) from None
        finally:
            await response.close()
        if state.finish_reason is None:
            raise self._fail(errors.cut_short(self.provider, request.model), request.model, mid_stream=True)
        for event in state.end():
            yield event
        log.info(
            "upstream %s/%s: %s in %d ms, %d in / %d out tokens",
            self.provider,
            request.model,
            state.finish_reason,
            (time.monotonic() - started) * 1000,
            state.usage.input_tokens if state.usage else 0,
            state.usage.output_tokens if state.usage else 0,
        )

    async def list_models(self) -> list[str]:
        """The ids the server's ``/models`` lists."""
        try:
            return [model.id async for model in self._client.models.list()]
        except Exception as exc:
            raise self._fail(exc, "-", mid_stream=False) from None

    async def aclose(self) -> None:
        await self._client.close()

    def _fail(self, exc: Exception, model: str, *, mid_stream: bool) -> UpstreamError:
        error = map_error(exc, self.config, model, mid_stream=mid_stream)
        return errors.log_failure(log, exc, error, openai.APIError, mid_stream=mid_stream)


def map_error(exc: Exception, config: ProviderConfig, model: str, *, mid_stream: bool) -> UpstreamError:
    """The one place where anything the SDK or the transport raises becomes an ``UpstreamError``."""
    if isinstance(exc, UpstreamError):
        return exc
    status: int | None = None
    retry_after: float | None = None
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = errors.upstream_message(exc.body) or exc.message
        kind = errors.kind_for_status(status, detail, errors.error_type(exc.body))
        if kind in ("rate_limit", "overloaded"):
            retry_after = errors.retry_after_seconds(exc.response.headers)
    elif isinstance(exc, (openai.APITimeoutError, *errors.TIMEOUT_ERRORS)):
        kind, detail = "timeout", ""
    elif isinstance(exc, (openai.APIConnectionError, *errors.TRANSPORT_ERRORS)):
        kind = "stream_cut" if mid_stream else "connection"
        detail = str(exc.__cause__ or exc)
    elif isinstance(exc, openai.APIError):  # an error event inside a stream: no status
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
    """Turns chunks into events and remembers what only arrives at the end (finish reason, usage)."""

    def __init__(self, metadata: dict[str, Any]) -> None:
        self.metadata = metadata
        self.finish_reason: FinishReason | None = None
        self.usage: Usage | None = None
        self.logprobs: list[float] | None = None

    def read(self, chunk: ChatCompletionChunk) -> list[StreamEvent]:
        if chunk.usage is not None:
            self.usage = _usage(chunk.usage)
        events: list[StreamEvent] = []
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            delta = choice.delta
            extra = delta.model_extra or {}
            # compatible servers stream thinking as reasoning_content (vLLM, llama.cpp, DeepSeek)
            # or reasoning (OpenRouter, Ollama)
            reasoning = extra.get("reasoning_content") or extra.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                events.append(ReasoningDelta(reasoning))
            if delta.content:
                events.append(TextDelta(delta.content))
            if delta.refusal:
                events.append(TextDelta(delta.refusal))
            for call in delta.tool_calls or ():
                function = call.function
                events.append(
                    ToolCallDelta(
                        index=call.index,
                        id=call.id,
                        name=function.name if function else None,
                        arguments=(function.arguments or "") if function else "",
                    )
                )
            if choice.logprobs is not None and choice.logprobs.content:
                self.logprobs = (self.logprobs or []) + [t.logprob for t in choice.logprobs.content]
            if choice.finish_reason is not None:
                self.finish_reason = _FINISH.get(choice.finish_reason, "stop")
        return events

    def end(self) -> list[StreamEvent]:
        assert self.finish_reason is not None
        events: list[StreamEvent] = [] if self.usage is None else [self.usage]
        events.append(Finish(self.finish_reason, dict(self.metadata), self.logprobs))
        return events


def _usage(raw: Any) -> Usage:
    prompt = raw.prompt_tokens_details
    completion = raw.completion_tokens_details
    return Usage(
        input_tokens=raw.prompt_tokens or 0,
        output_tokens=raw.completion_tokens or 0,
        reasoning_tokens=(completion.reasoning_tokens or 0) if completion else 0,
        cached_tokens=(prompt.cached_tokens or 0) if prompt else 0,
        cache_write_tokens=(getattr(prompt, "cache_write_tokens", None) or 0) if prompt else 0,
    )
