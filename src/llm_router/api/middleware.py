"""Pure ASGI middleware (no BaseHTTPMiddleware: it buffers and slows streaming responses)."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llm_router.services.usage.metrics import Metrics

log = logging.getLogger("llm_router.request")


class RequestLogMiddleware:
    """One INFO line per request: method, path (never the query string), status, duration; and the
    request counted in the metrics by its route *template* (``/api/messages/{message_id}``), so the
    number of label values stays bounded whatever paths clients send."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            seconds = time.perf_counter() - started
            log.info("%s %s %d %.1fms", scope["method"], scope["path"], status, seconds * 1000)
            if self.metrics is not None:
                self.metrics.observe_request(scope["method"], route_template(scope), status, seconds)


def route_template(scope: Scope) -> str:
    """The path pattern of the route that answered; ``other`` for paths no route matched."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "other"
