"""The fake provider's OpenAI Images API: ``POST /v1/images/generations``.

It keeps the real API's rules that a router can get wrong: each model's sizes and qualities, ``n`` is 1
for dall-e-3, ``response_format`` is refused by gpt-image models (they always answer base64), the
``revised_prompt`` only dall-e-3 writes, and token usage only gpt-image models report. The picture is a
small PNG whose colour comes from the prompt, so tests can tell two images apart.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
from typing import Any

from PIL import Image

SIZES: dict[str, tuple[str, ...]] = {
    "dall-e-2": ("256x256", "512x512", "1024x1024"),
    "dall-e-3": ("1024x1024", "1792x1024", "1024x1792"),
    "gpt-image-1": ("auto", "1024x1024", "1536x1024", "1024x1536"),
    "gpt-image-1-mini": ("auto", "1024x1024", "1536x1024", "1024x1536"),
}
QUALITIES: dict[str, tuple[str, ...]] = {
    "dall-e-2": ("standard",),
    "dall-e-3": ("standard", "hd"),
    "gpt-image-1": ("auto", "low", "medium", "high"),
    "gpt-image-1-mini": ("auto", "low", "medium", "high"),
}
MAX_N = {"dall-e-2": 10, "dall-e-3": 1, "gpt-image-1": 10, "gpt-image-1-mini": 10}


class ImageRequestError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param


def picture(prompt: str, index: int) -> bytes:
    digest = hashlib.sha256(f"{prompt}|{index}".encode()).digest()
    image = Image.new("RGB", (16, 16), (digest[0], digest[1], digest[2]))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def generate(body: Any) -> dict[str, Any]:
    """The response body for ``body``, or ``ImageRequestError`` as the real API would refuse it."""
    if not isinstance(body, dict):
        raise ImageRequestError(400, "We could not parse the JSON body of your request.")
    model = body.get("model") or "dall-e-2"
    if model not in SIZES:
        raise ImageRequestError(404, f"The model `{model}` does not exist or you do not have access to it.")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ImageRequestError(400, "Missing required parameter: 'prompt'.", "prompt")
    n = body.get("n", 1)
    if not isinstance(n, int) or n < 1 or n > MAX_N[model]:
        what = "Only n=1 is supported" if model == "dall-e-3" else f"n must be between 1 and {MAX_N[model]}"
        raise ImageRequestError(400, f"Invalid 'n': {what} for {model}.", "n")
    size = body.get("size", SIZES[model][-1] if model.startswith("dall-e") else "auto")
    if size not in SIZES[model]:
        raise ImageRequestError(
            400, f"Invalid value: '{size}'. Supported values are: {', '.join(SIZES[model])}.", "size"
        )
    quality = body.get("quality", QUALITIES[model][0])
    if quality not in QUALITIES[model]:
        raise ImageRequestError(
            400,
            f"Invalid value: '{quality}'. Supported values are: {', '.join(QUALITIES[model])}.",
            "quality",
        )
    gpt_image = model.startswith("gpt-image")
    if gpt_image and "response_format" in body:
        raise ImageRequestError(400, "Unknown parameter: 'response_format'.", "response_format")
    if body.get("response_format", "url") == "url" and not gpt_image:
        # the real API answers a signed URL on its own CDN; this fake has none to offer
        raise ImageRequestError(
            400, "The fake provider only answers response_format=b64_json.", "response_format"
        )
    data: list[dict[str, Any]] = []
    for index in range(n):
        item: dict[str, Any] = {"b64_json": base64.b64encode(picture(prompt, index)).decode()}
        if model == "dall-e-3":
            item["revised_prompt"] = f"A detailed picture of {prompt.strip()}"
        data.append(item)
    answer: dict[str, Any] = {"created": int(time.time()), "data": data}
    if gpt_image:
        words = len(prompt.split())
        answer["usage"] = {
            "input_tokens": words,
            "output_tokens": 272 * n,
            "total_tokens": words + 272 * n,
            "input_tokens_details": {"text_tokens": words, "image_tokens": 0},
        }
    return answer
