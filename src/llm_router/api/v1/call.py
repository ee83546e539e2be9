"""What the OpenAI and Anthropic routes share: errors in each protocol's shape, body parsing, the
router and usage writer on ``app.state``, and running a routed request to a JSON or SSE response."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal, Protocol, TypeVar

import orjson
from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ValidationError

from llm_router.api.deps import caller_providers, get_device_id
from llm_router.api.v1.errors import (
    Failure,
    anthropic_error_body,
    app_failure,
    openai_error_body,
    plain_failure,
    upstream_failure,
)
from llm_router.core.errors import AppError
from llm_router.providers.base import ChatRequest, ChatResult, StreamEvent, UpstreamError, Usage, collect
from llm_router.providers.pricing import cost_of
from llm_router.providers.registry import ProviderRegistry
from llm_router.services.accounts.tokens import ApiPrincipal
from llm_router.services.chat.choice import ResolvedModel
from llm_router.services.routing.cache import ResponseCache
from llm_router.services.routing.config import load_routes
from llm_router.services.routing.router import ListedModel, Router
from llm_router.services.routing.run import RouteRun
from llm_router.services.usage.log import UsageWriter
from llm_router.services.usage.records import UsageEvent

WireProtocol = Literal["openai", "anthropic"]
ModelT = TypeVar("ModelT", bound=BaseModel)


def _price(model: ResolvedModel, usage: Usage) -> float | None:
    return cost_of(model.provider.name, model.model_id, usage, is_local=model.is_local)


class _AppRegistry:
    """The app's provider registry, looked up on each call (the vault can replace providers)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def _registry(self) -> ProviderRegistry:
        registry: ProviderRegistry = caller_providers.get() or self.app.state.providers  # the caller's view
        return registry

    def resolve(self, name: str) -> ResolvedModel:
        return self._registry().resolve(name)

    def available_ids(self) -> list[str]:
        return self._registry().available_ids()


def router_from(app: Any) -> Router:
    """The app's router, built on first use from the provider registry and ``LLM_ROUTER_ROUTES``."""
    router: Router | None = getattr(app.state, "model_router", None)
    if router is None:
        config = getattr(app.state, "routes_config", None) or load_routes(app.state.settings.routes)
        router = app.state.model_router = Router(config, _AppRegistry(app), _price, ResponseCache())
    return router


def model_listing(app: Any) -> list[ListedModel]:
    return router_from(app).models()


def is_v1(request: Request) -> bool:
    return request.url.path.startswith("/v1/")


def protocol_of(request: Request) -> WireProtocol:
    path = request.url.path
    if path.startswith("/v1/messages") or (
        path.startswith("/v1/models") and "anthropic-version" in request.headers
    ):
        return "anthropic"
    return "openai"


def failure_response(protocol: WireProtocol, failure: Failure) -> Response:
    body = anthropic_error_body(failure) if protocol == "anthropic" else openai_error_body(failure)
    return Response(orjson.dumps(body), failure.status, failure.headers, media_type="application/json")


def v1_error_response(
    request: Request, status: int, code: str, message: str, headers: Any = None
) -> Response:
    """Used by the app's exception handlers for every ``/v1`` path (401, 404, 413, 422, …)."""
    return failure_response(protocol_of(request), plain_failure(status, code, message, dict(headers or {})))


def v1_app_error(request: Request, exc: AppError) -> Response:
    failure = app_failure(exc)
    if exc.headers:
        failure.headers.update(exc.headers)
    return failure_response(protocol_of(request), failure)


async def read_body(request: Request, model: type[ModelT]) -> ModelT:
    limit = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise AppError(f"request body is larger than {limit} bytes", status_code=413, code="too_large")
    raw = await request.body()
    if len(raw) > limit:
        raise AppError(f"request body is larger than {limit} bytes", status_code=413, code="too_large")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise AppError(f"malformed JSON body: {exc}", status_code=400, code="invalid_json") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "body"
        raise AppError(f"{loc}: {first['msg']}", status_code=422, code="invalid_request") from None


def json_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), 200, headers, media_type="application/json")


class StreamEncoder(Protocol):
    def start(self) -> bytes: ...
    def encode(self, event: StreamEvent) -> bytes: ...
    def end(self) -> bytes: ...
    def error(self, failure: Failure) -> bytes: ...


class RoutedCall:
    """One ``/v1`` request through the router, recorded as a usage event however it ends."""

    def __init__(self, request: Request, principal: ApiPrincipal, protocol: WireProtocol) -> None:
        self.request = request
        self.principal = principal
        self.protocol = protocol
        self.router: Router = router_from(request.app)
        self.writer: UsageWriter = request.app.state.usage_writer

    def _record(self, run: RouteRun) -> None:
        # Price and cache the answer just after the response (a repeat request may follow at once);
        # the usage row waits for the writer's next batch.
        asyncio.get_running_loop().call_soon(run.settle)
        principal, source = self.principal, self.protocol
        device_id = get_device_id(self.request.headers.get("x-device-id"))
        self.writer.submit(
            lambda: run.usage_event(
                owner_id=principal.user_id,
                source=source,
                api_token_id=principal.token_id,
                device_id=device_id,
            )
        )

    def _refused(self, chat: ChatRequest, exc: AppError) -> None:
        event = UsageEvent(
            owner_id=self.principal.user_id,
            source=self.protocol,
            requested_model=chat.model,
            api_token_id=self.principal.token_id,
            status="error",
            error_kind=exc.code,
        )
        self.writer.submit(lambda: event)

    async def respond(
        self,
        chat: ChatRequest,
        *,
        stream: bool,
        render: Callable[[ChatResult, str], dict[str, Any]],
        encoder: Callable[[str], StreamEncoder],
    ) -> Response:
        try:
            run = self.router.prepare(chat, self.principal.user_id)
        except AppError as exc:
            self._refused(chat, exc)
            raise
        try:
            await self.router.start(run)
        except UpstreamError as exc:
            self._record(run)
            return failure_response(self.protocol, upstream_failure(exc))
        headers = {"x-llm-router-route": run.route_header, "x-llm-router-model": run.model}
        if run.cache_hit:
            headers["x-llm-router-cache"] = "hit"
        if not stream:
            try:
                result = await collect(run.events())
            except UpstreamError as exc:
                return failure_response(self.protocol, upstream_failure(exc))
            finally:
                self._record(run)
            return json_response(render(result, run.model), headers)
        headers["cache-control"] = "no-cache"
        body = self._stream(run, encoder(run.model))
        return StreamingResponse(body, media_type="text/event-stream", headers=headers)

    async def _stream(self, run: RouteRun, encoder: StreamEncoder) -> AsyncIterator[bytes]:
        events = run.events()
        try:
            if head := encoder.start():
                yield head
            async for event in events:
                chunk = encoder.encode(event)
                if chunk:
                    yield chunk
            yield encoder.end()
        except UpstreamError as exc:
            yield encoder.error(upstream_failure(exc))
        finally:
            await events.aclose()  # a client that went away: the run ends "cancelled", upstream closed
            self._record(run)
