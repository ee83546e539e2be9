"""The three hot ``/v1`` POSTs (chat completions, messages, responses), dispatched before Starlette's
router and FastAPI's request handler.

Why: profiled under load (py-spy, wrk at c=32, pass-through calls), matching the path against every
router the app includes was 11 % of the main thread and FastAPI's request handler with its dependency
solving another ≈ 12 %: a quarter of a routed call spent finding and calling a function whose
parameters need no parsing (each endpoint reads and validates its own body). ``HotPaths`` sits inside
the app's own middleware (body limits, CSRF, security headers, error shapes, the request log and
metrics all still run) and calls those endpoints with a ``RoutedCall`` built by plain awaits of the
same functions the dependencies use (the API token check and rate limit, the caller's providers).

The FastAPI routes stay registered and unchanged: they document the endpoints in OpenAPI and answer
whatever the dispatcher leaves to them (another method, a path under a root path). An exception is
rendered by the app's own handler for it, as Starlette's ``ExceptionMiddleware`` would; one without a
handler propagates to the server-error middleware as before.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from llm_router.api.services import AppServices, services_of
from llm_router.api.v1 import anthropic, openai, responses
from llm_router.api.v1.call import RoutedCall, routed_call

Endpoint = Callable[[RoutedCall, AppServices], Awaitable[Response]]
Handler = Callable[[Request, Exception], Any]

ENDPOINTS: dict[str, Endpoint] = {
    "/v1/chat/completions": lambda call, _services: openai.chat_completions(call),
    "/v1/messages": lambda call, _services: anthropic.create_message(call),
    "/v1/responses": lambda call, services: responses.create_response(call, services.db),
}


class HotPaths:
    """Pure ASGI: ``POST`` to one of ``ENDPOINTS`` is answered here, everything else goes on."""

    def __init__(self, app: ASGIApp, fastapi: FastAPI) -> None:
        self.app = app
        # built when the middleware stack is, after every router was included
        self.routes: dict[str, APIRoute] = {}
        for context in iter_route_contexts(fastapi.routes):  # included routers, flattened
            route = context.original_route
            if context.path in ENDPOINTS and isinstance(route, APIRoute) and "POST" in (route.methods or ()):
                self.routes.setdefault(context.path, route)
        missing = set(ENDPOINTS) - set(self.routes)
        if missing:  # the dispatcher must never serve a path the documented app does not
            raise RuntimeError(f"no FastAPI route for {sorted(missing)}")
        self.handlers: Mapping[Any, Handler] = fastapi.exception_handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in ENDPOINTS:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        scope["route"] = self.routes[path]  # the request log and metrics name the route by its template
        scope["path_params"] = {}
        request = Request(scope, receive, send)
        try:
            services = services_of(request)
            response = await ENDPOINTS[path](await routed_call(request, services), services)
        except Exception as exc:
            handler = self._handler_for(exc)
            if handler is None:
                raise
            answer = handler(request, exc)
            response = await answer if inspect.isawaitable(answer) else answer
        await response(scope, receive, send)

    def _handler_for(self, exc: Exception) -> Handler | None:
        """The handler ``ExceptionMiddleware`` would pick: the nearest class with one; ``Exception``'s
        own handler (if any) belongs to the server-error middleware, outside."""
        for cls in type(exc).__mro__:
            if cls is Exception:
                return None
            if cls in self.handlers:
                return self.handlers[cls]
        return None
