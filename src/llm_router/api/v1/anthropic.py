"""Anthropic-compatible endpoints: ``POST /v1/messages`` (Claude Code works with ``ANTHROPIC_BASE_URL``)
and ``POST /v1/messages/count_tokens``."""

from __future__ import annotations

from dataclasses import replace

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from llm_router.api.v1 import anthropic_translate as anthropic_wire
from llm_router.api.v1.anthropic_stream import AnthropicStreamEncoder
from llm_router.api.v1.call import V1Call, json_response
from llm_router.api.v1.errors import failure_response, upstream_failure
from llm_router.providers.base import ChatRequest, UpstreamError

router = APIRouter(prefix="/v1", tags=["anthropic-compatible"])

CHARS_PER_TOKEN = 4  # the usual rule of thumb for English text and code; an estimate, and marked so
ESTIMATE_HEADER = "x-llm-router-token-count"


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


@router.post(
    "/messages/count_tokens",
    summary="Input tokens of a messages request: the upstream's own count for Anthropic models, "
    f"else an estimate (`{ESTIMATE_HEADER}: estimate`)",
)
async def count_tokens(call: V1Call) -> Response:
    body = await call.body(anthropic_wire.CountTokensBody)
    model, chat = call.first_model(anthropic_wire.to_chat_request(body))
    if model.provider.protocol == "anthropic":
        raw = call.raw("anthropic", anthropic_wire.hoist_system, path="/v1/messages/count_tokens")
        try:
            answer = await call.forward_once(model, replace(chat, raw=raw))
        except UpstreamError as exc:
            return failure_response("anthropic", upstream_failure(exc))
        counted = orjson.loads(answer).get("input_tokens") if answer.startswith(b"{") else None
        call.record_count(model, body.model, counted if isinstance(counted, int) else 0, estimated=False)
        return Response(answer, 200, {ESTIMATE_HEADER: "upstream"}, media_type="application/json")
    estimate = estimate_tokens(chat)
    call.record_count(model, body.model, estimate, estimated=True)
    return json_response({"input_tokens": estimate}, {ESTIMATE_HEADER: "estimate"})


def estimate_tokens(chat: ChatRequest) -> int:
    """A local estimate for models whose provider has no counting endpoint: characters / 4 over the
    system prompt, the turns and the tool definitions."""
    chars = len(chat.system or "") + sum(len(m.text()) for m in chat.messages)
    chars += sum(len(c.arguments) for m in chat.messages for c in m.tool_calls)
    chars += sum(len(t.name) + len(t.description) + len(orjson.dumps(t.parameters)) for t in chat.tools)
    return max(1, -(-chars // CHARS_PER_TOKEN))
