"""OpenAI endpoints only an OpenAI-protocol upstream can serve, so they are always passed through:
``POST /v1/embeddings`` and ``POST /v1/completions`` (legacy text completions). Routed like chat
(aliases, fallback chains, ``#no_cloud``), recorded as usage rows with their cost; a model on another
protocol is refused with a 400 that says so."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.v1 import openai_translate as openai_wire
from llm_router.api.v1.call import V1Call
from llm_router.core.errors import AppError
from llm_router.providers.base import ChatMessage, ChatRequest, ChatResult

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

_LOOSE = ConfigDict(extra="allow")


class EmbeddingsBody(BaseModel):
    model_config = _LOOSE
    model: str = Field(min_length=1)
    input: str | list[str] | list[int] | list[list[int]]
    encoding_format: str | None = None
    dimensions: int | None = Field(default=None, ge=1)


class CompletionsBody(BaseModel):
    model_config = _LOOSE
    model: str = Field(min_length=1)
    prompt: str | list[str] | list[int] | list[list[int]]
    stream: bool = False
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)


def _documented(model: type[BaseModel]) -> dict[str, Any]:
    """The body in the OpenAPI document (the route reads it itself, to pass it on as sent)."""
    schema = {"schema": model.model_json_schema()}
    return {"requestBody": {"required": True, "content": {"application/json": schema}}}


def _texts(value: Any) -> tuple[ChatMessage, ...]:
    """The input's text as neutral turns: what ``#no_cloud`` is looked for in (and what the plan keys)."""
    texts = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]
    return tuple(ChatMessage("user", t) for t in texts)


def _no_translation(_result: ChatResult, _model: str) -> dict[str, Any]:
    raise AppError("this endpoint is served only by passing the upstream's answer through", status_code=502)


def _errors_only(model: str) -> openai_wire.OpenAIStreamEncoder:
    """A passed-through stream needs an encoder only for an error after it began."""
    return openai_wire.OpenAIStreamEncoder(model, include_usage=False)


@router.post(
    "/embeddings",
    summary="OpenAI embeddings (OpenAI-protocol upstreams)",
    openapi_extra=_documented(EmbeddingsBody),
)
async def embeddings(call: V1Call) -> Response:
    body = await call.body(EmbeddingsBody)
    raw = call.raw("openai", path="/embeddings", translatable=False)
    chat = ChatRequest(model=body.model, messages=_texts(body.input), raw=raw)
    return await call.respond("openai", chat, stream=False, render=_no_translation, encoder=_errors_only)


@router.post(
    "/completions",
    summary="OpenAI legacy completions (OpenAI-protocol upstreams, passed through)",
    openapi_extra=_documented(CompletionsBody),
)
async def completions(call: V1Call) -> Response:
    body = await call.body(CompletionsBody)
    raw = call.raw("openai", path="/completions", translatable=False)
    chat = ChatRequest(
        model=body.model,
        messages=_texts(body.prompt),
        temperature=body.temperature,
        max_tokens=body.max_tokens,
        raw=raw,
    )
    return await call.respond(
        "openai", chat, stream=body.stream, render=_no_translation, encoder=_errors_only
    )
