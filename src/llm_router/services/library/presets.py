"""Presets: a model, reasoning effort, temperature and system prompt applied to a conversation in one
step, or chosen as the default that a user's new conversations start with.

A field left ``None`` leaves the conversation's setting as it is. Access rules and names are shared with
prompts (``entries``); applying to a conversation is the API's job (this room does not reach into chat).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from llm_router.core.ids import utcnow
from llm_router.db.engine import Database
from llm_router.db.models import DefaultPreset, Preset
from llm_router.services.library.entries import Actor, get_entry, visible_to

CONVERSATION_FIELDS = ("model", "reasoning", "temperature", "system_prompt")


def conversation_fields(preset: Preset) -> dict[str, Any]:
    """The conversation settings the preset sets (only those it names)."""
    values = {name: getattr(preset, name) for name in CONVERSATION_FIELDS}
    return {name: value for name, value in values.items() if value is not None}


async def default_preset(db: Database, actor: Actor) -> Preset | None:
    """The user's default preset, if one is set and still visible to them."""
    query = (
        select(Preset)
        .join(DefaultPreset, DefaultPreset.preset_id == Preset.id)
        .where(DefaultPreset.user_id == actor.user_id, visible_to(Preset, actor.user_id))
    )
    async with db.read() as session:
        return await session.scalar(query)


async def set_default(db: Database, actor: Actor, preset_id: str | None) -> Preset | None:
    """Make ``preset_id`` the user's default (404 unless they can see it); ``None`` clears it."""
    preset = await get_entry(db, actor, Preset, preset_id) if preset_id else None
    async with db.write() as session:
        await session.execute(delete(DefaultPreset).where(DefaultPreset.user_id == actor.user_id))
        if preset is not None:
            session.add(DefaultPreset(user_id=actor.user_id, preset_id=preset.id, updated_at=utcnow()))
    return preset
