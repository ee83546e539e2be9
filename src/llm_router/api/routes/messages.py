"""``/api/messages/{id}``: read (poll), stream (SSE), cancel, regenerate, edit, continue, branch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, status
from fastapi.responses import StreamingResponse

from llm_router.api.deps import AttachmentsDep, CurrentUser, DatabaseDep, DeviceId, JobsDep
from llm_router.api.schemas import (
    AnswerPublic,
    ConversationPublic,
    MessageEdit,
    MessagePublic,
    RegenerateRequest,
    TurnPublic,
)
from llm_router.services.chat import ModelChoice, TurnInput, conversations
from llm_router.services.chat.watch import MessageWatch, StreamItem

Responses = dict[int | str, dict[str, Any]]

router = APIRouter(prefix="/api/messages", tags=["messages"])

NOT_FOUND: Responses = {404: {"description": "No such message (or another user's)"}}
BUSY: Responses = {409: {"description": "An answer is still being generated on this branch"}}

STREAM_DESCRIPTION = """Server-sent events: `message` (the message, its text cut at the resume point),
then `delta` / `reasoning` events (`{"text": "…"}`) whose ids are `"<text_len>:<reasoning_len>"`, then
`done` (the final message) for every final status. Reconnect with `Last-Event-ID` to receive exactly the
characters after those offsets. A finished message replays in full and ends. `: ping` every 15 s."""


@router.get("/{message_id}", summary="One message (for polling)", responses=NOT_FOUND)
async def get_message(message_id: str, user: CurrentUser, db: DatabaseDep) -> MessagePublic:
    return MessagePublic.of(await conversations.get_message(db, user.id, message_id))


def _sse(item: StreamItem) -> str:
    if item.event == "ping":
        return ": ping\n\n"
    if item.message is not None:
        public = MessagePublic.of(item.message)
        if item.event == "message":  # the client has exactly the text up to its resume offsets
            public.content = public.content[: item.offsets[0]]
            public.reasoning_content = public.reasoning_content[: item.offsets[1]]
        data = public.model_dump_json()
    else:
        data = _json_text(item.text)
    return f"id: {item.event_id}\nevent: {item.event}\ndata: {data}\n\n"


def _json_text(text: str) -> str:
    return orjson.dumps({"text": text}).decode()


async def _encode(watch: MessageWatch) -> AsyncIterator[str]:
    async for item in watch.events():
        yield _sse(item)


@router.get(
    "/{message_id}/stream",
    summary="Watch a message as it is generated (SSE, resumable)",
    description=STREAM_DESCRIPTION,
    response_class=StreamingResponse,
    responses={**NOT_FOUND, 200: {"content": {"text/event-stream": {}}}},
)
async def stream_message(
    message_id: str,
    user: CurrentUser,
    db: DatabaseDep,
    jobs: JobsDep,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
) -> StreamingResponse:
    watch = await MessageWatch(db, jobs, user.id, message_id).open(last_event_id)
    return StreamingResponse(
        _encode(watch),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post("/{message_id}/cancel", summary="Stop generating; the text so far is kept", responses=NOT_FOUND)
async def cancel_message(message_id: str, user: CurrentUser, jobs: JobsDep) -> MessagePublic:
    return MessagePublic.of(await jobs.cancel(user.id, message_id))


@router.post(
    "/{message_id}/regenerate",
    status_code=status.HTTP_202_ACCEPTED,
    summary="A new answer beside an assistant message (a sibling)",
    responses={**NOT_FOUND, **BUSY},
)
async def regenerate_message(
    message_id: str,
    user: CurrentUser,
    jobs: JobsDep,
    device_id: DeviceId,
    body: RegenerateRequest | None = None,
) -> AnswerPublic:
    body = body or RegenerateRequest()
    choice = ModelChoice(body.model, body.temperature, body.reasoning)
    turn = await jobs.start(
        TurnInput("regenerate", user.id, message_id=message_id, choice=choice, device_id=device_id)
    )
    return AnswerPublic(assistant_message=MessagePublic.of(turn.assistant_message))


@router.post(
    "/{message_id}/edit",
    status_code=status.HTTP_202_ACCEPTED,
    summary="A new version of a user message (a sibling branch), answered",
    responses={**NOT_FOUND, **BUSY},
)
async def edit_message(
    message_id: str,
    body: MessageEdit,
    user: CurrentUser,
    jobs: JobsDep,
    device_id: DeviceId,
    attachments: AttachmentsDep,
) -> TurnPublic:
    parts = None
    if body.attachments is not None:
        refs = body.attachments
        parts = await attachments.parts(user.id, [r.id for r in refs], {r.id: r.name or "" for r in refs})
    turn = await jobs.start(
        TurnInput(
            "edit",
            user.id,
            message_id=message_id,
            content=body.content,
            device_id=device_id,
            attachments=parts,
        )
    )
    assert turn.user_message is not None
    return TurnPublic(
        user_message=MessagePublic.of(turn.user_message),
        assistant_message=MessagePublic.of(turn.assistant_message),
    )


@router.post(
    "/{message_id}/continue",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Generate on an interrupted, failed or cancelled answer, appending to it",
    responses={**NOT_FOUND, **BUSY},
)
async def continue_message(
    message_id: str, user: CurrentUser, jobs: JobsDep, device_id: DeviceId
) -> AnswerPublic:
    turn = await jobs.start(TurnInput("continue", user.id, message_id=message_id, device_id=device_id))
    return AnswerPublic(assistant_message=MessagePublic.of(turn.assistant_message))


@router.post(
    "/{message_id}/branch",
    status_code=status.HTTP_201_CREATED,
    summary="A new conversation holding the path from the root to this message",
    responses=NOT_FOUND,
)
async def branch_conversation(
    message_id: str, user: CurrentUser, db: DatabaseDep, device_id: DeviceId
) -> ConversationPublic:
    view = await conversations.branch_conversation(db, user.id, message_id, device_id)
    return ConversationPublic.of_view(view)
