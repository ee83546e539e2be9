"""``/api/conversations``: list, create, read, change, delete, switch branch, clone, send a message."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from llm_router.api.deps import AttachmentsDep, CurrentUser, DatabaseDep, DeviceId, JobsDep, MediaDep
from llm_router.api.schemas import (
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
from llm_router.core.errors import AppError
from llm_router.services.chat import ModelChoice, TurnInput, conversations
from llm_router.services.library.entries import Actor
from llm_router.services.library.presets import conversation_fields, default_preset

Responses = dict[int | str, dict[str, Any]]

router = APIRouter(prefix="/api/conversations", tags=["conversations"])

NOT_FOUND: Responses = {404: {"description": "No such conversation (or another user's)"}}
EXAMPLE_ID = "3f2a9c1e5b7d4f60a1b2c3d4e5f60718"


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
    preset = await default_preset(db, Actor(user.id))  # the user's default preset fills what is not given
    fields = {**(conversation_fields(preset) if preset else {}), **fields}
    view = await conversations.create_conversation(db, user.id, device_id, fields)
    return ConversationPublic.of_view(view)


def _cursor(description: str) -> Any:
    return Query(pattern=r"^[0-9a-f]{32}$", description=description, examples=[EXAMPLE_ID])


Before = Annotated[str | None, _cursor("The page just above this message (scrolling up)")]
After = Annotated[str | None, _cursor("The page just below this message (scrolling down)")]
Around = Annotated[str | None, _cursor("A page with this message near its middle (a search hit)")]
PageLimit = Annotated[
    int,
    Query(
        ge=1,
        le=conversations.MAX_PAGE_SIZE,
        description=f"Messages per page (1–{conversations.MAX_PAGE_SIZE})",
    ),
]

OPEN_DESCRIPTION = f"""The conversation with **one page** of the path it shows (`messages`, root side first).

Without a cursor: the newest `limit` messages (default {conversations.DEFAULT_PAGE_SIZE}), which is what
the web app opens with. `path_length`, `path_offset`, `has_earlier` and `has_later` say where the page
lies. Then, at most one of:
- `before=<id>`: the `limit` messages just above that message (scrolling up: pass `messages[0].id`);
- `after=<id>`: the `limit` messages just below it (scrolling down: pass `messages[-1].id`);
- `around=<id>`: a page with that message near its middle (jumping to a search hit).

Pages are cut from the active path; if the cursor message is no longer on it (the branch was switched
elsewhere), from the path through that message, so a client's older pages stay consistent. Walking
`before` from the newest page to `has_earlier: false` yields the whole path exactly once."""

PAGE_EXAMPLE = {
    "summary": "the newest page of a long conversation",
    "value": {
        "id": EXAMPLE_ID,
        "title": "SQLite durability",
        "model": "gpt-5.1",
        "created_at": "2026-11-20T09:00:00Z",
        "updated_at": "2026-11-22T07:00:00Z",
        "message_count": 10000,
        "total_cost": 1.42,
        "parent_conversation_id": None,
        "temperature": None,
        "reasoning": "low",
        "system_prompt": "",
        "active_leaf_id": "9d41c2e07b3a4f6e8a5b1c2d3e4f5a6b",
        "branch_message_id": None,
        "messages": [  # 100 of them; only the last one (the active leaf) is shown here
            {
                "id": "9d41c2e07b3a4f6e8a5b1c2d3e4f5a6b",
                "conversation_id": EXAMPLE_ID,
                "parent_id": "5be0f1d2c3b4a5968778695a4b3c2d1e",
                "role": "assistant",
                "content": "WAL keeps readers and the writer out of each other's way…",
                "reasoning_content": "",
                "parts": [],
                "status": "complete",
                "model": "gpt-5.1",
                "provider": "openai",
                "params": {"reasoning": "low"},
                "finish_reason": "stop",
                "tokens_in": 812,
                "tokens_out": 164,
                "tokens_reasoning": 0,
                "tokens_cached": 768,
                "cost": 0.0021,
                "latency_ms": 2310,
                "ttft_ms": 412,
                "error": None,
                "error_kind": None,
                "created_at": "2026-11-22T07:00:00Z",
                "updated_at": "2026-11-22T07:00:02Z",
                "sibling_ids": ["1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f", "9d41c2e07b3a4f6e8a5b1c2d3e4f5a6b"],
                "sibling_index": 1,
            }
        ],
        "path_length": 10000,
        "path_offset": 9900,
        "has_earlier": True,
        "has_later": False,
    },
}


@router.get(
    "/{conversation_id}",
    summary="A conversation with one page of its active path (the newest by default)",
    description=OPEN_DESCRIPTION,
    responses={
        **NOT_FOUND,
        200: {"content": {"application/json": {"examples": {"newest": PAGE_EXAMPLE}}}},
        422: {"description": "`limit` out of range, a malformed cursor, or more than one cursor"},
    },
)
async def get_conversation(
    conversation_id: str,
    user: CurrentUser,
    db: DatabaseDep,
    limit: PageLimit = conversations.DEFAULT_PAGE_SIZE,
    before: Before = None,
    after: After = None,
    around: Around = None,
) -> ConversationPublic:
    if sum(cursor is not None for cursor in (before, after, around)) > 1:
        raise AppError(
            "pass at most one of before, after and around", status_code=422, code="invalid_request"
        )
    page = conversations.PageRequest(limit=limit, before=before, after=after, around=around)
    view = await conversations.get_conversation(db, user.id, conversation_id, page)
    return ConversationPublic.of_view(view)


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
    conversation_id: str, user: CurrentUser, db: DatabaseDep, jobs: JobsDep, media: MediaDep
) -> Response:
    await conversations.check_conversation(db, user.id, conversation_id)  # 404 before touching jobs
    await jobs.stop_conversation(conversation_id)
    files = await media.files_of_conversation(conversation_id)
    await conversations.delete_conversation(db, user.id, conversation_id)  # its media rows go with it
    await media.remove_orphans(files)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{conversation_id}/switch",
    summary="Show the path through a message (then down its newest children)",
    description=(
        "Answers the page of the new path **around** that message (as `GET ?around=`), so switching "
        "a version deep in a long conversation keeps the reader where they are."
    ),
    responses=NOT_FOUND,
)
async def switch_branch(
    conversation_id: str,
    body: SwitchRequest,
    user: CurrentUser,
    db: DatabaseDep,
    limit: PageLimit = conversations.DEFAULT_PAGE_SIZE,
) -> ConversationPublic:
    view = await conversations.switch_branch(db, user.id, conversation_id, body.message_id, limit)
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
    conversation_id: str,
    body: MessageCreate,
    user: CurrentUser,
    jobs: JobsDep,
    device_id: DeviceId,
    attachments: AttachmentsDep,
) -> TurnPublic:
    choice = ModelChoice(body.model, body.temperature, body.reasoning)
    refs = body.attachments or []
    parts = await attachments.parts(user.id, [r.id for r in refs], {r.id: r.name or "" for r in refs})
    turn = await jobs.start(
        TurnInput(
            "send",
            user.id,
            conversation_id=conversation_id,
            content=body.content,
            parent_id=body.parent_id,
            choice=choice,
            device_id=device_id,
            attachments=parts,
        )
    )
    assert turn.user_message is not None
    return TurnPublic(
        user_message=MessagePublic.of(turn.user_message),
        assistant_message=MessagePublic.of(turn.assistant_message),
    )
