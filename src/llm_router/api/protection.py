"""Pure ASGI middleware guarding every request: body and JSON limits, CSRF, security headers.

Pure ASGI (no BaseHTTPMiddleware) so streamed responses (SSE) pass through untouched.
"""

from __future__ import annotations

import re
from itertools import accumulate
from urllib.parse import urlsplit

import orjson
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llm_router.api.errors import error_body
from llm_router.api.v1.errors import is_v1, v1_error_response

MAX_JSON_DEPTH = 64
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    # read-aloud plays the speech it fetched from a blob: URL (made by the app's own script)
    "media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# The interactive docs (api/routes/docs.py) load bundled Swagger UI / ReDoc with an inline start script;
# ReDoc styles inline and runs a worker from a blob. Nothing comes from another origin.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
DOCS_PATHS = ("/docs", "/redoc")
BODY_CHECKED_PREFIXES = ("/api/", "/v1/")
MULTIPART = "multipart/form-data"

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
# An escaped NUL: \u0000 preceded by an even number of backslashes (so not "\\u0000" text).
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_BRACKETS = bytes([1 if c in b"[{" else 2 if c in b"]}" else 0 for c in range(256)])
_STEP = (0, 1, -1)


async def send_error(
    scope: Scope, send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> None:
    """An error answer sent straight from middleware, in the shape the path's clients parse
    (OpenAI/Anthropic error objects under ``/v1``, ``{"error": {"code", "message"}}`` elsewhere)."""
    request = Request(scope)
    if is_v1(request):
        response = v1_error_response(request, status, code, message, headers)
    else:
        response = JSONResponse(error_body(code, message), status_code=status, headers=headers)
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def is_json_type(content_type: str) -> bool:
    """The media types FastAPI parses as JSON (``application/json`` and any ``application/*+json``, such as
    ``application/json-patch+json``): every one of them must pass the same checks, or a NUL slips through."""
    maintype, _, subtype = content_type.partition("/")
    return maintype == "application" and (subtype == "json" or subtype.endswith("+json"))


def json_depth(body: bytes) -> int:
    """Deepest nesting of arrays/objects, ignoring brackets inside strings (scans at C speed)."""
    skeleton = _JSON_STRING.sub(b'""', body).translate(_BRACKETS).replace(b"\x00", b"")
    if skeleton.count(1) <= MAX_JSON_DEPTH:
        return skeleton.count(1)  # an upper bound that is already within the limit
    return max(accumulate(map(_STEP.__getitem__, skeleton), initial=0))


def json_problem(body: bytes) -> tuple[int, str, str] | None:
    """Why a JSON body must be refused before the app sees it, or None."""
    if b"\\u" in body and _ESCAPED_NUL.search(body):
        return 422, "invalid_text", "text must not contain NUL (\\u0000) characters"
    if json_depth(body) > MAX_JSON_DEPTH:
        return 413, "json_too_deep", f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    try:
        orjson.loads(body)  # strict UTF-8: lone surrogates and invalid bytes are refused here
    except orjson.JSONDecodeError as exc:
        return 400, "invalid_json", f"malformed JSON: {str(exc).splitlines()[0][:200]}"
    return None


class BodyLimitMiddleware:
    """413 for bodies over the cap (before reading when Content-Length says so, else while counting);
    JSON bodies under /api and /v1 are checked for depth, NUL and encoding; other content types refused."""

    def __init__(
        self, app: ASGIApp, max_body_bytes: int, upload_limits: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.upload_limits = upload_limits or {}  # path -> its own cap (e.g. imports of big exports)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if problem := _url_problem(scope):
            await send_error(scope, send, 400, "invalid_url", problem)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        limit = self.upload_limits.get(scope["path"], self.max_body_bytes)
        if length is not None and (not length.isdigit() or int(length) > limit):
            await send_error(scope, send, 413, "body_too_large", self._too_large(limit))
            return
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        checked = scope["method"] in UNSAFE_METHODS and scope["path"].startswith(BODY_CHECKED_PREFIXES)
        has_body = (length is not None and length != "0") or "transfer-encoding" in headers
        is_json = is_json_type(content_type)
        if checked and has_body and not (is_json or content_type == MULTIPART):
            await send_error(
                scope,
                send,
                415,
                "unsupported_media_type",
                "send the body as JSON (Content-Type: application/json)",
            )
            return
        if checked and is_json:
            await self._buffered_json(scope, receive, send)
            return
        await self._counted(scope, receive, send, limit)

    def _too_large(self, limit: int | None = None) -> str:
        return f"request body too large: the limit is {limit or self.max_body_bytes} bytes"

    async def _buffered_json(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await send_error(scope, send, 413, "body_too_large", self._too_large())
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and (problem := json_problem(body)):
            await send_error(scope, send, *problem)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        size = 0
        started = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal size, refused
            message = await receive()
            size += len(message.get("body", b""))
            if size > limit:
                # Answer here: the app may turn any error while reading the body into its own 400.
                if not started and not refused:
                    refused = True
                    await send_error(scope, send, 413, "body_too_large", self._too_large(limit))
                raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 has been sent; whatever the app answers after it is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started and not refused:
                await send_error(scope, send, 413, "body_too_large", self._too_large(limit))


class _BodyTooLarge(Exception):
    pass


def _url_problem(scope: Scope) -> str | None:
    if b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]:
        return "the URL must not contain NUL characters"
    try:
        scope["path"].encode("utf-8")
    except UnicodeEncodeError:
        return "the URL path is not valid UTF-8"
    return None


def _same_origin(headers: Headers) -> bool:
    """Browsers send ``Sec-Fetch-Site`` and/or ``Origin``; a request with neither is no browser's."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False  # "null" and other opaque origins
    default_port = 443 if parts.scheme == "https" else 80
    origin_host = f"{parts.hostname}:{parts.port or default_port}"
    host = headers.get("x-forwarded-host") or headers.get("host", "")
    host_parts = urlsplit(f"//{host.split(',')[0].strip()}")
    return origin_host == f"{host_parts.hostname}:{host_parts.port or default_port}"


class CsrfMiddleware:
    """Refuses cross-site state-changing requests (403). Token-authenticated ``/v1`` calls are exempt:
    a browser cannot attach ``Authorization`` or ``x-api-key`` to a cross-site request without CORS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            headers = Headers(scope=scope)
            token_auth = "authorization" in headers or "x-api-key" in headers
            exempt = token_auth and scope["path"].startswith("/v1")
            if not exempt and not _same_origin(headers):
                await send_error(
                    scope,
                    send,
                    403,
                    "cross_site_request",
                    "cross-site request refused: use the app's own pages",
                )
                return
        await self.app(scope, receive, send)


def _security_headers(csp: str) -> tuple[tuple[bytes, bytes], ...]:
    return (
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    )


class SecurityHeadersMiddleware:
    # built once: the headers are the same for every response of a kind (they were rebuilt per request)
    PAGES = _security_headers(CONTENT_SECURITY_POLICY)
    DOCS = _security_headers(DOCS_CSP)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.DOCS if scope["path"].startswith(DOCS_PATHS) else self.PAGES

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                present = {name.lower() for name, _ in headers}
                message["headers"] = [*headers, *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, add_headers)
