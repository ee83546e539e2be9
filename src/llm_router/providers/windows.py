"""Context windows that local servers report about themselves, and the one lookup of a model's window.

A local model's window is whatever its server was started with (``llama-server -c 8192``, a Modelfile's
``num_ctx``), so no table can know it; the server is asked:

- llama.cpp's server: ``GET /props`` → ``default_generation_settings.n_ctx`` (the context of one slot,
  which is what one request gets); it serves one model, so the value holds for every id it lists;
- Ollama: ``POST /api/show {"model": id}`` → ``parameters``' ``num_ctx`` when the model sets one, else
  ``model_info["<general.architecture>.context_length"]`` (what the model was trained for).

Both live beside the OpenAI-compatible API, at the server's root (the base URL without ``/v1``). The
catalog asks after each successful listing of a local provider (never while one of its answers runs);
anything unexpected (404, not JSON, a timeout) leaves the window unknown, and nothing is trimmed for an
unknown window. Cloud models' windows come from the bundled list and genai-prices (``window_of``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from typing import Any

import httpx2

from llm_router.providers.capabilities import capabilities_for
from llm_router.providers.pricing import context_window_of

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 5.0  # seconds per request: a local server answers these from memory
MAX_SHOWN = 64  # Ollama: at most this many models asked per listing
_NUM_CTX = re.compile(r"^\s*num_ctx\s+(\d+)\s*$", re.M)


def window_of(provider: str, model_id: str, reported: int | None = None) -> int | None:
    """A model's context window in tokens: the server's own report, else the bundled list, else
    genai-prices; ``None`` when nobody knows."""
    if reported:
        return reported
    return capabilities_for(model_id).context_window or context_window_of(provider, model_id)


def server_root(base_url: str) -> str:
    """``http://host:8080/v1`` → ``http://host:8080``: where ``/props`` and ``/api/*`` live."""
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


def llama_cpp_window(body: Any) -> int | None:
    settings = body.get("default_generation_settings") if isinstance(body, dict) else None
    n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
    return n_ctx if isinstance(n_ctx, int) and not isinstance(n_ctx, bool) and n_ctx > 0 else None


def ollama_window(body: Any) -> int | None:
    if not isinstance(body, dict):
        return None
    parameters = body.get("parameters")
    if isinstance(parameters, str) and (found := _NUM_CTX.search(parameters)):
        return int(found.group(1)) or None
    info = body.get("model_info")
    if not isinstance(info, dict):
        return None
    arch = info.get("general.architecture")
    length = info.get(f"{arch}.context_length") if isinstance(arch, str) else None
    return length if isinstance(length, int) and not isinstance(length, bool) and length > 0 else None


async def _json(client: httpx2.AsyncClient, method: str, url: str, **kwargs: Any) -> Any:
    try:
        response = await client.request(method, url, timeout=PROBE_TIMEOUT, **kwargs)
        if response.status_code != 200:
            return None
        return response.json()
    except (httpx2.HTTPError, ValueError):
        return None


async def reported_windows(
    client: httpx2.AsyncClient, base_url: str, headers: dict[str, str], model_ids: Sequence[str]
) -> dict[str, int]:
    """The windows a local server reports for ``model_ids`` (those it reports nothing for are left out)."""
    if not model_ids:
        return {}
    root = server_root(base_url)
    n_ctx = llama_cpp_window(await _json(client, "GET", root + "/props", headers=headers))
    if n_ctx is not None:
        return dict.fromkeys(model_ids, n_ctx)
    found: dict[str, int] = {}
    for model in model_ids[:MAX_SHOWN]:
        body = await _json(client, "POST", root + "/api/show", headers=headers, json={"model": model})
        if body is None and not found:
            break  # not Ollama (or not up): asking for each model would only repeat the 404
        if (window := ollama_window(body)) is not None:
            found[model] = window
        await asyncio.sleep(0)
    log.debug("context windows reported by %s: %s", root, found)
    return found
