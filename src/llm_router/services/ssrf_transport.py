"""httpx clients whose every TCP connection goes to an address checked by ``AddressPolicy``.

The check sits in the network backend, below DNS: the host is resolved here, every address is
checked, and the socket is opened to a checked address, so a second lookup cannot return another
one. TLS still verifies the certificate against the host name. Redirects are off, proxies from the
environment are ignored. Both httpx and httpx2 (used by the newer SDKs) are supported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpcore2
import httpx
import httpx2

from llm_router.providers.config import ProviderConfig
from llm_router.services.ssrf import AddressPolicy, BlockedAddress, allowed_addresses

DEFAULT_TIMEOUT = 60.0
PROVIDER_TIMEOUT = 600.0  # a whole model call; reasoning models can think for minutes
CONNECT_TIMEOUT = 10.0


async def _connect_checked(
    inner: Any, policy: AddressPolicy, host: str, port: int, kwargs: dict[str, Any], error: type[Exception]
) -> Any:
    try:
        addresses = await allowed_addresses(host, port, policy)
    except BlockedAddress as exc:
        raise error(exc.message) from None
    except OSError as exc:
        raise error(f"cannot resolve {host}: {exc.strerror or exc}") from None
    last: Exception | None = None
    for address in addresses:
        try:
            return await inner.connect_tcp(address, port, **kwargs)
        except error as exc:
            last = exc
    assert last is not None
    raise last


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        kwargs = {"timeout": timeout, "local_address": local_address, "socket_options": socket_options}
        stream: httpcore.AsyncNetworkStream = await _connect_checked(
            self.inner, self.policy, host, port, kwargs, httpcore.ConnectError
        )
        return stream

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Any = None,
    ) -> Any:
        raise httpcore.ConnectError("unix sockets are not allowed for provider URLs")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedBackend2(httpcore2.AsyncNetworkBackend):
    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self.inner = httpcore2.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        kwargs = {"timeout": timeout, "local_address": local_address, "socket_options": socket_options}
        stream: httpcore2.AsyncNetworkStream = await _connect_checked(
            self.inner, self.policy, host, port, kwargs, httpcore2.ConnectError
        )
        return stream

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Any = None,
    ) -> Any:
        raise httpcore2.ConnectError("unix sockets are not allowed for provider URLs")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, policy: AddressPolicy) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False), network_backend=GuardedBackend(policy)
        )


class GuardedTransport2(httpx2.AsyncHTTPTransport):
    def __init__(self, policy: AddressPolicy) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=httpx2.create_ssl_context(trust_env=False), network_backend=GuardedBackend2(policy)
        )


def guarded_client(policy: AddressPolicy, timeout: float = DEFAULT_TIMEOUT) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for user-supplied URLs (pass it to the SDKs as ``http_client``)."""
    return httpx.AsyncClient(
        transport=GuardedTransport(policy), follow_redirects=False, trust_env=False, timeout=timeout
    )


def guarded_client2(policy: AddressPolicy, timeout: float = DEFAULT_TIMEOUT) -> httpx2.AsyncClient:
    """The same for ``httpx2`` (the openai/anthropic SDKs' own HTTP library)."""
    return httpx2.AsyncClient(
        transport=GuardedTransport2(policy), follow_redirects=False, trust_env=False, timeout=timeout
    )


def provider_client_factory(policy: AddressPolicy) -> Callable[[ProviderConfig], httpx2.AsyncClient]:
    """The registry's ``http_client_factory``: vault entries (user-entered URLs) get the guarded client;
    providers from the environment or the providers file are the operator's own and keep the SDK's."""

    def make(config: ProviderConfig) -> httpx2.AsyncClient:
        if config.key_source == "vault":
            timeout = httpx2.Timeout(PROVIDER_TIMEOUT, connect=CONNECT_TIMEOUT)
            return httpx2.AsyncClient(
                transport=GuardedTransport2(policy), follow_redirects=False, trust_env=False, timeout=timeout
            )
        if config.protocol == "anthropic":
            import anthropic  # lazily: see providers.registry.make_adapter

            return anthropic.DefaultAsyncHttpxClient()
        import openai

        return openai.DefaultAsyncHttpxClient()

    return make
