"""The providers: one module per wire protocol, and the well-known vendors as data.

- A wire protocol is a module (``openai.py``, ``anthropic.py``: request body, stream reader, SDK client) on
  the shared skeleton in ``_http.py``. A new one is its module plus one line in ``PROTOCOLS``
  (``protocols.py``; and its name in ``ProtocolName``).
- A built-in vendor (configured by the usual environment variables) is one ``Vendor`` in ``VENDORS``
  (``vendors.py``), and its row in the README's providers table. Any other endpoint is configuration,
  not code (the providers file, Settings → Keys).
- ``passthrough.py``: a client's own request forwarded to an upstream of its protocol (``RawRequest`` in,
  ``WireBytes`` plus our events out), over the adapter's hot-path pool, without the SDK.
- ``upstream.py``: that pool (aiohttp), which every routed call goes through, translated or not; the
  SDKs keep their own httpx2 client for model lists, media and embeddings, key checks.
- ``config.py`` says which providers exist, ``registry.py`` makes their adapters and resolves model names;
  ``base.py`` is the adapter interface, ``errors.py`` the one error mapping.

This module stays light: an SDK is imported only once a provider speaks its protocol (importing both
costs seconds of start-up and tens of MB on a small machine).
"""

from llm_router.providers.protocols import PROTOCOLS
from llm_router.providers.vendors import VENDORS, ProtocolName, Vendor

__all__ = ["PROTOCOLS", "VENDORS", "ProtocolName", "Vendor"]
