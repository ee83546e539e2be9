"""``/api/conversations``: list, create, read, change, delete, switch branch, clone, send a message."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from llm_router.api.chat_schemas import (
    ConversationCreate,
    ConversationPage,
    ConversationPublic,
    ConversationSummary,
    ConversationUpdate,
    MessageCreate,
    MessagePublic,
    SwitchRequest,
    SystemPromptUpdate,
    TurnPublic,
)
from llm_router.api.deps import CurrentUser, DatabaseDep, DeviceId
from llm_router.services import conversations
from llm_router.services.generation import GenerationManager
from llm_router.services.model_choice import ModelChoice

Responses = dict[int | str, dict[str, Any]]

router = APIRouter(prefix="/api/conversations", tags=["conversations"])

NOT_FOUND: Responses = {404: {"description": "No such conversation (or another user's)"}}


def get_jobs(request: Request) -> GenerationManager:
    jobs: GenerationManager = request.app.state.jobs
    return jobs


JobsDep = Annotated[GenerationManager, Depends(get_jobs)]


@router.get("", summary="List conversations, most recently updated first")
async def list_conversations(
    user: CurrentUser,
    db: DatabaseDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ConversationPage:
    rows, next_cursor = await conversations.list_conversations(db, user.id, limit=limit, cursor=cursor)
    return ConversationPage(items=[ConversationSummary.of(c) for c in rows], next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a conversation")
async def create_conversation(
    body: ConversationCreate, user: CurrentUser, db: DatabaseDep, device_id: DeviceId
) -> ConversationPublic:
    fields = body.model_dump(exclude_none=True)
    view = await conversations.create_conversation(db, user.id, device_id, fields)
    return ConversationPublic.of_view(view)


@router.get("/{conversation_id}", summary="A conversation with its active path", responses=NOT_FOUND)
async def get_conversation(conversation_id: str, user: CurrentUser, db: DatabaseDep) -> ConversationPublic:
    return ConversationPublic.of_view(await conversations.get_conversation(db, user.id, conversation_id))


@router.patch(
    "/{conversation_id}",
    summary="Rename, or change model, temperature, reasoning or system prompt",
    responses=NOT_FOUND,
)
async def update_conversation(
    conversation_id: str, body: ConversationUpdate, user: CurrentUser, db: DatabaseDep
) -> ConversationPublic:
    fields = body.model_dump(exclude_unset=True)
    view = await conversations.update_conversation(db, user.id, conversation_id, fields)
    return ConversationPublic.of_view(view)


@router.post(
    "/{conversation_id}/system",
    summary="Append a paragraph to the system prompt, or replace it",
    responses=NOT_FOUND,
)
async def set_system_prompt(
    conversation_id: str, body: SystemPromptUpdate, user: CurrentUser, db: DatabaseDep
) -> ConversationPublic:
    view = await conversations.set_system_prompt(db, user.id, conversation_id, body.text, body.mode)
    return ConversationPublic.of_view(view)


@router.delete(
    "/{conversation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a conversation and all its messages",
    responses=NOT_FOUND,
)
async def delete_conversation(
    conversation_id: str, user: CurrentUser, db: DatabaseDep, jobs: JobsDep
) -> Response:
    await conversations.get_conversation(db, user.id, conversation_id)  # 404 before touching jobs
    await jobs.stop_conversation(conversation_id)
    await conversations.delete_conversation(db, user.id, conversation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{conversation_id}/switch",
    summary="Show the path through a message (then down its newest children)",
    responses=NOT_FOUND,
)
async def switch_branch(
    conversation_id: str, body: SwitchRequest, user: CurrentUser, db: DatabaseDep
) -> ConversationPublic:
    view = await conversations.switch_branch(db, user.id, conversation_id, body.message_id)
    return ConversationPublic.of_view(view)


@router.post(
    "/{conversation_id}/clone",
    status_code=status.HTTP_201_CREATED,
    summary="Copy the whole conversation tree into a new conversation",
    responses=NOT_FOUND,
)
async def clone_conversation(
    conversation_id: str, user: CurrentUser, db: DatabaseDep, device_id: DeviceId
) -> ConversationPublic:
    view = await conversations.clone_conversation(db, user.id, conversation_id, device_id)
    return ConversationPublic.of_view(view)


@router.post(
    "/{conversation_id}/messages",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a message; the answer is generated in the background",
    description=(
        "Stores the user message and a `pending` assistant message, starts generating and answers at "
        "once. Watch the answer with `GET /api/messages/{id}/stream` or poll `GET /api/messages/{id}`."
    ),
    responses={
        **NOT_FOUND,
        409: {"description": "An answer is still being generated on this branch"},
    },
)
async def send_message(
    conversation_id: str, body: MessageCreate, user: CurrentUser, jobs: JobsDep, device_id: DeviceId
) -> TurnPublic:
    choice = ModelChoice(body.model, body.temperature, body.reasoning)
    turn = await jobs.send(user.id, conversation_id, body.content, body.parent_id, choice, device_id)
    assert turn.user_message is not None
    return TurnPublic(
        user_message=MessagePublic.of(turn.user_message),
        assistant_message=MessagePublic.of(turn.assistant_message),
    )
