"""OpenAI Responses API: ``POST /v1/responses`` (stream and not), ``GET``/``DELETE /v1/responses/{id}``.

Codex CLI speaks only this API. A request is translated to the neutral ``ChatRequest``
(``responses_translate``) and routed like every other ``/v1`` call through ``V1Call``; the answer comes
back as a ``response`` object or as the Responses event stream (``responses_stream``). With
``store: true`` (the API's default) the response and its conversation are kept (``responses_store``),
so a later request can continue it with ``previous_response_id``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse

from llm_router.api.deps import DatabaseDep
from llm_router.api.v1 import responses_store as store
from llm_router.api.v1.call import V1Call, json_response
from llm_router.api.v1.responses_stream import ResponsesStreamEncoder
from llm_router.api.v1.responses_translate import (
    ResponsesBody,
    input_items,
    output_items,
    response_json,
    to_chat_request,
)
from llm_router.core.ids import new_id
from llm_router.db.engine import Database
from llm_router.providers.base import ChatResult

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


@router.post("/responses", summary="OpenAI Responses API (stream and non-stream; Codex CLI)")
async def create_response(call: V1Call, db: DatabaseDep) -> Response:
    body = await call.body(ResponsesBody)
    owner = call.principal.user_id
    history = await store.history(db, owner, body.previous_response_id) if body.previous_response_id else []
    chat = to_chat_request(body, history)
    response_id, created = f"resp_{new_id()}", int(time.time())
    rendered: list[dict[str, Any]] = []
    encoders: list[ResponsesStreamEncoder] = []

    def render(result: ChatResult, model: str) -> dict[str, Any]:
        out = response_json(
            body,
            response_id,
            model,
            status="completed",
            output=output_items(result),
            usage=result.usage,
            created_at=created,
            finish=result.finish,
        )
        rendered.append(out)
        return out

    def encoder(model: str) -> ResponsesStreamEncoder:
        encoders.append(ResponsesStreamEncoder(body, response_id, model, created))
        return encoders[-1]

    response = await call.respond("openai", chat, stream=body.stream, render=render, encoder=encoder)
    if not body.store:
        return response
    items = [*history, *input_items(body)]
    if isinstance(response, StreamingResponse) and encoders:
        response.body_iterator = _saving(response.body_iterator, encoders[0], db, owner, items)
    elif rendered:
        await store.save(db, owner, rendered[0], items)
    return response


async def _saving(
    chunks: Any, encoder: ResponsesStreamEncoder, db: Database, owner: str, items: list[dict[str, Any]]
) -> AsyncIterator[Any]:
    """Pass the stream on; store the response before the chunk that says ``response.completed`` leaves,
    so a client continuing at once finds it."""
    saved = False
    try:
        async for chunk in chunks:
            if encoder.final is not None and not saved:
                saved = True
                await store.save(db, owner, encoder.final, items)
            yield chunk
    finally:
        close = getattr(chunks, "aclose", None)
        if close is not None:
            await close()


@router.get("/responses/{response_id}", summary="A stored response (owner only)")
async def get_response(response_id: str, call: V1Call, db: DatabaseDep) -> Response:
    return json_response(await store.fetch(db, call.principal.user_id, response_id))


@router.delete("/responses/{response_id}", summary="Delete a stored response (owner only)")
async def delete_response(response_id: str, call: V1Call, db: DatabaseDep) -> Response:
    await store.remove(db, call.principal.user_id, response_id)
    return json_response({"id": response_id, "object": "response", "deleted": True})
