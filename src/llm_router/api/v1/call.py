"""What every ``/v1`` route shares: reading the body, and one routed call from plan to usage row.

A ``RoutedCall`` (a dependency: the caller, their view of the providers, the app's router and usage
writer) plans the request with the router, starts it (fallback before the first token), answers JSON or
SSE in the caller's protocol, and writes one usage row from the run's frozen report, however it ends.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any, Protocol, TypeVar

import orjson
from fastapi import Depends, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ValidationError

from llm_router.api.deps import Services, get_api_user, valid_device_id
from llm_router.api.services import AppServices
from llm_router.api.v1.errors import Failure, WireProtocol, failure_response, upstream_failure
from llm_router.core.errors import AppError
from llm_router.providers.base import (
    ChatRequest,
    ChatResult,
    RawRequest,
    StreamEvent,
    UpstreamError,
    WireBytes,
    collect,
)
from llm_router.providers.registry import ProviderRegistry, ResolvedModel
from llm_router.services.accounts.budgets import Budgets
from llm_router.services.accounts.tokens import ApiPrincipal
from llm_router.services.routing import ListedModel, Router, RouteRun
from llm_router.services.usage.log import UsageWriter
from llm_router.services.usage.records import UsageEvent

ModelT = TypeVar("ModelT", bound=BaseModel)

# request headers passed on to an upstream of the client's protocol (the rest are the router's business)
PROTOCOL_HEADERS: dict[str, tuple[str, ...]] = {"anthropic": ("anthropic-",), "openai": ("openai-beta",)}
_MODEL_FIELD = re.compile(rb'"model"\s*:\s*"(?:[^"\\]|\\.)*"')


def renamed(data: bytes, model: str) -> bytes:
    """Upstream bytes with the first ``"model"`` field naming ``model`` (the only change pass-through
    makes to an answer). A ``"model"`` inside a JSON string is escaped, so only a real field matches."""
    if b'"model"' not in data:
        return data
    field = b'"model":' + orjson.dumps(model)
    return _MODEL_FIELD.sub(lambda _: field, data, count=1)


async def read_json(request: Request, limit: int) -> Any:
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
    return data


def validated(data: Any, model: type[ModelT]) -> ModelT:
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
    sent: dict[str, Any] | None = None  # the client's JSON body, once read

    async def body(self, model: type[ModelT]) -> ModelT:
        data = await read_json(self.request, self.max_body_bytes)
        parsed = validated(data, model)
        self.sent = data if isinstance(data, dict) else None
        return parsed

    def raw(
        self,
        protocol: WireProtocol,
        fix: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        path: str | None = None,
        *,
        translatable: bool = True,
    ) -> RawRequest | None:
        """The client's request as read by ``body``, to pass on as sent to an upstream of ``protocol``;
        ``fix`` makes what the client may send but the upstream refuses acceptable to it."""
        if self.sent is None:
            return None
        prefixes = PROTOCOL_HEADERS[protocol]
        headers = tuple((k, v) for k, v in self.request.headers.items() if k.startswith(prefixes))
        body = fix(self.sent) if fix else self.sent
        return RawRequest(protocol, body, headers, path, translatable)

    def models(self) -> list[ListedModel]:
        return self.router.models(self.providers)

    def first_model(self, chat: ChatRequest) -> tuple[ResolvedModel, ChatRequest]:
        """The model a request would ask first (aliases, local-first, ``#no_cloud`` applied), and the
        request as it would go upstream."""
        plan = self.router.plan(chat, self.providers)
        model = plan.local or plan.chain[0]
        return model, replace(plan.request, model=model.model_id)

    def record_count(self, model: ResolvedModel, requested: str, tokens: int, *, estimated: bool) -> None:
        """A token count as a usage row: free (no tokens spent, $0), but visible in the log, since a
        client such as Claude Code may send many (its ``/context`` sends one per part)."""
        event = UsageEvent(
            owner_id=self.principal.user_id,
            source="anthropic",
            provider=model.provider.name,
            model=model.id,
            requested_model=requested,
            route="count_tokens",
            api_token_id=self.principal.token_id,
            cost=0.0,
            usage_estimated=estimated,
            attempts=[{"model": model.id, "provider": model.provider.name, "counted_tokens": tokens}],
        )
        self.writer.submit(lambda: event)

    async def forward_once(self, model: ResolvedModel, request: ChatRequest) -> bytes:
        """The upstream's own answer to a pass-through request that is not a routed call (a token
        count); raises ``UpstreamError``."""
        answer = b""
        async for event in model.adapter.stream(request):
            if isinstance(event, WireBytes):
                answer += event.data
        return answer

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
            wire: list[bytes] = []
            try:
                result = await collect(_tee_wire(run.events(), wire))
            except UpstreamError as exc:
                return failure_response(protocol, upstream_failure(exc))
            finally:
                self._record(run, protocol)
            if wire:  # passed through: the upstream's own body
                headers["x-llm-router-passthrough"] = "1"
                return Response(renamed(wire[0], run.model), 200, headers, media_type="application/json")
            return json_response(render(result, run.model), headers)
        headers["cache-control"] = "no-cache"
        if run.passes_through:
            headers["x-llm-router-passthrough"] = "1"
        body = self._stream(run, encoder(run.model), protocol)
        return StreamingResponse(body, media_type="text/event-stream", headers=headers)

    async def _stream(
        self, run: RouteRun, encoder: StreamEncoder, protocol: WireProtocol
    ) -> AsyncIterator[bytes]:
        events = run.events()
        forwarding = run.passes_through
        try:
            if not forwarding and (head := encoder.start()):
                yield head
            async for event in events:
                if isinstance(event, WireBytes):
                    yield renamed(event.data, run.model)
                elif not forwarding and (chunk := encoder.encode(event)):
                    yield chunk
            if not forwarding:
                yield encoder.end()
        except UpstreamError as exc:
            yield encoder.error(upstream_failure(exc))
        finally:
            await events.aclose()  # a client that went away: the run ends "cancelled", upstream closed
            self._record(run, protocol)


async def _tee_wire(events: AsyncIterator[StreamEvent], wire: list[bytes]) -> AsyncIterator[StreamEvent]:
    """``events`` with any pass-through bytes set aside in ``wire``."""
    async for event in events:
        if isinstance(event, WireBytes):
            wire.append(event.data)
        else:
            yield event


async def routed_call(request: Request, services: AppServices) -> RoutedCall:
    """The call, built by plain awaits: the dependency below and the hot-path dispatcher (``hot.py``)
    both build it here, so both check the token, the rate limit and the caller's providers alike."""
    principal = await get_api_user(request, services)
    return RoutedCall(
        request,
        principal,
        await services.user_providers.for_user(principal.user_id),
        services.router,
        services.usage_writer,
        services.settings.max_body_bytes,
        services.budgets,
    )


async def get_routed_call(request: Request, services: Services) -> RoutedCall:
    return await routed_call(request, services)


V1Call = Annotated[RoutedCall, Depends(get_routed_call)]
