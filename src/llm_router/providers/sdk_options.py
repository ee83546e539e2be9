"""Settings both SDK clients share, and the per-call options both adapters pass."""

from __future__ import annotations

from typing import TypedDict

import httpx2

from llm_router.providers.base import ChatRequest

# Both SDKs run on httpx2 (the Anthropic SDK refuses classic httpx clients), so a caller-supplied client
# (e.g. an SSRF-guarding transport for user-entered endpoints) is an httpx2 one.
HttpClient = httpx2.AsyncClient
DEFAULT_TIMEOUT = 600.0  # seconds for a whole call; reasoning models can think for minutes
CONNECT_TIMEOUT = 10.0
NO_KEY = "no-key"  # keyless local servers; an explicit value stops the SDK reading OPENAI_API_KEY


class CallOptions(TypedDict, total=False):
    """The part of both SDKs' per-call ``RequestOptions`` a ``ChatRequest`` decides."""

    timeout: httpx2.Timeout
    max_retries: int


def call_options(request: ChatRequest) -> CallOptions:
    """This request's timeout and retry count, where it sets them."""
    options: CallOptions = {}
    if request.timeout is not None:
        options["timeout"] = httpx2.Timeout(request.timeout, connect=min(request.timeout, CONNECT_TIMEOUT))
    if request.max_retries is not None:
        options["max_retries"] = request.max_retries
    return options
