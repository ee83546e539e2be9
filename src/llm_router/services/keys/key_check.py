"""The "test key" action: list the provider's models with the key, through the SSRF-guarded client.

Upstream error texts are never passed on: some providers echo part of the key in them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx2

from llm_router.providers.config import ProviderConfig
from llm_router.providers.protocols import PROTOCOLS
from llm_router.services.keys.ssrf import AddressPolicy
from llm_router.services.keys.ssrf_client import guarded_client

log = logging.getLogger(__name__)
TEST_TIMEOUT = 15.0


@dataclass(frozen=True)
class KeyCheck:
    ok: bool
    message: str


async def check_key(config: ProviderConfig, policy: AddressPolicy) -> KeyCheck:
    # the protocol's adapter class gives its SDK's client and error classes (loaded lazily, as for the
    # adapters: the SDKs are heavy to import)
    adapter = PROTOCOLS[config.protocol]()
    async with guarded_client(policy, timeout=TEST_TIMEOUT) as http:
        try:
            count = await _count_models(adapter.sdk_client, config, http)
        except Exception as exc:
            if isinstance(exc, adapter.sdk_errors.status):
                return KeyCheck(False, _status_message(exc.status_code))
            if isinstance(exc, adapter.sdk_errors.connection):
                return KeyCheck(False, _connection_message(exc))
            raise
    log.info("key test for provider %s: ok", config.name)
    return KeyCheck(True, f"the key works: {count} models available")


async def _count_models(sdk_client: type[Any], config: ProviderConfig, http: httpx2.AsyncClient) -> int:
    # The SDKs take the placeholder when there is no key (local servers usually need none).
    key = config.api_key or "none"
    client = sdk_client(api_key=key, base_url=config.base_url, http_client=http, max_retries=0)
    return len([m async for m in client.models.list()])


def _status_message(status: int) -> str:
    if status in (401, 403):
        return f"the provider rejected the key (HTTP {status}): check it and save it again"
    if 300 <= status < 400:
        return (
            f"the provider answered with a redirect (HTTP {status}); redirects are not followed: "
            "fix the base URL"
        )
    if status == 404:
        return "the provider has no models list at this base URL (HTTP 404): check the base URL"
    return f"the provider answered HTTP {status}"


def _connection_message(exc: Exception) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        text = str(cause)
        if (
            "LLM_ROUTER_ALLOWED_PRIVATE_HOSTS" in text
            or "never allowed" in text
            or "does not resolve" in text
        ):
            return f"refused: {text}"
        cause = cause.__cause__ or cause.__context__
    return "could not connect to the base URL: check the address and that the server is running"
