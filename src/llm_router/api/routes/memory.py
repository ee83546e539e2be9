"""``/api/memory``: the opt-in switch, your memories and the cheap model's proposals (accept or reject)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import CurrentUser, DatabaseDep, Services
from llm_router.db.models_plans import Memory
from llm_router.services.library import memory as memories
from llm_router.services.library.memory import MAX_MEMORY_CHARS

router = APIRouter(prefix="/api/memory", tags=["memory"])

Fact = Field(min_length=1, max_length=MAX_MEMORY_CHARS, examples=["Prefers answers in metric units"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MemoryCreate(_Body):
    text: str = Fact


class MemoryUpdate(_Body):
    text: str | None = Field(default=None, min_length=1, max_length=MAX_MEMORY_CHARS)
    accept: bool = Field(default=False, description="Accept a proposal: it joins new conversations")


class MemorySettingsUpdate(_Body):
    enabled: bool


class ProposeRequest(_Body):
    conversation_id: str = Field(pattern=r"^[0-9a-f]{32}$")


class MemoryPublic(BaseModel):
    id: str
    text: str
    status: str = Field(description="`accepted` (joins new conversations) or `proposed` (waits for you)")
    conversation_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, memory: Memory) -> MemoryPublic:
        return cls(**{name: getattr(memory, name) for name in cls.model_fields})


class MemoryOverviewPublic(BaseModel):
    enabled: bool = Field(description="Memory is on: new conversations get your accepted memories")
    memories: list[MemoryPublic]
    proposals: list[MemoryPublic]


async def _overview(db: DatabaseDep, owner_id: str) -> MemoryOverviewPublic:
    view = await memories.overview(db, owner_id)
    return MemoryOverviewPublic(
        enabled=view.enabled,
        memories=[MemoryPublic.of(m) for m in view.memories],
        proposals=[MemoryPublic.of(m) for m in view.proposals],
    )


@router.get("", summary="Your memory setting, memories and pending proposals")
async def get_memory(user: CurrentUser, db: DatabaseDep) -> MemoryOverviewPublic:
    return await _overview(db, user.id)


@router.put("/settings", summary="Turn memory on or off (off by default)")
async def set_memory_settings(
    body: MemorySettingsUpdate, user: CurrentUser, db: DatabaseDep
) -> MemoryOverviewPublic:
    await memories.set_enabled(db, user.id, body.enabled)
    return await _overview(db, user.id)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Remember a fact (/remember)")
async def add_memory(body: MemoryCreate, user: CurrentUser, db: DatabaseDep) -> MemoryPublic:
    return MemoryPublic.of(await memories.add_memory(db, user.id, body.text))


@router.patch("/{memory_id}", summary="Edit a memory, or accept a proposal", responses={404: {}})
async def update_memory(
    memory_id: str, body: MemoryUpdate, user: CurrentUser, db: DatabaseDep
) -> MemoryPublic:
    memory = await memories.update_memory(db, user.id, memory_id, text=body.text, accept=body.accept)
    return MemoryPublic.of(memory)


@router.delete(
    "/{memory_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a memory or reject a proposal"
)
async def delete_memory(memory_id: str, user: CurrentUser, db: DatabaseDep) -> None:
    await memories.delete_memory(db, user.id, memory_id)


@router.post("/propose", summary="Ask the cheap model to propose memories from a conversation")
async def propose(body: ProposeRequest, user: CurrentUser, services: Services) -> list[MemoryPublic]:
    """The proposals are stored as `proposed`: nothing joins a prompt until you accept it."""
    return [MemoryPublic.of(m) for m in await services.memory.propose(user.id, body.conversation_id)]
