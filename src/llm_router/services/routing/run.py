"""One routed request in flight, and the frozen report it hands back when it is over.

A ``RouteRun`` is made by ``Router.prepare`` (``/v1``) or ``Router.run`` (the web chat), started by
``Router.start`` (which picks the model that answers) and iterated for its events. Callers never set its
fields: when the events are over (or the run failed or was stopped) ``run.report`` is a ``RouteReport``
with everything a usage row or a message needs: the model that answered, the attempts, usage, cost,
saving, TTFT, latency and status. The router (this package) is the only writer of a run's state.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from llm_router.providers.base import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UpstreamError,
    Usage,
    WireBytes,
)
from llm_router.providers.registry import ResolvedModel
from llm_router.services.routing.cache import CachedAnswer, ResponseCache
from llm_router.services.routing.plan import Plan
from llm_router.services.usage.estimate import estimate_usage
from llm_router.services.usage.records import UsageEvent

CONTENT_EVENTS = (TextDelta, ReasoningDelta, ToolCallDelta)
RunStatus = Literal["ok", "error", "cancelled", "interrupted"]
StopReason = Literal["cancelled", "interrupted"]


def _ms(since: float) -> int:
    return int((time.perf_counter() - since) * 1000)


@dataclass(frozen=True, slots=True)
class RouteReport:
    """What a finished run did and cost; made once, by the run, and never changed."""

    route: str  # the alias used, or "direct"
    requested_model: str
    model: str  # the model that answered, else the last one asked, else the first planned
    provider: str | None
    answered: bool
    status: RunStatus
    error_kind: str | None = None
    usage: Usage = field(default_factory=Usage)
    usage_estimated: bool = False  # the upstream reported no usage: counted here (services/usage/estimate)
    cost: float | None = None  # answer and anything spent on the way (a local probe); None: unknown
    saving: float | None = None
    confidence: float | None = None
    cache_hit: bool = False
    ttft_ms: int | None = None
    latency_ms: int | None = None
    attempts: tuple[dict[str, Any], ...] = ()

    def usage_event(
        self,
        *,
        owner_id: str,
        source: str,
        api_token_id: str | None = None,
        device_id: str | None = None,
        conversation_id: str | None = None,
        message_id: str | None = None,
    ) -> UsageEvent:
        usage = Usage() if self.cache_hit else self.usage  # a hit cost nothing upstream
        return UsageEvent(
            owner_id=owner_id,
            source=source,
            provider=self.provider,
            model=self.model,
            requested_model=self.requested_model,
            route=self.route,
            device_id=device_id,
            api_token_id=api_token_id,
            conversation_id=conversation_id,
            message_id=message_id,
            tokens_in=usage.input_tokens,
            tokens_out=usage.output_tokens,
            tokens_reasoning=usage.reasoning_tokens,
            tokens_cached=usage.cached_tokens,
            tokens_cache_write=usage.cache_write_tokens,
            usage_estimated=self.usage_estimated and not self.cache_hit,
            cost=self.cost,
            saving=self.saving,
            latency_ms=self.latency_ms,
            ttft_ms=self.ttft_ms,
            status=self.status,
            error_kind=self.error_kind,
            cache_hit=self.cache_hit,
            confidence=self.confidence,
            attempts=[dict(a) for a in self.attempts],
        )


class RouteRun:
    """Deltas pass through as they come; ``Usage`` and ``Finish`` are held back and yielded last, in that
    order, so every client-side encoder can put the final usage where its protocol wants it."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.route = plan.route
        self.requested_model = plan.request.model
        self._first = plan.local or plan.chain[0]  # what a pending answer names until one has answered
        self._started = time.perf_counter()
        self._attempts: list[dict[str, Any]] = []
        self._answering: ResolvedModel | None = None
        self._answer_model: tuple[str, str] | None = None  # (model, provider) of a cache hit
        self._confidence: float | None = None
        self._cache_hit = False
        self._cache_store: tuple[ResponseCache, str, float] | None = None
        self._usage = Usage()
        self._received = [0, 0]  # characters of answer and reasoning, to estimate usage if none comes
        self._usage_estimated = False
        self._fixed_cost: tuple[float | None, float | None] | None = None  # (cost, saving) known up front
        self._spent = 0.0  # on the way (a local probe that was not confident enough)
        self._saving: float | None = None
        self._ttft_ms: int | None = None
        self._latency_ms: int | None = None
        self._status: RunStatus = "ok"
        self._error_kind: str | None = None
        self._stop_reason: StopReason | None = None
        self._pending: list[StreamEvent] = []
        self._stream: AsyncIterator[StreamEvent] | None = None
        self._done = False
        self._finish: Finish | None = None
        self._kept: list[StreamEvent] | None = None
        self._report: RouteReport | None = None

    # ------------------------------------------------------------ read by callers

    @property
    def answered(self) -> bool:
        return self._answering is not None or self._answer_model is not None

    @property
    def answering(self) -> ResolvedModel | None:
        """The model that answered (after ``Router.start``), or ``None`` (none did, or a cache hit)."""
        return self._answering

    @property
    def cache_hit(self) -> bool:
        return self._cache_hit

    @property
    def passes_through(self) -> bool:
        """The answer is the upstream's own bytes (``WireBytes``), to forward instead of encoding."""
        return bool(self._pending) and isinstance(self._pending[0], WireBytes)

    @property
    def who(self) -> tuple[str, str | None]:
        """(model, provider): the one answering, else the last one asked, else the first planned."""
        if self._answer_model is not None:
            return self._answer_model
        if self._answering is not None:
            return self._answering.id, self._answering.provider.name
        if self._attempts:
            return self._attempts[-1]["model"], self._attempts[-1]["provider"]
        return self._first.id, self._first.provider.name

    @property
    def model(self) -> str:
        return self.who[0]

    @property
    def route_header(self) -> str:
        via = " (cache)" if self._cache_hit else ""
        return f"{self.route} -> {self.model}{via}"

    def stop(self, reason: StopReason) -> None:
        """Say why the caller is about to stop the run (the chat job's cancel or shutdown)."""
        self._stop_reason = self._stop_reason or reason

    @property
    def report(self) -> RouteReport:
        """The run's facts, priced; a run that never ended is reported stopped (``cancelled``)."""
        if self._report is None:
            self._report = self._make_report()
        return self._report

    # ------------------------------------------------------------ written by the router

    def _add_attempt(self, model: ResolvedModel, outcome: str, started: float, **facts: Any) -> None:
        usage: Usage | None = facts.pop("usage", None)
        entry: dict[str, Any] = {"model": model.id, "provider": model.provider.name, "outcome": outcome}
        entry["latency_ms"] = _ms(started)
        if usage is not None:
            entry.update(tokens_in=usage.input_tokens, tokens_out=usage.output_tokens)
        entry.update({k: v for k, v in facts.items() if v is not None})
        self._attempts.append(entry)

    async def _begin(self, model: ResolvedModel, stream: AsyncIterator[StreamEvent]) -> None:
        """Read up to the first content event; a failure before it raises (so the next model may try)."""
        started = time.perf_counter()
        buffered: list[StreamEvent] = []
        try:
            async for event in _until_content(stream):
                buffered.append(event)
        except UpstreamError as exc:
            self._add_attempt(model, exc.kind, started)
            raise
        self._add_attempt(model, "ok", started)
        self._answering = model
        self._pending = buffered
        self._stream = stream

    def _probe_spent(self, cost: float | None, confidence: float) -> None:
        """A local-first probe that was not confident enough: its cost is spent for nothing."""
        self._confidence = confidence
        self._spent += cost or 0.0
        self._saving = -(cost or 0.0)  # usually $0: local models are free

    def _answer_locally(
        self,
        model: ResolvedModel,
        answer: str,
        usage: Usage,
        cost: float | None,
        saving: float | None,
        confidence: float,
    ) -> None:
        self._answering = model
        self._confidence = confidence
        self._pending = [TextDelta(answer), usage, Finish("stop")] if answer else [usage, Finish("stop")]
        self._fixed_cost = (cost, saving)

    def _replay_cached(self, hit: CachedAnswer) -> None:
        self._cache_hit = True
        self._answer_model = (hit.model, hit.provider)
        self._attempts.append({"model": hit.model, "provider": hit.provider, "outcome": "cache_hit"})
        self._pending = list(hit.events)
        self._fixed_cost = (0.0, hit.cost)

    def _store_in(self, cache: ResponseCache, key: str, ttl_seconds: float) -> None:
        self._cache_store = (cache, key, ttl_seconds)

    def _failed(self, exc: UpstreamError) -> None:
        self._status, self._error_kind = "error", exc.kind
        self._latency_ms = _ms(self._started)
        self._done = True

    # ------------------------------------------------------------ the answer

    async def events(self) -> AsyncGenerator[StreamEvent, None]:
        finish: Finish | None = None
        kept: list[StreamEvent] | None = [] if self._cache_store else None
        ended = False
        try:
            async for event in _chain(self._pending, self._stream):
                if isinstance(event, Usage):
                    self._usage = event
                elif isinstance(event, Finish):
                    finish = event
                elif isinstance(event, WireBytes):
                    yield event  # pass-through bytes: for the client only (not timed, not cached)
                else:
                    self._count(event)
                    if self._ttft_ms is None:
                        self._ttft_ms = _ms(self._started)
                    if kept is not None:
                        kept.append(event)
                    yield event
            ended = True
        except UpstreamError as exc:
            self._failed(exc)
            raise
        finally:
            if not ended and not self._done:  # the client went away, or the job was stopped
                self._status, self._done = self._stop_reason or "cancelled", True
                self._latency_ms = _ms(self._started)
                if self._stream is not None and hasattr(self._stream, "aclose"):
                    await self._stream.aclose()
        if finish is not None and finish.reason == "error":
            provider = self.who[1] or ""
            error = UpstreamError(
                "upstream_error",
                "the upstream ended the answer with an error",
                provider=provider,
                model=self.model,
            )
            self._failed(error)
            raise error
        finish = finish or Finish("stop")
        self._estimate_missing_usage()  # before the client's usage event, which then carries the estimate
        self._done = True
        self._latency_ms = _ms(self._started)
        self._finish, self._kept = finish, kept
        yield self._usage
        yield finish

    def _count(self, event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            self._received[0] += len(event.text)
        elif isinstance(event, ReasoningDelta):
            self._received[1] += len(event.text)
        elif isinstance(event, ToolCallDelta):
            self._received[0] += len(event.arguments) + len(event.name or "")

    def _estimate_missing_usage(self) -> None:
        """An answer with no usage from upstream (a local server's stream, a cut or cancelled one) is
        counted here, so tokens and cost are never 0 for work that was done, and marked estimated."""
        if self._answering is None or self._fixed_cost is not None or self._cache_hit:
            return
        if self._usage.input_tokens or self._usage.output_tokens:
            return
        self._usage = estimate_usage(self.plan.request, *self._received)
        self._usage_estimated = True

    def _make_report(self) -> RouteReport:
        if not self._done:  # stopped before any event was read (e.g. while a fallback chain waited)
            self._status, self._done = self._stop_reason or "cancelled", True
            self._latency_ms = _ms(self._started)
        self._estimate_missing_usage()
        attempts = [dict(a) for a in self._attempts]
        if self._fixed_cost is not None:
            cost, saving = self._fixed_cost
        elif self._answering is not None:
            price = self._answering.price(self._usage)
            cost = price + self._spent if price is not None else None
            saving = self._saving
            if attempts and self._status == "ok":
                attempts[-1].update(
                    tokens_in=self._usage.input_tokens, tokens_out=self._usage.output_tokens, cost=price
                )
        else:
            cost, saving = self._spent, self._saving
        model, provider = self.who
        report = RouteReport(
            route=self.route,
            requested_model=self.requested_model,
            model=model,
            provider=provider,
            answered=self.answered,
            status=self._status,
            error_kind=self._error_kind,
            usage=self._usage,
            usage_estimated=self._usage_estimated,
            cost=cost,
            saving=saving,
            confidence=self._confidence,
            cache_hit=self._cache_hit,
            ttft_ms=self._ttft_ms,
            latency_ms=self._latency_ms,
            attempts=tuple(attempts),
        )
        self._fill_cache(report)
        return report

    def _fill_cache(self, report: RouteReport) -> None:
        finish, kept, store = self._finish, self._kept, self._cache_store
        if kept is None or store is None or finish is None or finish.reason not in ("stop", "tool_calls"):
            return
        cache, key, ttl = store
        self._cache_store = None
        answer = CachedAnswer(report.model, report.provider or "", (*kept, report.usage, finish), report.cost)
        cache.put(key, answer, ttl)


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
