"""httpx2 clients whose every TCP connection goes to an address checked by ``AddressPolicy``.

The check sits in the network backend, below DNS: the host is resolved here, every address is
checked, and the socket is opened to a checked address, so a second lookup cannot return another
one. TLS still verifies the certificate against the host name. Redirects are off, proxies from the
environment are ignored. httpx2 is the HTTP library the openai and anthropic SDKs run on. The backend
and transport are in ``ssrf_transport.py``, loaded with the first client made.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx2

from llm_router.providers.config import ProviderConfig
from llm_router.services.keys.ssrf import AddressPolicy

DEFAULT_TIMEOUT = 60.0
PROVIDER_TIMEOUT = 600.0  # a whole model call; reasoning models can think for minutes
CONNECT_TIMEOUT = 10.0


def guarded_client(
    policy: AddressPolicy, timeout: float | httpx2.Timeout = DEFAULT_TIMEOUT
) -> httpx2.AsyncClient:
    """An ``httpx2.AsyncClient`` (the SDKs' HTTP library) for user-supplied URLs: pass it to the SDKs
    as ``http_client``. Redirects are not followed and proxies from the environment are ignored."""
    from llm_router.services.keys.ssrf_transport import GuardedTransport

    return httpx2.AsyncClient(
        transport=GuardedTransport(policy), follow_redirects=False, trust_env=False, timeout=timeout
    )


def provider_client_factory(policy: AddressPolicy) -> Callable[[ProviderConfig], httpx2.AsyncClient]:
    """The registry's ``http_client_factory``: vault entries (user-entered URLs) get the guarded client;
    providers from the environment or the providers file are the operator's own and keep the SDK's."""

    def make(config: ProviderConfig) -> httpx2.AsyncClient:
        if config.key_source == "vault":
            return guarded_client(policy, httpx2.Timeout(PROVIDER_TIMEOUT, connect=CONNECT_TIMEOUT))
        if config.protocol == "anthropic":
            import anthropic  # lazily: see providers.registry.make_adapter

            return anthropic.DefaultAsyncHttpxClient()
        import openai

        return openai.DefaultAsyncHttpxClient()

    return make
