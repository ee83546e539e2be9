"""Routing: a requested model name becomes a plan, and the plan runs until some model answers.

Independent of HTTP: ``/v1`` and the web chat's generation jobs both use it. ``Router.prepare`` makes
the plan (explicit model, alias, fallback chain, local-first, ``#no_cloud``, cache); ``Router.start``
tries models until one produces its first event (fallback happens only before the first token, since
nothing can be taken back from the client after that); ``RouteRun.events`` streams the answer and leaves
the facts for the usage record on the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from llm_router.api.v1.errors import PolicyRefusal
from llm_router.core.errors import AppError
from llm_router.providers.base import (
    ChatMessage,
    ChatRequest,
    TextPart,
    UpstreamError,
    Usage,
    collect,
)
from llm_router.services.chat.choice import ResolvedModel
from llm_router.services.routing.cache import ResponseCache, cache_key
from llm_router.services.routing.config import RoutesFile, RouteSpec
from llm_router.services.routing.local_first import judge, probe_request
from llm_router.services.routing.run import RouteRun

NO_CLOUD_TAG = "#no_cloud"

PriceFn = Callable[[ResolvedModel, Usage], float | None]


class Resolver(Protocol):
    def resolve(self, name: str) -> ResolvedModel: ...

    def available_ids(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class ListedModel:
    id: str
    owner: str  # the provider, or "llm-router" for a route alias


@dataclass(frozen=True, slots=True)
class Plan:
    route: str  # the alias used, or "direct" for an explicit model name
    request: ChatRequest  # as sent upstream: the ``#no_cloud`` tag removed
    chain: tuple[ResolvedModel, ...]  # tried in order on retryable failures
    local: ResolvedModel | None  # local-first: asked first, with the confidence probe
    threshold: float
    spec: RouteSpec | None
    no_cloud: bool


def _strip_tag(text: str) -> str:
    return " ".join(text.replace(NO_CLOUD_TAG, " ").split()) if NO_CLOUD_TAG in text else text


def _strip_message(message: ChatMessage) -> ChatMessage:
    if isinstance(message.content, str):
        return replace(message, content=_strip_tag(message.content))
    parts = [replace(p, text=_strip_tag(p.text)) if isinstance(p, TextPart) else p for p in message.content]
    return replace(message, content=parts)


def strip_no_cloud(request: ChatRequest) -> tuple[ChatRequest, bool]:
    """The request without any ``#no_cloud`` tag, and whether one was there."""
    texts = [m.text() for m in request.messages] + [request.system or ""]
    if not any(NO_CLOUD_TAG in t for t in texts):
        return request, False
    system = _strip_tag(request.system) if request.system else request.system
    return replace(request, system=system, messages=tuple(_strip_message(m) for m in request.messages)), True


