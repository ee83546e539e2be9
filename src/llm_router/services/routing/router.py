"""Routing: a requested model name becomes a plan, and the plan runs until some model answers.

Independent of HTTP: ``/v1`` and the web chat's generation jobs both use it. ``Router.prepare`` makes
the plan (explicit model, alias, fallback chain, local-first, ``#no_cloud``, cache); ``Router.start``
tries models until one produces its first event (fallback happens only before the first token, since
nothing can be taken back from the client after that); ``RouteRun.events`` streams the answer, and
``RouteRun.report`` is the frozen record of what happened and cost.
"""

from __future__ import annotations

import time
from dataclasses import replace

from llm_router.core.errors import AppError, PolicyRefusal
from llm_router.providers.base import ChatRequest, UpstreamError
from llm_router.providers.registry import ProviderRegistry, ResolvedModel
from llm_router.services.routing.cache import ResponseCache, cache_key
from llm_router.services.routing.config import RoutesFile
from llm_router.services.routing.local_first import judge, probe_request, run_probe
from llm_router.services.routing.plan import ListedModel, Plan, strip_no_cloud
from llm_router.services.routing.run import RouteRun


class Router:
    """The app's one router: the routes file and the response cache. Each call is given the caller's
    view of the providers (the instance's, with the user's own keys on top)."""

    def __init__(self, config: RoutesFile, cache: ResponseCache | None = None) -> None:
        self.config = config
        self.cache = cache or ResponseCache()

    def models(self, providers: ProviderRegistry) -> list[ListedModel]:
        """Route aliases first, then every model the providers serve (what ``/v1/models`` lists)."""
        listed = [ListedModel(name, "llm-router") for name in self.config.routes]
        for model_id in providers.available_ids():
            try:
                owner = providers.resolve(model_id).provider.name
            except AppError:
                continue
            listed.append(ListedModel(model_id, owner))
        return listed

    def plan(self, request: ChatRequest, providers: ProviderRegistry) -> Plan:
        clean, no_cloud = strip_no_cloud(request)
        spec = self.config.routes.get(request.model)
        if spec is None:
            chain: tuple[ResolvedModel, ...] = (providers.resolve(request.model),)
            local = None
        else:
            chain = tuple(providers.resolve(name) for name in spec.models)
            local = providers.resolve(spec.local) if spec.local else None
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
        raw = plan.request.raw
        if rule is None or (raw is not None and not raw.translatable):  # only its upstream can answer
            return None
        # An unset temperature means the provider's default, which samples: as random as > 0.
        if not rule.any_temperature and plan.request.temperature != 0:
            return None
        # Per owner: an answer made with one user's keys and prompt is never served to another user.
        return cache_key(f"{owner_id}|{plan.route}{'#no_cloud' if plan.no_cloud else ''}", plan.request)

    def run(self, plan: Plan) -> RouteRun:
        """A run of ``plan`` that never touches the response cache (the web chat: a regenerated answer
        must be a new one)."""
        return RouteRun(plan)

    def prepare(self, request: ChatRequest, owner_id: str, providers: ProviderRegistry) -> RouteRun:
        """The plan as a run, before any upstream call; raises 4xx for unknown models or a refusal."""
        plan = self.plan(request, providers)
        run = self.run(plan)
        key = self._cache_key(plan, owner_id)
        if key is not None and plan.spec is not None and plan.spec.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                run._replay_cached(hit)
            else:
                run._store_in(self.cache, key, float(plan.spec.cache.ttl_seconds))
        return run

    async def start(self, run: RouteRun) -> None:
        """Run the plan until a model has produced its first event; raise the last failure if none did."""
        plan = run.plan
        if run.answered:
            return
        raw = plan.request.raw
        probe = plan.local is not None and not plan.request.tools and (raw is None or raw.translatable)
        if probe and await self._answered_locally(run, plan):
            return
        last: UpstreamError | None = None
        for position, model in enumerate(plan.chain, start=1):
            # The SDK's own retries (honouring a retry-after of up to a minute) are for the last model
            # only: before it, a 429 or 5xx moves on to the next model at once.
            retries = plan.request.max_retries if position == len(plan.chain) else 0
            request = replace(plan.request, model=model.model_id, max_retries=retries)
            try:
                await run._begin(model, model.adapter.stream(request))
                return
            except UpstreamError as exc:
                last = exc
                if not exc.retryable:
                    break
        assert last is not None  # a plan always has at least one model
        run._failed(last)
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
            result = await run_probe(local.adapter, probe)
        except UpstreamError as exc:
            run._add_attempt(local, exc.kind, started)
            return False
        verdict = judge(result)
        cost = local.price(result.usage)
        cloud = next((m for m in plan.chain if not m.is_local), None)
        if verdict.confidence >= plan.threshold or not plan.chain:
            cloud_cost = cloud.price(result.usage) if cloud is not None else None
            saving = cloud_cost - (cost or 0.0) if cloud_cost is not None else None
            run._add_attempt(
                local, "ok", started, usage=result.usage, cost=cost, confidence=verdict.confidence
            )
            run._answer_locally(local, verdict.answer, result.usage, cost, saving, verdict.confidence)
            return True
        run._add_attempt(
            local, "low_confidence", started, usage=result.usage, cost=cost, confidence=verdict.confidence
        )
        run._probe_spent(cost, verdict.confidence)
        return False
