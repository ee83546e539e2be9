"""Memories: facts about a user that join the system prompt of that user's new conversations.

Opt-in per user (``users.memory_enabled``, off by default). A fact is stored by the user (``/remember``,
the Settings screen) as ``accepted``, or proposed by a cheap model (``memory_proposals``) as
``proposed``, which is shown to the user and joins no prompt until accepted. Each conversation has
its own switch (``conversations.memory``, set from the user's setting when it is created); the turn
reads the accepted memories in ``services.chat.memory_prompt``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, func, select, update

from llm_router.core.errors import AppError, NotFound
from llm_router.core.ids import new_id, utcnow
from llm_router.db.engine import Database
from llm_router.db.models import User
from llm_router.db.models_plans import Memory

MAX_MEMORY_CHARS = 500  # one fact, not a document
MAX_MEMORIES = 200  # accepted and proposed, per user


class InvalidMemory(AppError):
    """422: a memory's text is empty or too long."""

    status_code = 422
    code = "invalid_memory"


MemoryStatus = Literal["accepted", "proposed"]


@dataclass(frozen=True, slots=True)
class MemoryOverview:
    enabled: bool
    memories: list[Memory]  # accepted, newest first
    proposals: list[Memory]  # waiting for the user, newest first


def clean_fact(text: str) -> str:
    """One line of text: whitespace collapsed, a list marker dropped; 422 when empty or too long."""
    fact = " ".join(text.split()).lstrip("-•* ").strip()
    if not fact:
        raise InvalidMemory("a memory needs some text, e.g. /remember I prefer metric units")
    if len(fact) > MAX_MEMORY_CHARS:
        raise InvalidMemory(f"a memory is at most {MAX_MEMORY_CHARS} characters (this one has {len(fact)})")
    return fact


async def is_enabled(db: Database, owner_id: str) -> bool:
    async with db.read() as session:
        return bool(await session.scalar(select(User.memory_enabled).where(User.id == owner_id)))


async def set_enabled(db: Database, owner_id: str, enabled: bool) -> None:
    async with db.write() as session:
        await session.execute(update(User).where(User.id == owner_id).values(memory_enabled=enabled))


async def overview(db: Database, owner_id: str) -> MemoryOverview:
    async with db.read() as session:
        enabled = bool(await session.scalar(select(User.memory_enabled).where(User.id == owner_id)))
        rows = list(
            await session.scalars(
                select(Memory)
                .where(Memory.owner_id == owner_id)
                .order_by(Memory.created_at.desc(), Memory.id)
            )
        )
    return MemoryOverview(
        enabled,
        [m for m in rows if m.status == "accepted"],
        [m for m in rows if m.status == "proposed"],
    )


async def _room_for(db: Database, owner_id: str, adding: int) -> int:
    """How many of ``adding`` new memories fit under ``MAX_MEMORIES``."""
    async with db.read() as session:
        count = int(await session.scalar(select(func.count()).where(Memory.owner_id == owner_id)) or 0)
    return max(0, min(adding, MAX_MEMORIES - count))


async def existing_texts(db: Database, owner_id: str) -> list[str]:
    async with db.read() as session:
        return list(await session.scalars(select(Memory.text).where(Memory.owner_id == owner_id)))


async def add_memory(
    db: Database,
    owner_id: str,
    text: str,
    *,
    status: MemoryStatus = "accepted",
    conversation_id: str | None = None,
) -> Memory:
    """Store one fact (the user's own: ``accepted``). The same fact twice is stored once."""
    fact = clean_fact(text)
    async with db.write() as session:
        same = await session.scalar(
            select(Memory).where(Memory.owner_id == owner_id, func.lower(Memory.text) == fact.lower())
        )
        if same is not None:
            if status == "accepted" and same.status != "accepted":
                same.status = "accepted"
                same.updated_at = utcnow()
            return same
    if not await _room_for(db, owner_id, 1):
        raise AppError(f"you have {MAX_MEMORIES} memories already: delete some under Settings → Memory first")
    memory = Memory(id=new_id(), owner_id=owner_id, text=fact, status=status, conversation_id=conversation_id)
    async with db.write() as session:
        session.add(memory)
    return memory


async def add_proposals(db: Database, owner_id: str, facts: list[str], conversation_id: str) -> list[Memory]:
    """Store a cheap model's proposals (never accepted by this); facts already known are left out."""
    known = {t.lower() for t in await existing_texts(db, owner_id)}
    fresh: list[str] = []
    for raw in facts:
        try:
            fact = clean_fact(raw)
        except InvalidMemory:
            continue
        if fact.lower() not in known:
            known.add(fact.lower())
            fresh.append(fact)
    fresh = fresh[: await _room_for(db, owner_id, len(fresh))]
    rows = [
        Memory(id=new_id(), owner_id=owner_id, text=f, status="proposed", conversation_id=conversation_id)
        for f in fresh
    ]
    if rows:
        async with db.write() as session:
            session.add_all(rows)
    return rows


async def update_memory(
    db: Database, owner_id: str, memory_id: str, *, text: str | None = None, accept: bool = False
) -> Memory:
    """Edit a memory's text and/or accept a proposal (an edited proposal stays a proposal)."""
    fact = clean_fact(text) if text is not None else None
    async with db.write() as session:
        memory = await session.scalar(
            select(Memory).where(Memory.id == memory_id, Memory.owner_id == owner_id)
        )
        if memory is None:
            raise NotFound("memory not found")
        if fact is not None:
            memory.text = fact
        if accept:
            memory.status = "accepted"
        memory.updated_at = utcnow()
        return memory


async def delete_memory(db: Database, owner_id: str, memory_id: str) -> None:
    """Delete a memory, or reject a proposal."""
    async with db.write() as session:
        result = await session.execute(
            delete(Memory).where(Memory.id == memory_id, Memory.owner_id == owner_id)
        )
    if not getattr(result, "rowcount", 0):
        raise NotFound("memory not found")
