"""Settings both SDK clients share."""

from __future__ import annotations

import httpx2

# Both SDKs run on httpx2 (the Anthropic SDK refuses classic httpx clients), so a caller-supplied client
# (e.g. an SSRF-guarding transport for user-entered endpoints) is an httpx2 one.
HttpClient = httpx2.AsyncClient
DEFAULT_TIMEOUT = 600.0  # seconds for a whole call; reasoning models can think for minutes
CONNECT_TIMEOUT = 10.0
NO_KEY = "no-key"  # keyless local servers; an explicit value stops the SDK reading OPENAI_API_KEY
