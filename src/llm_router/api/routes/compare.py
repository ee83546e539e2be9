"""``/api/conversations/{id}/compare``: one prompt to 2–4 models at once, answered as sibling messages."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from llm_router.api.deps import CurrentUser, DeviceId, JobsDep
from llm_router.api.schemas import MessagePublic, Temperature, _Content
from llm_router.providers.base import ReasoningLevel
from llm_router.services.chat import ModelChoice
from llm_router.services.chat.compare import MAX_MODELS, MIN_MODELS, start_compare

router = APIRouter(prefix="/api/conversations", tags=["conversations"])


class CompareCreate(_Content):
    parent_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")  # default: the active leaf
    temperature: float | None = Temperature
    reasoning: ReasoningLevel | None = None
    models: list[str] = Field(
        min_length=MIN_MODELS,
        max_length=MAX_MODELS,
        description=f"{MIN_MODELS}–{MAX_MODELS} model names or route aliases, each answering once",
        examples=[["gpt-5.1", "claude-sonnet-4-5", "ollama/llama3.2"]],
    )


class ComparePublic(BaseModel):
    user_message: MessagePublic
    assistant_messages: list[MessagePublic] = Field(description="One pending answer per model, in order")


@router.post(
    "/{conversation_id}/compare",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send one prompt to several models at once; the answers are siblings",
    description=(
        "Stores the user message and one `pending` answer per model (children of that message), then "
        "generates them in parallel, each as a background job like any answer (watch each with "
        "`GET /api/messages/{id}/stream`). The conversation shows the first answer's branch; "
        "`POST /api/conversations/{id}/switch` with another answer continues on that one instead. "
        "Routes and `#no_cloud` apply to each model; if any model is unknown or refused, nothing is stored."
    ),
    responses={
        404: {"description": "No such conversation, or an unknown model (the available ones are named)"},
        409: {"description": "An answer is still being generated on this branch"},
        422: {"description": f"Fewer than {MIN_MODELS} or more than {MAX_MODELS} models, or a repeated one"},
    },
)
async def compare(
    conversation_id: str, body: CompareCreate, user: CurrentUser, jobs: JobsDep, device_id: DeviceId
) -> ComparePublic:
    stored = await start_compare(
        jobs,
        user.id,
        conversation_id,
        body.content,
        body.models,
        parent_id=body.parent_id,
        choice=ModelChoice(None, body.temperature, body.reasoning),
        device_id=device_id,
    )
    siblings = [m.id for m in stored.assistant_messages]
    return ComparePublic(
        user_message=MessagePublic.of(stored.user_message),
        assistant_messages=[MessagePublic.of(m, siblings) for m in stored.assistant_messages],
    )
