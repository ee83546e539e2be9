"""What both SDK adapters share: one streamed call made by the official SDK, read here as server-sent events.

The SDK makes the call (auth, base URL, retries, timeouts, its error types); the adapter only turns each
event into ours (``StreamReader``), without the SDK building a pydantic model per chunk. Every failure,
before or during the stream, goes through the adapter's one error mapping; the response is always closed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any, ClassVar, Protocol

import httpx2

from llm_router.providers import errors
from llm_router.providers.base import ChatRequest, StreamEvent, UpstreamError, Usage
from llm_router.providers.config import ProviderConfig
from llm_router.providers.sdk_options import call_options
from llm_router.providers.sse import sse_events


class StreamReader(Protocol):
    """One call's stream, event by event; remembers what only arrives at the end."""

    def read(self, name: bytes, data: bytes, response: httpx2.Response) -> list[StreamEvent]:
        """Our events for one SSE event; an error event raises what the SDK's own stream would."""
        ...

    def end(self) -> list[StreamEvent] | None:
        """The closing ``Usage``/``Finish`` events, or ``None`` when the stream was cut short."""
        ...


class SdkStreamModel:
    """Base of the adapters: ``stream`` posts ``path`` and reads the answer with ``reader``."""

    path: ClassVar[str]
    sdk_errors: ClassVar[errors.SdkErrors]
    log: ClassVar[logging.Logger]

    def __init__(self, config: ProviderConfig, client: Any) -> None:
        self.provider = config.name
        self.config = config
        self._client = client  # the SDK's AsyncOpenAI / AsyncAnthropic

    def prepare(self, request: ChatRequest) -> tuple[dict[str, Any], StreamReader]:
        """The request body and a reader for its stream."""
        raise NotImplementedError

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        body, reader = self.prepare(request)
        started = time.monotonic()
        try:
            response: httpx2.Response = await self._client.post(
                self.path, body=body, options=call_options(request), cast_to=httpx2.Response, stream=True
            )
        except Exception as exc:
            raise self._fail(exc, request.model, mid_stream=False) from None
        try:
            async for name, data in sse_events(response):
                for event in reader.read(name, data, response):
                    yield event
        except Exception as exc:
            raise self._fail(exc, request.model, mid_stream=True) from None
        finally:
            await response.aclose()
        closing = reader.end()
        if closing is None:
            raise self._fail(errors.cut_short(self.provider, request.model), request.model, mid_stream=True)
        for event in closing:
            yield event
        usage = next((e for e in closing if isinstance(e, Usage)), Usage())
        self.log.info(
            "upstream %s/%s: %s in %d ms, %d in / %d out tokens",
            self.provider,
            request.model,
            getattr(closing[-1], "reason", "?"),
            (time.monotonic() - started) * 1000,
            usage.input_tokens,
            usage.output_tokens,
        )

    async def aclose(self) -> None:
        await self._client.close()

    def _fail(self, exc: Exception, model: str, *, mid_stream: bool) -> UpstreamError:
        error = errors.map_error(exc, self.config, model, mid_stream=mid_stream, sdk=self.sdk_errors)
        return errors.log_failure(self.log, exc, error, self.sdk_errors, mid_stream=mid_stream)
