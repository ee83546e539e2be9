"""The hot path's HTTP client: every routed call (pass-through and translated) is one ``POST`` through an
aiohttp session owned by the adapter.

Why not the SDKs' httpx2: in the profile (py-spy, wrk at c=32) httpx2 → httpcore2 → h11 over anyio was
≈ 45 % of the main thread: pool bookkeeping on every request (one ``select`` per idle connection to see
whether it is still readable), h11's event machinery to write a request and read a body. aiohttp's client
parses with its C parser, keeps its pool with a deque per host and runs straight on the event loop. The
SDKs keep their httpx2 client for what is not on the hot path (model lists, images, audio, embeddings,
key checks); ``HttpClients`` carries both to the adapter.

What stays the same for the callers: failures leave this module as httpx2's exception classes (the ones
``errors.map_error`` and the SDKs' status errors are written against), an error answer becomes an
``httpx2.Response`` (``UpstreamResponse.as_httpx``) for the SDK's own exception, and user-entered endpoints
are guarded: with an ``AddressGuard`` every new connection resolves its host through the guard (no DNS
cache, so no stale answer), an IP-literal host is checked before the request, and redirects are not
followed.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Protocol

import aiohttp
import httpx2
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from llm_router.providers.config import Timeouts

POOL_LIMIT = 1000  # connections per adapter; the same bound the httpx2 pool had
KEEPALIVE = 30.0  # seconds an idle connection is kept (LLM APIs keep theirs 60 s or more)
DNS_TTL = 300  # seconds a resolved name is reused by an unguarded pool (no lookup per connection)
# headers that describe the bytes on the wire, not the (already decoded) body handed on
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class AddressRefused(OSError):
    """Raised by an ``AddressGuard``: the host may not be connected to; the message says why and how to
    allow it, and is shown as it is."""


class AddressGuard(Protocol):
    """Decides where a connection may go (``services.keys.ssrf_client`` has the one for user URLs)."""

    async def addresses(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` a connection may use, all checked; raises ``AddressRefused``."""
        ...


@dataclass(frozen=True, slots=True)
class HttpClients:
    """What an adapter talks HTTP with: the SDK's client (``None``: the adapter makes one) and the guard
    its hot-path connections go through (``None``: the operator's own endpoint, unguarded)."""

    sdk: httpx2.AsyncClient | None = None
    guard: AddressGuard | None = None


class _GuardedResolver(AbstractResolver):
    """aiohttp's resolver hook, answered by the guard: a name resolves only to addresses it allows."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in await self.guard.addresses(host, port)
        ]

    async def close(self) -> None:
        pass


def transport_error(exc: BaseException) -> httpx2.TransportError:
    """An aiohttp failure as the httpx2 exception the error mapping and the retry policy expect."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, AddressRefused):
            return httpx2.ConnectError(str(exc.os_error))
        return httpx2.ConnectError(str(exc))
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx2.ConnectTimeout(str(exc) or "timed out connecting")
    if isinstance(exc, TimeoutError):  # aiohttp's read timeouts are TimeoutErrors too
        return httpx2.ReadTimeout(str(exc) or "timed out reading")
    if isinstance(exc, aiohttp.ClientPayloadError):  # its text is aiohttp's repr of the parser's error
        return httpx2.RemoteProtocolError("the connection closed before the answer was complete")
    return httpx2.ReadError(str(exc) or type(exc).__name__)


