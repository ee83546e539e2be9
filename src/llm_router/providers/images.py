"""Image generation on OpenAI-protocol providers (OpenAI's Images API: dall-e-2, dall-e-3, gpt-image-1).

The request asks for base64 so the router keeps the picture itself (the API's URLs expire within an
hour). Cost comes from the provider's token usage where it reports one (gpt-image models), else from a
per-image price table (``IMAGE_PRICES``; OpenAI's published prices, documented in the README).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from llm_router.core.errors import AppError
from llm_router.providers.base import UpstreamError
from llm_router.providers.registry import ResolvedModel

IMAGE_MODEL_PREFIXES = ("dall-e-", "gpt-image-")

# dollars per image by (model, quality, size); "*" matches any size
IMAGE_PRICES: dict[tuple[str, str, str], float] = {
    ("dall-e-2", "standard", "256x256"): 0.016,
    ("dall-e-2", "standard", "512x512"): 0.018,
    ("dall-e-2", "standard", "1024x1024"): 0.020,
    ("dall-e-3", "standard", "1024x1024"): 0.040,
    ("dall-e-3", "standard", "*"): 0.080,
    ("dall-e-3", "hd", "1024x1024"): 0.080,
    ("dall-e-3", "hd", "*"): 0.120,
    ("gpt-image-1", "low", "*"): 0.016,
    ("gpt-image-1", "medium", "*"): 0.063,
    ("gpt-image-1", "high", "*"): 0.25,
    ("gpt-image-1", "auto", "*"): 0.063,
    ("gpt-image-1-mini", "low", "*"): 0.006,
    ("gpt-image-1-mini", "medium", "*"): 0.015,
    ("gpt-image-1-mini", "high", "*"): 0.052,
    ("gpt-image-1-mini", "auto", "*"): 0.015,
}
# dollars per million tokens (text in, image out) for models that report token usage
TOKEN_PRICES: dict[str, tuple[float, float]] = {
    "gpt-image-1": (5.0, 40.0),
    "gpt-image-1-mini": (2.0, 8.0),
}


@dataclass(frozen=True, slots=True)
class ImageRequest:
    prompt: str
    n: int = 1
    size: str | None = None
    quality: str | None = None


@dataclass(frozen=True, slots=True)
class GeneratedImages:
    images: tuple[bytes, ...]
    revised_prompts: tuple[str | None, ...]
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float | None = None
    raw_usage: dict[str, Any] = field(default_factory=dict)


def is_image_model(model_id: str) -> bool:
    return model_id.startswith(IMAGE_MODEL_PREFIXES)


def image_cost(model_id: str, request: ImageRequest, usage: dict[str, Any]) -> float | None:
    """What the call cost: token usage where reported, else the per-image table; ``None``: unknown."""
    if usage and model_id in TOKEN_PRICES:
        per_in, per_out = TOKEN_PRICES[model_id]
        return (
            int(usage.get("input_tokens", 0)) * per_in + int(usage.get("output_tokens", 0)) * per_out
        ) / 1e6
    quality = request.quality or ("standard" if model_id.startswith("dall-e") else "auto")
    size = request.size or "1024x1024"
    price = IMAGE_PRICES.get((model_id, quality, size)) or IMAGE_PRICES.get((model_id, quality, "*"))
    return None if price is None else price * request.n


async def generate_images(model: ResolvedModel, request: ImageRequest) -> GeneratedImages:
    """Ask ``model`` for ``request.n`` images; ``AppError`` when it cannot make images at all."""
    if model.provider.protocol != "openai" or not is_image_model(model.model_id):
        raise AppError(
            f"{model.id!r} does not generate images; use an image model such as dall-e-3 or gpt-image-1",
            code="not_an_image_model",
        )
    post = getattr(model.adapter, "post_json", None)
    if post is None:  # pragma: no cover - every OpenAI-protocol adapter has it
        raise AppError(f"{model.id!r} cannot be asked for images", code="not_an_image_model")
    body: dict[str, Any] = {"model": model.model_id, "prompt": request.prompt, "n": request.n}
    if request.size:
        body["size"] = request.size
    if request.quality:
        body["quality"] = request.quality
    if not model.model_id.startswith("gpt-image"):
        body["response_format"] = "b64_json"  # gpt-image models always answer base64 and refuse the field
    answer = await post("/images/generations", body, model.model_id)
    items = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(items, list) or not items:
        raise UpstreamError(
            "upstream_error",
            "the provider answered without images",
            provider=model.provider.name,
            model=model.id,
        )
    images: list[bytes] = []
    revised: list[str | None] = []
    for item in items:
        try:
            images.append(base64.b64decode(item["b64_json"], validate=True))
        except (KeyError, TypeError, binascii.Error):
            raise UpstreamError(
                "upstream_error",
                "the provider's image was not base64",
                provider=model.provider.name,
                model=model.id,
            ) from None
        revised.append(item.get("revised_prompt"))
    usage = answer.get("usage") or {}
    return GeneratedImages(
        tuple(images),
        tuple(revised),
        tokens_in=int(usage.get("input_tokens", 0)),
        tokens_out=int(usage.get("output_tokens", 0)),
        cost=image_cost(model.model_id, request, usage),
        raw_usage=usage,
    )
