"""HTTP clients whose every TCP connection goes to an address checked by ``AddressPolicy``.

Two clients, one rule: the httpx2 client the SDKs run on (model lists, other endpoints, key checks) and
the guard of the hot path's aiohttp pool (``providers.upstream``). In both the check sits below DNS: the
host is resolved here, every address is checked, and the socket is opened to a checked address, so a
second lookup cannot return another one; each new connection is checked again. TLS still verifies the
certificate against the host name. Redirects are off, proxies from the environment are ignored. The
httpx2 backend and transport are in ``ssrf_transport.py``, loaded with the first client made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx2

from llm_router.providers.config import ProviderConfig
from llm_router.services.keys.ssrf import AddressPolicy, BlockedAddress, allowed_addresses

if TYPE_CHECKING:  # loaded with the first adapter (it brings aiohttp), not at start-up
    from llm_router.providers.upstream import HttpClients

DEFAULT_TIMEOUT = 60.0
PROVIDER_TIMEOUT = 600.0  # a whole model call; reasoning models can think for minutes
CONNECT_TIMEOUT = 10.0


class ConnectGuard:
    """The hot path's ``AddressGuard`` (``providers.upstream``): the same policy and messages as the
    httpx2 backend (``ssrf_transport.GuardedBackend``), asked by the aiohttp pool for every new
    connection."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy

    async def addresses(self, host: str, port: int) -> list[str]:
        from llm_router.providers.upstream import AddressRefused  # loaded already: its pool asks

        try:
            return await allowed_addresses(host, port, self.policy)
        except BlockedAddress as exc:
            raise AddressRefused(exc.message) from None
        except OSError as exc:
            raise AddressRefused(f"cannot resolve {host}: {exc.strerror or exc}") from None


def guarded_client(
    policy: AddressPolicy, timeout: float | httpx2.Timeout = DEFAULT_TIMEOUT
) -> httpx2.AsyncClient:
    """An ``httpx2.AsyncClient`` (the SDKs' HTTP library) for user-supplied URLs: pass it to the SDKs
    as ``http_client``. Redirects are not followed and proxies from the environment are ignored."""
    from llm_router.services.keys.ssrf_transport import GuardedTransport

    return httpx2.AsyncClient(
        transport=GuardedTransport(policy), follow_redirects=False, trust_env=False, timeout=timeout
    )


def provider_client_factory(policy: AddressPolicy) -> Callable[[ProviderConfig], HttpClients]:
    """The registry's ``http_client_factory``: vault entries (user-entered URLs) get the guarded clients
    (the SDK's and the hot path's); providers from the environment or the providers file are the
    operator's own and keep the SDK's client and an unguarded pool."""

    def make(config: ProviderConfig) -> HttpClients:
        from llm_router.providers.upstream import HttpClients  # with the adapter it is made for

        if config.key_source == "vault":
            sdk = guarded_client(policy, httpx2.Timeout(PROVIDER_TIMEOUT, connect=CONNECT_TIMEOUT))
            return HttpClients(sdk, ConnectGuard(policy))
        if config.protocol == "anthropic":
            import anthropic  # lazily: see providers.registry.make_adapter

            return HttpClients(anthropic.DefaultAsyncHttpxClient())
        import openai

        return HttpClients(openai.DefaultAsyncHttpxClient())

    return make
