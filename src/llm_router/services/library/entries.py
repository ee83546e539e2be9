"""What prompts and presets share: who sees and who changes an entry, and unique names.

An entry is personal (``scope="user"``: only its owner sees it; anyone else gets the same 404 as for an
id that does not exist) or instance-wide (``"instance"``: everyone sees it, only an admin creates,
changes or deletes it). Names are unique among a user's personal entries and among the instance's; where
a personal and an instance entry share a name, the personal one is the one ``/p name`` means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from llm_router.core.errors import Conflict, Forbidden, NotFound
from llm_router.core.ids import new_id, utcnow
from llm_router.db.engine import Database
from llm_router.db.models import Preset, Prompt

Scope = Literal["user", "instance"]
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"

Entry = TypeVar("Entry", Prompt, Preset)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: their id, and whether they may manage instance-wide entries."""

    user_id: str
    is_admin: bool = False


def _what(model: type[Prompt] | type[Preset]) -> str:
    return "prompt" if model is Prompt else "preset"


def visible_to(model: type[Entry], user_id: str) -> Any:
    return or_(model.scope == "instance", and_(model.scope == "user", model.owner_id == user_id))


async def list_entries(db: Database, actor: Actor, model: type[Entry]) -> list[Entry]:
    """The user's own entries, then the instance's, each by name."""
    query = (
        select(model)
        .where(visible_to(model, actor.user_id))
        .order_by(model.scope.desc(), model.name, model.id)  # "user" sorts after "instance": desc
    )
    async with db.read() as session:
        return list((await session.scalars(query)).all())


async def _visible(session: AsyncSession, actor: Actor, model: type[Entry], entry_id: str) -> Entry:
    entry = await session.scalar(select(model).where(model.id == entry_id, visible_to(model, actor.user_id)))
    if entry is None:
        raise NotFound(f"{_what(model)} not found")
    return entry


async def get_entry(db: Database, actor: Actor, model: type[Entry], entry_id: str) -> Entry:
    async with db.read() as session:
        return await _visible(session, actor, model, entry_id)


def _may_manage(actor: Actor, model: type[Entry], scope: str) -> None:
    if scope == "instance" and not actor.is_admin:
        raise Forbidden(
            f"only an admin can create or change instance-wide {_what(model)}s; "
            "make it personal (scope: user) instead"
        )


async def _check_name(
    session: AsyncSession, model: type[Entry], scope: str, owner_id: str, name: str, entry_id: str | None
) -> None:
    query = select(model.id).where(model.scope == scope, model.name == name)
    if scope == "user":
        query = query.where(model.owner_id == owner_id)
    clash = await session.scalar(query)
    if clash is not None and clash != entry_id:
        where = "your personal" if scope == "user" else "the instance's"
        raise Conflict(f"{where} {_what(model)}s already have one named {name!r}: choose another name")


async def create_entry(
    db: Database, actor: Actor, model: type[Entry], scope: Scope, fields: dict[str, Any]
) -> Entry:
    _may_manage(actor, model, scope)
    async with db.write() as session:
        await _check_name(session, model, scope, actor.user_id, fields["name"], None)
        entry = model(id=new_id(), owner_id=actor.user_id, scope=scope, **fields)
        session.add(entry)
        return entry


async def update_entry(
    db: Database, actor: Actor, model: type[Entry], entry_id: str, fields: dict[str, Any]
) -> Entry:
    async with db.write() as session:
        entry = await _visible(session, actor, model, entry_id)
        _may_manage(actor, model, entry.scope)
        if "name" in fields:
            await _check_name(session, model, entry.scope, entry.owner_id, fields["name"], entry.id)
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.updated_at = utcnow()
        return entry


async def delete_entry(db: Database, actor: Actor, model: type[Entry], entry_id: str) -> None:
    async with db.write() as session:
        entry = await _visible(session, actor, model, entry_id)
        _may_manage(actor, model, entry.scope)
        await session.delete(entry)


async def upsert_entries(
    session: AsyncSession, actor: Actor, model: type[Entry], items: Sequence[tuple[Scope, dict[str, Any]]]
) -> tuple[int, int]:
    """Create or (same scope and name) update entries inside one transaction: (created, updated)."""
    created = updated = 0
    for scope, fields in items:
        _may_manage(actor, model, scope)
        query = select(model).where(model.scope == scope, model.name == fields["name"])
        if scope == "user":
            query = query.where(model.owner_id == actor.user_id)
        entry = await session.scalar(query)
        if entry is None:
            session.add(model(id=new_id(), owner_id=actor.user_id, scope=scope, **fields))
            created += 1
        else:
            for name, value in fields.items():
                setattr(entry, name, value)
            entry.updated_at = utcnow()
            updated += 1
        await session.flush()
    return created, updated