class Router:
    def __init__(self, config: RoutesFile, resolver: Resolver, price: PriceFn, cache: ResponseCache) -> None:
        self.config = config
        self.resolver = resolver
        self.price = price
        self.cache = cache

    def models(self) -> list[ListedModel]:
        """Route aliases first, then every model the providers serve (what ``/v1/models`` lists)."""
        listed = [ListedModel(name, "llm-router") for name in self.config.routes]
        for model_id in self.resolver.available_ids():
            try:
                owner = self.resolver.resolve(model_id).provider.name
            except AppError:
                continue
            listed.append(ListedModel(model_id, owner))
        return listed

    def plan(self, request: ChatRequest) -> Plan:
        clean, no_cloud = strip_no_cloud(request)
        spec = self.config.routes.get(request.model)
        if spec is None:
            chain: tuple[ResolvedModel, ...] = (self.resolver.resolve(request.model),)
            local = None
        else:
            chain = tuple(self.resolver.resolve(name) for name in spec.models)
            local = self.resolver.resolve(spec.local) if spec.local else None
        if no_cloud:
            # pinned to local models: the local-first model answers directly (nothing to escalate to)
            chain = tuple(m for m in ((local,) if local else ()) + chain if m.is_local)
            local = None
            if not chain:
                raise PolicyRefusal(
                    f"#no_cloud: {request.model!r} has no local model, so this request cannot be served; "
                    "ask for a local model (e.g. ollama/…) or a route with one"
                )
        threshold = self.config.threshold_for(spec) if spec else self.config.confidence_threshold
        route = request.model if spec else "direct"
        return Plan(route, clean, chain, local, threshold, spec, no_cloud)

    def _cache_key(self, plan: Plan, owner_id: str) -> str | None:
        rule = plan.spec.cache if plan.spec else None
        if rule is None:
            return None
        # An unset temperature means the provider's default, which samples: as random as > 0.
        if not rule.any_temperature and plan.request.temperature != 0:
            return None
        # Per owner: an answer made with one user's keys and prompt is never served to another user.
        return cache_key(f"{owner_id}|{plan.route}{'#no_cloud' if plan.no_cloud else ''}", plan.request)

    def run_of(self, plan: Plan) -> RouteRun:
        """A run of ``plan`` that never touches the response cache (the web chat: a regenerated answer
        must be a new one)."""
        run = RouteRun(route=plan.route, requested_model=plan.request.model, price=self.price)
        run.plan = plan
        return run

    def prepare(self, request: ChatRequest, owner_id: str) -> RouteRun:
        """The plan as a run, before any upstream call; raises 4xx for unknown models or a refusal."""
        plan = self.plan(request)
        run = self.run_of(plan)
        key = self._cache_key(plan, owner_id)
        if key is not None and plan.spec is not None and plan.spec.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                run.replay_cached(hit)
            else:
                run.cache_store = (self.cache, key, float(plan.spec.cache.ttl_seconds))
        return run

    async def start(self, run: RouteRun) -> None:
        """Run the plan until a model has produced its first event; raise the last failure if none did."""
        plan: Plan | None = run.plan
        if run.answered or plan is None:
            return
        if plan.local is not None and not plan.request.tools and await self._answered_locally(run, plan):
            return
        last: UpstreamError | None = None
        for position, model in enumerate(plan.chain, start=1):
            # The SDK's own retries (honouring a retry-after of up to a minute) are for the last model
            # only: before it, a 429 or 5xx moves on to the next model at once.
            retries = plan.request.max_retries if position == len(plan.chain) else 0
            request = replace(plan.request, model=model.model_id, max_retries=retries)
            try:
                await run.begin(model, model.adapter.stream(request))
                return
            except UpstreamError as exc:
                last = exc
                if not exc.retryable:
                    break
        assert last is not None  # a plan always has at least one model
        run.failed(last)
        raise last

    async def _answered_locally(self, run: RouteRun, plan: Plan) -> bool:
        """Ask the local model with the probe; keep its answer when confident (or when nothing is above)."""
        local = plan.local
        assert local is not None
        started = time.perf_counter()
        try:
            probe = probe_request(plan.request, local.model_id)
            if plan.chain:  # a cloud model is next: no retrying the local one first
                probe = replace(probe, max_retries=0)
            result = await collect(local.adapter.stream(probe))
        except UpstreamError as exc:
            run.add_attempt(local, exc.kind, started)
            return False
        verdict = judge(result)
        run.confidence = verdict.confidence
        cost = self.price(local, result.usage)
        cloud = next((m for m in plan.chain if not m.is_local), None)
        if verdict.confidence >= plan.threshold or not plan.chain:
            cloud_cost = self.price(cloud, result.usage) if cloud is not None else None
            saving = cloud_cost - (cost or 0.0) if cloud_cost is not None else None
            run.add_attempt(
                local, "ok", started, usage=result.usage, cost=cost, confidence=verdict.confidence
            )
            run.answer_locally(local, verdict.answer, result.usage, cost, saving)
            return True
        run.add_attempt(
            local, "low_confidence", started, usage=result.usage, cost=cost, confidence=verdict.confidence
        )
        run.extra_cost += cost or 0.0
        run.saving = -(cost or 0.0)  # the probe was spent for nothing (usually $0: local models are free)
        return False
