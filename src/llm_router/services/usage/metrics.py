"""Prometheus metrics (``GET /metrics``): HTTP requests, upstream calls, tokens, cost, running answers.

One ``Metrics`` per app, so several apps in one process (tests) do not mix their counts. Hooks stay small:
the request-log middleware calls ``observe_request``, the usage writer and the generation manager call
``observe_usage`` with the usage row they store. With ``--workers N`` each process counts its own requests
(scrape each, or use one worker per container and scale containers).

The counts live in plain dicts from the first request on; ``prometheus_client`` is imported only when
someone scrapes, to render them (``render``). Importing it at start-up pulled in ``http.server``,
``wsgiref`` and ``urllib.request`` for its own exporters, and a labelled ``inc()`` through it took a lock
and two lookups on every request.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from llm_router.services.usage.records import UsageEvent

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # prometheus_client's CONTENT_TYPE_LATEST

Labels = tuple[str, ...]


class CounterFamily:
    """A labelled counter: label values → [value, created] (the ``_created`` sample Prometheus reads)."""

    def __init__(self, name: str, documentation: str, labels: Labels) -> None:
        self.name, self.documentation, self.labels = name, documentation, labels
        self.values: dict[Labels, list[float]] = {}

    def inc(self, values: Labels, amount: float = 1.0) -> None:
        if (slot := self.values.get(values)) is None:
            self.values[values] = [amount, time.time()]
        else:
            slot[0] += amount

    def metric(self) -> Metric:
        from prometheus_client.core import CounterMetricFamily

        family = CounterMetricFamily(self.name, self.documentation, labels=self.labels)
        for values, (value, created) in self.values.items():
            family.add_metric(values, value, created=created)
        return family


class HistogramFamily:
    """A labelled histogram: label values → per-bucket counts (not cumulative), then sum and count."""

    def __init__(self, name: str, documentation: str, labels: Labels, buckets: tuple[float, ...]) -> None:
        self.name, self.documentation, self.labels = name, documentation, labels
        self.buckets = tuple(float(b) for b in buckets)
        self.values: dict[Labels, list[float]] = {}

    def observe(self, values: Labels, amount: float) -> None:
        if (slot := self.values.get(values)) is None:
            slot = self.values[values] = [0.0] * (len(self.buckets) + 3)  # buckets, +Inf, sum, count
        slot[bisect_left(self.buckets, amount)] += 1  # the first bucket whose bound is >= amount, else +Inf
        slot[-2] += amount
        slot[-1] += 1

    def metric(self) -> Metric:
        from prometheus_client.core import HistogramMetricFamily

        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labels)
        bounds = [repr(b) for b in self.buckets] + ["+Inf"]  # as Go prints them: 0.005, 1.0, 120.0
        for values, slot in self.values.items():
            cumulative, total = [], 0.0
            for bound, count in zip(bounds, slot[:-2], strict=True):
                total += count
                cumulative.append((bound, total))
            family.add_metric(values, cumulative, slot[-2])
        return family


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # usage rows may be counted from a worker thread
        self.http_requests = CounterFamily(
            "llm_router_http_requests",
            "HTTP requests by route template and status",
            ("method", "route", "status"),
        )
        self.http_seconds = HistogramFamily(
            "llm_router_http_request_duration_seconds",
            "Time to the end of the HTTP response",
            ("method", "route"),
            LATENCY_BUCKETS,
        )
        self.upstream_calls = CounterFamily(
            "llm_router_upstream_calls",
            "Calls to model providers by outcome (ok, error kinds, cache_hit)",
            ("source", "provider", "model", "outcome"),
        )
        self.upstream_seconds = HistogramFamily(
            "llm_router_upstream_duration_seconds",
            "Duration of a provider call (all of a stream)",
            ("provider",),
            LATENCY_BUCKETS,
        )
        self.ttft_seconds = HistogramFamily(
            "llm_router_time_to_first_token_seconds",
            "Time to the first token of an answer",
            ("provider",),
            LATENCY_BUCKETS,
        )
        self.tokens = CounterFamily(
            "llm_router_tokens",
            "Tokens by provider, model and direction (input, output)",
            ("provider", "model", "direction"),
        )
        self.cost = CounterFamily(
            "llm_router_cost_usd", "Cost in US dollars of priced calls", ("provider", "model")
        )
        self._running: Callable[[], int] = lambda: 0

    def count_running(self, running: Callable[[], int]) -> None:
        self._running = running

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.http_requests.inc((method, route, str(status)))
            self.http_seconds.observe((method, route), seconds)

    def observe_usage(self, event: UsageEvent) -> None:
        """One usage row: each upstream attempt it lists (failed fallbacks too), its tokens and cost."""
        attempts = event.attempts or [
            {"provider": event.provider, "model": event.model, "outcome": event.status}
        ]
        provider, model = event.provider or "none", event.model or ""
        with self._lock:
            for attempt in attempts:
                tried = str(attempt.get("provider") or "none")
                outcome = str(attempt.get("outcome") or "unknown")
                self.upstream_calls.inc((event.source, tried, str(attempt.get("model") or ""), outcome))
                if isinstance(latency := attempt.get("latency_ms"), int | float):
                    self.upstream_seconds.observe((tried,), latency / 1000)
            if event.ttft_ms is not None:
                self.ttft_seconds.observe((provider,), event.ttft_ms / 1000)
            if event.tokens_in:
                self.tokens.inc((provider, model, "input"), event.tokens_in)
            if event.tokens_out:
                self.tokens.inc((provider, model, "output"), event.tokens_out)
            if event.cost:
                self.cost.inc((provider, model), event.cost)

    def render(self) -> bytes:
        """The Prometheus text format of everything counted so far (imports ``prometheus_client``)."""
        from prometheus_client import CollectorRegistry, generate_latest

        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Snapshot(self))
        return generate_latest(registry)

    def families(self) -> list[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        with self._lock:  # a consistent snapshot, formatted after the lock is released
            families = [
                family.metric()
                for family in (
                    self.http_requests,
                    self.http_seconds,
                    self.upstream_calls,
                    self.upstream_seconds,
                    self.ttft_seconds,
                    self.tokens,
                    self.cost,
                )
            ]
        running = GaugeMetricFamily(
            "llm_router_generations_running",
            "Chat answers being generated by this process",
            float(self._running()),
        )
        return [*families, running]


class _Snapshot:
    """A collector (``collect()``) over one ``Metrics``, registered only for the scrape that renders it."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        return iter(self.metrics.families())
