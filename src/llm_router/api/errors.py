"""Exception handlers: every error leaves as JSON ``{"error": {"code", "message"}}`` with a clear message."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from llm_router.api.v1.errors import (
    failure_response,
    is_v1,
    protocol_of,
    upstream_failure,
    v1_app_error,
    v1_error_response,
)
from llm_router.core.errors import AppError
from llm_router.providers.base import UpstreamError


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        if err.get("type") == "json_invalid":
            ctx = err.get("ctx") or {}
            return f"malformed JSON: {ctx.get('error', 'could not parse the body')}"
        parts.append(f"{loc or 'body'}: {err.get('msg')}")
    return "; ".join(parts) or "invalid request"


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if is_v1(request):  # OpenAI/Anthropic clients parse errors in their own protocol's shape
        return v1_app_error(request, exc)
    return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if is_v1(request):
        return v1_error_response(request, 422, "invalid_request", _describe_validation(exc))
    return JSONResponse(error_body("invalid_request", _describe_validation(exc)), status_code=422)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    if is_v1(request):
        return v1_error_response(request, exc.status_code, f"http_{exc.status_code}", message, exc.headers)
    return JSONResponse(
        error_body(f"http_{exc.status_code}", message),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _upstream_error(request: Request, exc: Exception) -> Response:
    """A provider's failure that reached a route (image generation, key checks…): its status and a
    message that says which provider and model failed and why, never a 500."""
    assert isinstance(exc, UpstreamError)
    failure = upstream_failure(exc)
    if is_v1(request):
        return failure_response(protocol_of(request), failure)
    body = error_body(failure.code or "upstream_error", failure.message)
    return JSONResponse(body, status_code=failure.status, headers=failure.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(UpstreamError, _upstream_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
