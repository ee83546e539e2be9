"""OpenAI-compatible endpoints: ``POST /v1/chat/completions`` and ``GET /v1/models``."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from llm_router.api.v1 import openai_translate as openai_wire
from llm_router.api.v1.call import V1Call, json_response
from llm_router.core.errors import NotFound
from llm_router.services.routing import ListedModel

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


@router.post("/chat/completions", summary="OpenAI chat completions (stream and non-stream)")
async def chat_completions(call: V1Call) -> Response:
    body = await call.body(openai_wire.ChatCompletionBody)
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return await call.respond(
        "openai",
        replace(openai_wire.to_chat_request(body), raw=call.raw("openai")),
        stream=body.stream,
        render=openai_wire.completion_json,
        encoder=lambda model: openai_wire.OpenAIStreamEncoder(model, include_usage=include_usage),
    )


def _anthropic_model(entry: ListedModel) -> dict[str, Any]:
    return {"type": "model", "id": entry.id, "display_name": entry.id, "created_at": "1970-01-01T00:00:00Z"}


def _openai_model(entry: ListedModel, created: int) -> dict[str, Any]:
    return {"id": entry.id, "object": "model", "created": created, "owned_by": entry.owner}


@router.get(
    "/models", summary="Models and route aliases (Anthropic's shape when `anthropic-version` is sent)"
)
async def list_models(request: Request, call: V1Call) -> Response:
    entries = call.models()
    if "anthropic-version" in request.headers:
        data = [_anthropic_model(e) for e in entries]
        first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
        return json_response({"data": data, "has_more": False, "first_id": first, "last_id": last})
    created = int(time.time())
    return json_response({"object": "list", "data": [_openai_model(e, created) for e in entries]})


@router.get(
    "/models/{model_id:path}",
    summary="One model or route alias (Anthropic's shape when `anthropic-version` is sent)",
)
async def get_model(model_id: str, request: Request, call: V1Call) -> Response:
    entry = next((e for e in call.models() if e.id == model_id), None)
    if entry is None:
        raise NotFound(f"no model or route alias {model_id!r}; GET /v1/models lists them")
    if "anthropic-version" in request.headers:
        return json_response(_anthropic_model(entry))
    return json_response(_openai_model(entry, int(time.time())))
