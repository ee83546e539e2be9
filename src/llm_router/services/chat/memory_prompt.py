"""Memories in a turn: a conversation with ``memory`` on sends its owner's accepted memories (when the
owner has memory enabled) at the end of the system prompt. Never to a cloud model under ``#no_cloud``:
such a plan holds only local models, and a plan that could still reach the cloud gets no memories.

The memories themselves are kept by ``services.library.memory``; this reads them inside the turn's
transaction, so the turn sees exactly what was accepted before it.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from llm_router.db.models import User
from llm_router.db.models_plans import Memory
from llm_router.services.routing import Plan

MEMORY_HEADER = "Things the user asked you to remember about them (use them when relevant):"
MAX_MEMORY_CHARS = 8000  # the newest memories first, up to this much text


async def memories_for(session: AsyncSession, owner_id: str) -> list[str]:
    """The accepted memories of a user with memory enabled, newest first (none when it is off)."""
    rows = await session.scalars(
        select(Memory.text)
        .join(User, User.id == Memory.owner_id)
        .where(Memory.owner_id == owner_id, Memory.status == "accepted", User.memory_enabled.is_(True))
        .order_by(Memory.created_at.desc(), Memory.id)
    )
    kept: list[str] = []
    total = 0
    for text in rows:
        total += len(text)
        if total > MAX_MEMORY_CHARS:
            break
        kept.append(text)
    return kept


def memory_block(memories: list[str]) -> str:
    return "\n".join([MEMORY_HEADER, *(f"- {text}" for text in memories)])


def may_carry_memory(plan: Plan) -> bool:
    """Memories may go wherever the plan may go, except to the cloud under ``#no_cloud``."""
    if not plan.no_cloud:
        return True
    models = (*plan.chain, *((plan.local,) if plan.local else ()))
    return all(m.is_local for m in models)


def with_memory(plan: Plan, memories: list[str]) -> tuple[Plan, int]:
    """The plan with ``memories`` after its system prompt, and how many were added (0: none allowed)."""
    if not memories or not may_carry_memory(plan):
        return plan, 0
    system = plan.request.system
    block = memory_block(memories)
    merged = f"{system.rstrip()}\n\n{block}" if system and system.strip() else block
    return replace(plan, request=replace(plan.request, system=merged)), len(memories)
