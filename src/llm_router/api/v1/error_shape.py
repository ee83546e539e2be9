"""Errors that leave ``/v1`` before any route runs (the body limit's 413/415/400, the CSRF 403) are
rewritten into the OpenAI or Anthropic shape, so SDK clients parse every error of these paths the same.

Pure ASGI and cheap: a response below 400 passes straight through; only a JSON error body in the app's
generic ``{"error": {"code", "message"}}`` shape is rewritten (protocol-shaped ones carry ``type``).
"""

from __future__ import annotations

import orjson
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llm_router.api.v1.errors import anthropic_error_body, openai_error_body, plain_failure


def _is_anthropic(scope: Scope) -> bool:
    path: str = scope["path"]
    if path.startswith("/v1/messages"):
        return True
    return path.startswith("/v1/models") and "anthropic-version" in Headers(scope=scope)


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
    shaped = anthropic_error_body(failure) if _is_anthropic(scope) else openai_error_body(failure)
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
