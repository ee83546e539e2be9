"""How a failure looks to a ``/v1`` client: status, each protocol's error type and body, headers.

Every ``/v1`` error is rendered here: route errors (``failure_response``), the app's exception
handlers (``v1_error_response``/``v1_app_error``), and errors that leave ``/v1`` before any route runs
(the body limit's 413/415/400, the CSRF 403), which ``V1ErrorShapeMiddleware`` rewrites into the OpenAI
or Anthropic shape, so SDK clients parse every error of these paths the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llm_router.core.errors import AppError, PolicyRefusal
from llm_router.providers.base import UpstreamError

WireProtocol = Literal["openai", "anthropic"]


@dataclass(frozen=True, slots=True)
class Failure:
    status: int
    openai_type: str
    anthropic_type: str
    code: str | None
    message: str
    headers: dict[str, str] = field(default_factory=dict)


# kind -> (status, openai type, anthropic type)
_UPSTREAM: dict[str, tuple[int, str, str]] = {
    "rate_limit": (429, "rate_limit_error", "rate_limit_error"),
    "overloaded": (503, "server_error", "overloaded_error"),
    "context_length": (400, "invalid_request_error", "invalid_request_error"),
    "bad_request": (400, "invalid_request_error", "invalid_request_error"),
    "not_found": (404, "invalid_request_error", "not_found_error"),
    "timeout": (504, "server_error", "api_error"),
    # the router's own provider key was refused: the client's token is fine, so not a 401
    "auth": (502, "server_error", "api_error"),
}

_APP: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "invalid_request_error"),
    401: ("authentication_error", "authentication_error"),
    403: ("permission_error", "permission_error"),
    404: ("invalid_request_error", "not_found_error"),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", "invalid_request_error"),
    429: ("rate_limit_error", "rate_limit_error"),
}


def upstream_failure(exc: UpstreamError) -> Failure:
    status, openai_type, anthropic_type = _UPSTREAM.get(exc.kind, (502, "server_error", "api_error"))
    headers: dict[str, str] = {}
    if exc.retry_after is not None:
        headers["retry-after"] = str(max(1, math.ceil(exc.retry_after)))
    message = f"upstream {exc.provider}/{exc.model} failed ({exc.kind}): {exc.message}"
    return Failure(status, openai_type, anthropic_type, exc.kind, message, headers)


def app_failure(exc: AppError) -> Failure:
    openai_type, anthropic_type = _APP.get(exc.status_code, ("server_error", "api_error"))
    headers = {"x-should-retry": "false"} if isinstance(exc, PolicyRefusal) else {}
    return Failure(exc.status_code, openai_type, anthropic_type, exc.code, exc.message, headers)


def plain_failure(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Failure:
    openai_type, anthropic_type = _APP.get(status, ("server_error", "api_error"))
    return Failure(status, openai_type, anthropic_type, code, message, dict(headers or {}))


def openai_error_body(failure: Failure) -> dict[str, object]:
    return {
        "error": {
            "message": failure.message,
            "type": failure.openai_type,
            "param": None,
            "code": failure.code,
        }
    }


def anthropic_error_body(failure: Failure) -> dict[str, object]:
    return {"type": "error", "error": {"type": failure.anthropic_type, "message": failure.message}}


def is_v1(request: Request) -> bool:
    return request.url.path.startswith("/v1/")


def protocol_for(path: str, headers: Headers) -> WireProtocol:
    """Anthropic's shape for its paths (and ``/v1/models`` asked with ``anthropic-version``)."""
    if path.startswith("/v1/messages") or (path.startswith("/v1/") and "anthropic-version" in headers):
        return "anthropic"
    return "openai"


def protocol_of(request: Request) -> WireProtocol:
    return protocol_for(request.url.path, request.headers)


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


def reshape(scope: Scope, status: int, body: bytes) -> bytes | None:
    """The body in the protocol's shape, or None when it is not a generic app error."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict) or "type" in error or "type" in data:
        return None
    failure = plain_failure(
        status, str(error.get("code", "error")), str(error.get("message", "request failed"))
    )
    anthropic = protocol_for(scope["path"], Headers(scope=scope)) == "anthropic"
    shaped = anthropic_error_body(failure) if anthropic else openai_error_body(failure)
    return orjson.dumps(shaped)


class V1ErrorShapeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        held: Message | None = None

        async def shaped_send(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start" and message["status"] >= 400:
                held = message  # wait for the body to decide
                return
            if held is not None and message["type"] == "http.response.body":
                start, held = held, None
                body = message.get("body", b"")
                new = None if message.get("more_body") else reshape(scope, start["status"], body)
                if new is not None:
                    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                    start = {**start, "headers": [*headers, (b"content-length", str(len(new)).encode())]}
                    message = {**message, "body": new}
                await send(start)
            await send(message)

        await self.app(scope, receive, shaped_send)
