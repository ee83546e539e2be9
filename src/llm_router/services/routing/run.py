"""One routed request in flight: which models were tried, the answer's events, and what it all cost."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING, Any

from llm_router.providers.base import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UpstreamError,
    Usage,
)
from llm_router.services.chat.choice import ResolvedModel
from llm_router.services.routing.cache import CachedAnswer, ResponseCache
from llm_router.services.usage.records import UsageEvent

if TYPE_CHECKING:
    from collections.abc import Callable

    from llm_router.services.routing.router import Plan

CONTENT_EVENTS = (TextDelta, ReasoningDelta, ToolCallDelta)


def _ms(since: float) -> int:
    return int((time.perf_counter() - since) * 1000)


class RouteRun:
    """Created by ``Router.prepare``; ``Router.start`` picks the model; ``events()`` streams the answer.

    Deltas pass through as they come; ``Usage`` and ``Finish`` are held back and yielded last, in that
    order, so every client-side encoder can put the final usage where its protocol wants it.
    """

    def __init__(
        self, *, route: str, requested_model: str, price: Callable[[ResolvedModel, Usage], float | None]
    ):
        self.route = route
        self.requested_model = requested_model
        self.price = price
        self.plan: Plan | None = None
        self.started = time.perf_counter()
        self.model = requested_model  # the catalog id of the model that answered
        self.provider: str | None = None
        self.attempts: list[dict[str, Any]] = []
        self.confidence: float | None = None
        self.cache_hit = False
        self.cache_store: tuple[ResponseCache, str, float] | None = None
        self.usage = Usage()
        self.cost: float | None = None
        self.extra_cost = 0.0  # spent on the way (a local probe that was not confident enough)
        self.saving: float | None = None
        self.ttft_ms: int | None = None
        self.latency_ms: int | None = None
        self.status = "ok"
        self.error_kind: str | None = None
        self.answered = False
        self._answering: ResolvedModel | None = None
        self._pending: list[StreamEvent] = []
        self._stream: AsyncIterator[StreamEvent] | None = None
        self._priced = False
        self._done = False
        self._finish: Finish | None = None
        self._kept: list[StreamEvent] | None = None

    @property
    def answering(self) -> ResolvedModel | None:
        """The model that answered (after ``Router.start``), or ``None`` (none did, or a cache hit)."""
        return self._answering

    @property
    def route_header(self) -> str:
        via = " (cache)" if self.cache_hit else ""
        return f"{self.route} -> {self.model}{via}"

    def add_attempt(self, model: ResolvedModel, outcome: str, started: float, **facts: Any) -> None:
        usage: Usage | None = facts.pop("usage", None)
        entry: dict[str, Any] = {"model": model.id, "provider": model.provider.name, "outcome": outcome}
        entry["latency_ms"] = _ms(started)
        if usage is not None:
            entry.update(tokens_in=usage.input_tokens, tokens_out=usage.output_tokens)
        entry.update({k: v for k, v in facts.items() if v is not None})
        self.attempts.append(entry)

    def _use(self, model: ResolvedModel) -> None:
        self._answering = model
        self.model = model.id
        self.provider = model.provider.name
        self.answered = True

    async def begin(self, model: ResolvedModel, stream: AsyncIterator[StreamEvent]) -> None:
        """Read up to the first content event; a failure before it raises (so the next model may try)."""
        started = time.perf_counter()
        buffered: list[StreamEvent] = []
        try:
            async for event in _until_content(stream):
                buffered.append(event)
        except UpstreamError as exc:
            self.add_attempt(model, exc.kind, started)
            raise
        self.add_attempt(model, "ok", started)
        self._use(model)
        self._pending = buffered
        self._stream = stream

    def answer_locally(
        self, model: ResolvedModel, answer: str, usage: Usage, cost: float | None, saving: float | None
    ) -> None:
        self._use(model)
        self._pending = [TextDelta(answer), usage, Finish("stop")] if answer else [usage, Finish("stop")]
        self.cost, self.saving, self._priced = cost, saving, True

    def replay_cached(self, hit: CachedAnswer) -> None:
        self.cache_hit = True
        self.answered = True
        self.model, self.provider = hit.model, hit.provider
        self.attempts.append({"model": hit.model, "provider": hit.provider, "outcome": "cache_hit"})
        self._pending = list(hit.events)
        self.cost, self.saving, self._priced = 0.0, hit.cost, True

    def failed(self, exc: UpstreamError) -> None:
        self.status, self.error_kind = "error", exc.kind
        self.latency_ms = _ms(self.started)
        self.cost = self.extra_cost
        self._done = True

    async def events(self) -> AsyncGenerator[StreamEvent, None]:
        finish: Finish | None = None
        kept: list[StreamEvent] | None = [] if self.cache_store else None
        ended = False
        try:
            async for event in _chain(self._pending, self._stream):
                if isinstance(event, Usage):
                    self.usage = event
                elif isinstance(event, Finish):
                    finish = event
                else:
                    if self.ttft_ms is None:
                        self.ttft_ms = _ms(self.started)
                    if kept is not None:
                        kept.append(event)
                    yield event
            ended = True
        except UpstreamError as exc:
            self.failed(exc)
            raise
        finally:
            if not ended and not self._done:  # the client went away before the end
                self.status, self._done = "cancelled", True
                self.latency_ms = _ms(self.started)
                if self._stream is not None and hasattr(self._stream, "aclose"):
                    await self._stream.aclose()
        if finish is not None and finish.reason == "error":
            error = UpstreamError(
                "upstream_error",
                "the upstream ended the answer with an error",
                provider=self.provider or "",
                model=self.model,
            )
            self.failed(error)
            raise error
        finish = finish or Finish("stop")
        self._complete(finish, kept)
        yield self.usage
        yield finish

    def _complete(self, finish: Finish, kept: list[StreamEvent] | None) -> None:
        self._done = True
        self.latency_ms = _ms(self.started)
        self._finish = finish
        self._kept = kept

    def settle(self) -> None:
        """Price the answer and fill the cache. Called when the usage row is made, after the response:
        pricing takes a fraction of a millisecond that no client should wait for."""
        if not self._priced and self._answering is not None and self._done:
            self._priced = True
            cost = self.price(self._answering, self.usage)
            self.cost = cost + self.extra_cost if cost is not None else None
            if self.attempts and self.status == "ok":
                self.attempts[-1].update(
                    tokens_in=self.usage.input_tokens, tokens_out=self.usage.output_tokens, cost=cost
                )
        finish, kept = self._finish, self._kept
        if (
            kept is not None
            and self.cache_store
            and finish is not None
            and finish.reason in ("stop", "tool_calls")
        ):
            cache, key, ttl = self.cache_store
            self.cache_store = None
            cache.put(
                key,
                CachedAnswer(self.model, self.provider or "", (*kept, self.usage, finish), self.cost),
                ttl,
            )

    def usage_event(
        self, *, owner_id: str, source: str, api_token_id: str | None, device_id: str | None
    ) -> UsageEvent:
        self.settle()
        usage = Usage() if self.cache_hit else self.usage
        return UsageEvent(
            owner_id=owner_id,
            source=source,
            provider=self.provider,
            model=self.model,
            requested_model=self.requested_model,
            route=self.route,
            device_id=device_id,
            api_token_id=api_token_id,
            tokens_in=usage.input_tokens,
            tokens_out=usage.output_tokens,
            tokens_reasoning=usage.reasoning_tokens,
            tokens_cached=usage.cached_tokens,
            cost=self.cost,
            saving=self.saving,
            latency_ms=self.latency_ms,
            ttft_ms=self.ttft_ms,
            status=self.status,
            error_kind=self.error_kind,
            cache_hit=self.cache_hit,
            confidence=self.confidence,
            attempts=self.attempts,
        )


async def _until_content(stream: AsyncIterator[StreamEvent]) -> AsyncIterator[StreamEvent]:
    """Events of ``stream`` up to and including the first content event (the stream stays open)."""
    while True:
        try:
            event = await anext(stream)
        except StopAsyncIteration:
            return
        yield event
        if isinstance(event, CONTENT_EVENTS):
            return


async def _chain(
    pending: list[StreamEvent], stream: AsyncIterator[StreamEvent] | None
) -> AsyncIterator[StreamEvent]:
    for event in pending:
        yield event
    if stream is not None:
        async for event in stream:
            yield event
