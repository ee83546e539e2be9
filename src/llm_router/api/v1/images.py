"""``POST /v1/images/generations``: OpenAI's Images API for other clients, through the caller's keys.

The pictures are kept like the web app's (owner-scoped, re-encoded); the answer carries them as
``b64_json`` (the default here) or as ``url`` to ``/api/media/{id}``, readable with the same API token.
"""

from __future__ import annotations

import base64
import time
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import ApiUser, CallerProviders, ImagesDep, MediaDep, valid_device_id
from llm_router.api.v1.call import json_response
from llm_router.providers.images import ImageRequest

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


class ImagesBody(BaseModel):
    model_config = ConfigDict(
        extra="ignore"
    )  # the API's other fields (style, user, background…) are optional

    prompt: str = Field(min_length=1, max_length=32_000)
    model: str | None = Field(default=None, max_length=200)
    n: int = Field(default=1, ge=1, le=10)
    size: str | None = Field(default=None, max_length=20)
    quality: str | None = Field(default=None, max_length=20)
    response_format: Literal["b64_json", "url"] = "b64_json"


@router.post("/images/generations", summary="OpenAI image generation (dall-e-2, dall-e-3, gpt-image-1)")
async def images_generations(
    request: Request,
    body: ImagesBody,
    principal: ApiUser,
    providers: CallerProviders,
    images: ImagesDep,
    media: MediaDep,
) -> Response:
    answer = await images.generate(  # a provider's failure is rendered in OpenAI's shape by api/errors.py
        principal.user_id,
        providers,
        body.model,
        ImageRequest(body.prompt, body.n, body.size, body.quality),
        source="openai",
        api_token_id=principal.token_id,
        device_id=valid_device_id(request.headers.get("x-device-id")),
    )
    data = []
    for row, revised in zip(answer.files, answer.generated.revised_prompts, strict=True):
        item: dict[str, str] = {}
        if body.response_format == "url":
            item["url"] = str(request.base_url).rstrip("/") + f"/api/media/{row.id}"
        else:
            _, path = await media.get(principal.user_id, row.id)
            item["b64_json"] = base64.b64encode(path.read_bytes()).decode()
        if revised:
            item["revised_prompt"] = revised
        data.append(item)
    result: dict[str, object] = {"created": int(time.time()), "data": data}
    if answer.generated.raw_usage:
        result["usage"] = answer.generated.raw_usage
    return json_response(result)
