"""Pass-through: a client's own request forwarded to an upstream of the same protocol, the answer's bytes
handed back as they came.

Why not through the SDK: the SDK is there to build and parse requests, and here nothing is built and
nothing is re-encoded. Posting through the adapter's hot-path pool (``upstream``: the pool the translated
path uses too, with the same SSRF guard for user-entered endpoints) keeps the client's body, its
``cache_control`` markers, betas and thinking signatures intact, and skips the SDK's per-call cost.
Failures are still mapped by the adapter's one error mapping (status errors are made by the SDK's own
``_make_status_error_from_response``, so they map exactly as on the translated path).

Each upstream SSE event is yielded as ``WireBytes`` (its raw bytes), followed by the neutral events the
protocol's stream reader makes of it: those feed the run (first token, fallback, usage, cost) and are not
sent to the client.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any, Protocol

import httpx2
import orjson

from llm_router.providers import errors
from llm_router.providers.base import ChatRequest, RawRequest, StreamEvent, UpstreamError, WireBytes
from llm_router.providers.upstream import Upstream, UpstreamResponse


class Reader(Protocol):
    def read(self, name: bytes, data: bytes, response: UpstreamResponse) -> list[StreamEvent]: ...
    def end(self) -> list[StreamEvent] | None: ...


class Forwarder(Protocol):
    """What ``forward`` needs of an adapter (``_http.SdkStreamModel`` is one)."""

    provider: str
    max_retries: int
    upstream: Upstream

    @property
    def path(self) -> str: ...
    @property
    def log(self) -> logging.Logger: ...

    def raw_body(self, raw: RawRequest, model: str) -> tuple[dict[str, Any], bool]: ...
    def raw_reader(self) -> Reader: ...
    def read_whole(self, body: Any) -> list[StreamEvent]: ...
    def raw_headers(self) -> dict[str, str]: ...
    def raw_url(self, path: str) -> str: ...
    def status_error(self, response: httpx2.Response) -> Exception: ...
    def _fail(self, exc: Exception, model: str, *, mid_stream: bool) -> UpstreamError: ...
    def closing(
        self,
        events: list[StreamEvent] | None,
        request: ChatRequest,
        *,
        received: bool,
        started: float,
        via: str = "",
    ) -> list[StreamEvent]: ...


RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
MAX_RETRY_AFTER = 60.0  # seconds; like the SDKs, a longer wait is not waited for


async def forward(model: Forwarder, request: ChatRequest, raw: RawRequest) -> AsyncIterator[StreamEvent]:
    """The upstream's answer to the client's own body (``model`` changed): wire bytes and our events."""
    body, hide_usage = model.raw_body(raw, request.model)
    started = time.monotonic()
    response = await send(model, request, raw.path or model.path, orjson.dumps(body), raw.headers)
    closing: list[StreamEvent] | None
    received = False
    try:
        if body.get("stream") is not True:
            data = await response.read()
            events = model.read_whole(orjson.loads(data))
            yield WireBytes(data)
            for event in events:
                yield event
            closing = []
        else:
            reader = model.raw_reader()
            async for block, name, data in sse_blocks(response):
                parsed = reader.read(name, data, response) if data else []
                if hide_usage:  # as the client would have seen it without asking for usage
                    if _usage_only(data):
                        block = b""
                    block = block.replace(b',"usage":null', b"")
                if block:
                    yield WireBytes(block, name)
                for event in parsed:
                    received = True
                    yield event
            closing = reader.end()
    except Exception as exc:
        raise model._fail(exc, request.model, mid_stream=True) from None
    finally:
        response.close()  # a client gone mid-stream (cancelled here) drops the upstream connection
    for event in model.closing(closing, request, received=received, started=started, via=" (pass-through)"):
        yield event


async def send(
    model: Forwarder,
    request: ChatRequest,
    path: str,
    payload: bytes,
    extra_headers: tuple[tuple[str, str], ...] = (),
) -> UpstreamResponse:
    """POST ``payload`` to ``path`` with the adapter's pool (``upstream``), auth headers and the SDK's
    retry policy (429/5xx/connection, ``retry-after`` up to a minute); the response is open, any failure
    is already mapped. Both paths, forwarded and translated, call through here."""
    headers = {**model.raw_headers(), **dict(extra_headers)} if extra_headers else model.raw_headers()
    url = model.raw_url(path)
    retries = request.max_retries if request.max_retries is not None else model.max_retries
    attempt = 0
    while True:
        try:
            response = await model.upstream.post(url, payload, headers, request.timeout)
        except httpx2.TransportError as exc:
            if attempt < retries:
                await asyncio.sleep(_backoff(attempt, None))
                attempt += 1
                continue
            raise model._fail(exc, request.model, mid_stream=False) from None
        if response.status < 400:
            return response
        try:
            content = await response.read()
        except httpx2.TransportError as exc:  # the error answer broke off: a failed attempt like any
            content = str(exc).encode()
        finally:
            response.close()
        if attempt < retries and response.status in RETRY_STATUSES:
            await asyncio.sleep(_backoff(attempt, response.headers))
            attempt += 1
            continue
        error = model.status_error(response.as_httpx(content))
        raise model._fail(error, request.model, mid_stream=False) from None


def _backoff(attempt: int, headers: Any) -> float:
    wait = errors.retry_after_seconds(headers) if headers is not None else None
    if wait is not None and 0 <= wait <= MAX_RETRY_AFTER:
        return wait
    return float(min(0.5 * 2**attempt, 8.0))


def _usage_only(data: bytes) -> bool:
    """An OpenAI chunk with usage and no choices (``include_usage``), which the client did not ask for."""
    return b'"choices":[]' in data or b'"choices": []' in data


async def sse_blocks(response: UpstreamResponse) -> AsyncIterator[tuple[bytes, bytes, bytes]]:
    """Each server-sent event as ``(raw bytes with its blank line, event name, data)``; comments and
    ``id:`` lines stay in the raw bytes. Lines end in LF or CRLF."""
    buffer = b""
    raw: list[bytes] = []
    event = b""
    data: list[bytes] = []
    async for chunk in response.chunks():
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            raw.append(line)
            if line.endswith(b"\r"):
                line = line[:-1]
            if line:
                name, _, value = line.partition(b":")
                if value.startswith(b" "):
                    value = value[1:]
                if name == b"data":
                    data.append(value)
                elif name == b"event":
                    event = value
                continue
            if len(raw) > 1:  # a blank line ends the event
                yield b"\n".join(raw) + b"\n", event, b"\n".join(data)
            raw, event, data = [], b"", []
    if raw and any(raw):  # a stream that ended without the final blank line
        yield b"\n".join(raw) + b"\n\n", event, b"\n".join(data)
