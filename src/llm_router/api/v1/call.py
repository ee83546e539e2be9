"""What every ``/v1`` route shares: reading the body, and one routed call from plan to usage row.

A ``RoutedCall`` (a dependency: the caller, their view of the providers, the app's router and usage
writer) plans the request with the router, starts it (fallback before the first token), answers JSON or
SSE in the caller's protocol, and writes one usage row from the run's frozen report, however it ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypeVar

import orjson
from fastapi import Depends, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ValidationError

from llm_router.api.deps import ApiUser, CallerProviders, Services, valid_device_id
from llm_router.api.v1.errors import Failure, WireProtocol, failure_response, upstream_failure
from llm_router.core.errors import AppError
from llm_router.providers.base import ChatRequest, ChatResult, StreamEvent, UpstreamError, collect
from llm_router.providers.registry import ProviderRegistry
from llm_router.services.accounts.budgets import Budgets
from llm_router.services.accounts.tokens import ApiPrincipal
from llm_router.services.routing import ListedModel, Router, RouteRun
from llm_router.services.usage.log import UsageWriter
from llm_router.services.usage.records import UsageEvent

ModelT = TypeVar("ModelT", bound=BaseModel)


async def read_body(request: Request, model: type[ModelT], limit: int) -> ModelT:
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


@dataclass(slots=True)
class RoutedCall:
    """One ``/v1`` request through the router, recorded as a usage event however it ends."""

    request: Request
    principal: ApiPrincipal
    providers: ProviderRegistry  # the caller's view: the instance's with their own keys on top
    router: Router
    writer: UsageWriter
    max_body_bytes: int
    budgets: Budgets

    async def body(self, model: type[ModelT]) -> ModelT:
        return await read_body(self.request, model, self.max_body_bytes)

    def models(self) -> list[ListedModel]:
        return self.router.models(self.providers)

    def _record(self, run: RouteRun, protocol: WireProtocol) -> None:
        # The report (pricing, filling the cache) is made just after the response, and the usage row
        # waits for the writer's next batch: no client waits for either.
        principal = self.principal
        device_id = valid_device_id(self.request.headers.get("x-device-id"))

        def write() -> None:
            report = run.report  # prices the answer and fills the cache (a repeat may follow at once)
            self.writer.submit(
                lambda: report.usage_event(
                    owner_id=principal.user_id,
                    source=protocol,
                    api_token_id=principal.token_id,
                    device_id=device_id,
                )
            )

        asyncio.get_running_loop().call_soon(write)

    def _refused(self, chat: ChatRequest, exc: AppError, protocol: WireProtocol) -> None:
        event = UsageEvent(
            owner_id=self.principal.user_id,
            source=protocol,
            requested_model=chat.model,
            api_token_id=self.principal.token_id,
            status="error",
            error_kind=exc.code,
        )
        self.writer.submit(lambda: event)

    async def respond(
        self,
        protocol: WireProtocol,
        chat: ChatRequest,
        *,
        stream: bool,
        render: Callable[[ChatResult, str], dict[str, Any]],
        encoder: Callable[[str], StreamEncoder],
    ) -> Response:
        try:
            run = self.router.prepare(chat, self.principal.user_id, self.providers)
            await self.budgets.check(self.principal.user_id, self.principal.token_id, run.plan)
        except AppError as exc:
            self._refused(chat, exc, protocol)
            raise
        try:
            await self.router.start(run)
        except UpstreamError as exc:
            self._record(run, protocol)
            return failure_response(protocol, upstream_failure(exc))
        headers = {"x-llm-router-route": run.route_header, "x-llm-router-model": run.model}
        if run.cache_hit:
            headers["x-llm-router-cache"] = "hit"
        if not stream:
            try:
                result = await collect(run.events())
            except UpstreamError as exc:
                return failure_response(protocol, upstream_failure(exc))
            finally:
                self._record(run, protocol)
            return json_response(render(result, run.model), headers)
        headers["cache-control"] = "no-cache"
        body = self._stream(run, encoder(run.model), protocol)
        return StreamingResponse(body, media_type="text/event-stream", headers=headers)

    async def _stream(
        self, run: RouteRun, encoder: StreamEncoder, protocol: WireProtocol
    ) -> AsyncIterator[bytes]:
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
            self._record(run, protocol)


async def get_routed_call(
    request: Request, principal: ApiUser, providers: CallerProviders, services: Services
) -> RoutedCall:
    return RoutedCall(
        request,
        principal,
        providers,
        services.router,
        services.usage_writer,
        services.settings.max_body_bytes,
        services.budgets,
    )


V1Call = Annotated[RoutedCall, Depends(get_routed_call)]