class UpstreamResponse:
    """An upstream's open answer. Reading it raises httpx2's exceptions; ``close`` drops an unfinished
    connection (a client that went away) and is a no-op for one already read to the end, which aiohttp
    has put back in the pool."""

    __slots__ = ("_raw", "headers", "status", "url")

    def __init__(self, raw: aiohttp.ClientResponse, url: str) -> None:
        self._raw = raw
        self.status = raw.status
        self.headers = raw.headers
        self.url = url

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives, in whatever pieces the network gives."""
        read = self._raw.content.readany
        while True:
            try:
                chunk = await read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise transport_error(exc) from None
            if not chunk:
                return
            yield chunk

    async def read(self) -> bytes:
        try:
            return await self._raw.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise transport_error(exc) from None

    def close(self) -> None:
        self._raw.close()

    def as_httpx(self, content: bytes = b"") -> httpx2.Response:
        """The answer as an (already read) ``httpx2.Response``, to build the SDK's own exception from."""
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in self._raw.raw_headers
            if k.decode("latin-1").lower() not in _WIRE_HEADERS
        ]
        request = httpx2.Request("POST", self.url)
        return httpx2.Response(self.status, headers=headers, content=content, request=request)


class Upstream:
    """One adapter's pool: an aiohttp session made on first use in the running event loop (aiohttp binds
    a session to its loop), with the adapter's timeouts: ``connect`` to open a connection, ``read`` the
    longest silence while reading (per gap, not per answer)."""

    def __init__(self, timeouts: Timeouts, guard: AddressGuard | None = None) -> None:
        self.guard = guard
        self.timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=timeouts.connect, sock_read=timeouts.read
        )
        self.connect_timeout = timeouts.connect
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._urls: dict[str, URL] = {}
        self._checked: set[tuple[str, int]] = set()  # IP-literal hosts the guard allowed (cannot change)

    def _session_here(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            guarded = self.guard is not None
            connector = aiohttp.TCPConnector(
                limit=POOL_LIMIT,
                limit_per_host=0,
                keepalive_timeout=KEEPALIVE,
                # guarded: every new connection asks the guard (no cached answer a rebinding could outlive)
                use_dns_cache=not guarded,
                ttl_dns_cache=DNS_TTL,
                resolver=_GuardedResolver(self.guard) if self.guard is not None else None,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self.timeout,
                trust_env=False,  # no proxy from the environment, as the guarded httpx2 client
                auto_decompress=True,
                # one pool serves every user: a cookie one upstream answer sets is not sent with the next
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            self._loop = loop
        return self._session

    def _url(self, url: str) -> URL:
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = self._urls[url] = URL(url)
        return parsed

    async def post(
        self,
        url: str,
        payload: bytes,
        headers: Mapping[str, str],
        timeout: float | None = None,  # noqa: ASYNC109 - the read timeout of this call, passed on
    ) -> UpstreamResponse:
        """``POST`` the bytes; the answer is open, whatever its status. A failure to connect or to read
        the head raises httpx2's exception for it."""
        target = self._url(url)
        if self.guard is not None:
            await self._check_literal(target, self.guard)
        session = self._session_here()
        per_call = (
            aiohttp.ClientTimeout(
                total=None, sock_connect=min(timeout, self.connect_timeout), sock_read=timeout
            )
            if timeout is not None
            else self.timeout
        )
        try:
            raw = await session.post(
                target,
                data=payload,
                headers=headers,
                timeout=per_call,
                allow_redirects=self.guard is None,  # a guarded call hands a redirect back
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise transport_error(exc) from None
        return UpstreamResponse(raw, url)

    async def _check_literal(self, url: URL, guard: AddressGuard) -> None:
        """aiohttp connects to an IP-literal host without asking the resolver: ask the guard here."""
        host, port = url.raw_host or "", url.port or 0
        if (host, port) in self._checked or not _is_literal(host):
            return
        try:
            await guard.addresses(host, port)
        except AddressRefused as exc:
            raise httpx2.ConnectError(str(exc)) from None
        self._checked.add((host, port))

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


def _is_literal(host: str) -> bool:
    """Whether ``host`` may be an address rather than a name: IPv6, dotted or legacy IPv4 spellings
    (``127.1``, ``0x7f000001``). Erring towards "yes" only costs a check the guard answers without DNS."""
    return ":" in host or all(c in _NUMERIC for c in host)


_NUMERIC = frozenset("0123456789abcdefxABCDEFX.")
