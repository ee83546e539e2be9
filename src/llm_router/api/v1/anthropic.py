"""Anthropic-compatible endpoint: ``POST /v1/messages`` (Claude Code works with ``ANTHROPIC_BASE_URL``)."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter
from fastapi.responses import Response

from llm_router.api.v1 import anthropic_translate as anthropic_wire
from llm_router.api.v1.anthropic_stream import AnthropicStreamEncoder
from llm_router.api.v1.call import V1Call

router = APIRouter(prefix="/v1", tags=["anthropic-compatible"])


@router.post("/messages", summary="Anthropic messages (stream and non-stream)")
async def create_message(call: V1Call) -> Response:
    body = await call.body(anthropic_wire.MessagesBody)
    return await call.respond(
        "anthropic",
        replace(anthropic_wire.to_chat_request(body), raw=call.raw("anthropic", anthropic_wire.hoist_system)),
        stream=body.stream,
        render=anthropic_wire.message_json,
        encoder=AnthropicStreamEncoder,
    )
