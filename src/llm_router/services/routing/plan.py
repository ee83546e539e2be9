"""A plan: what a routed request will try, in order, decided before any upstream call.

``#no_cloud`` anywhere in a request pins it to local models: the tag is removed from what goes upstream,
and a request with no local model to ask is refused (``PolicyRefusal``) before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from llm_router.providers.base import ChatMessage, ChatRequest, TextPart
from llm_router.providers.registry import ResolvedModel
from llm_router.services.routing.config import RouteSpec

NO_CLOUD_TAG = "#no_cloud"


@dataclass(frozen=True, slots=True)
class ListedModel:
    id: str
    owner: str  # the provider, or "llm-router" for a route alias


@dataclass(frozen=True, slots=True)
class Plan:
    route: str  # the alias used, or "direct" for an explicit model name
    request: ChatRequest  # as sent upstream: the ``#no_cloud`` tag removed
    chain: tuple[ResolvedModel, ...]  # tried in order on retryable failures
    local: ResolvedModel | None  # local-first: asked first, with the confidence probe
    threshold: float
    spec: RouteSpec | None
    no_cloud: bool


def _strip_tag(text: str) -> str:
    return " ".join(text.replace(NO_CLOUD_TAG, " ").split()) if NO_CLOUD_TAG in text else text


def _strip_message(message: ChatMessage) -> ChatMessage:
    if isinstance(message.content, str):
        return replace(message, content=_strip_tag(message.content))
    parts = [replace(p, text=_strip_tag(p.text)) if isinstance(p, TextPart) else p for p in message.content]
    return replace(message, content=parts)


def strip_no_cloud(request: ChatRequest) -> tuple[ChatRequest, bool]:
    """The request without any ``#no_cloud`` tag, and whether one was there."""
    texts = [m.text() for m in request.messages] + [request.system or ""]
    if not any(NO_CLOUD_TAG in t for t in texts):
        return request, False
    system = _strip_tag(request.system) if request.system else request.system
    raw = request.raw
    if raw is not None:
        body = {k: v if k == "model" else _strip_json(v) for k, v in raw.body.items()}
        raw = replace(raw, body=body)
    messages = tuple(_strip_message(m) for m in request.messages)
    return replace(request, system=system, messages=messages, raw=raw), True


def _strip_json(value: Any) -> Any:
    """The tag removed from every string of a client's JSON (a body passed through as sent)."""
    if isinstance(value, str):
        return _strip_tag(value)
    if isinstance(value, list):
        return [_strip_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip_json(v) for k, v in value.items()}
    return value
