"""Long conversations written straight into the database (one bulk insert, like
``benchmarks/search.py``), for paging tests: sending hundreds of messages through the API would take
minutes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from llm_router.core.ids import new_id
from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID, Conversation, Message, User


@dataclass
class SeededConversation:
    id: str
    path: list[str]  # the active path, root first
    contents: dict[str, str]
    siblings: dict[str, list[str]] = field(default_factory=dict)  # only where there are several
    alternatives: dict[int, str] = field(default_factory=dict)  # path position → its newer sibling


def _message(
    conversation_id: str, owner_id: str, parent: str | None, index: int, stamp: datetime, text: str
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "conversation_id": conversation_id,
        "owner_id": owner_id,
        "parent_id": parent,
        "role": "user" if index % 2 == 0 else "assistant",
        "content": text,
        "reasoning_content": "",
        "parts": [],
        "params": {},
        "status": "complete",
        "model": None if index % 2 == 0 else "gpt-4o",
        "tokens_in": 0,
        "tokens_out": 0,
        "tokens_reasoning": 0,
        "tokens_cached": 0,
        "created_at": stamp,
        "updated_at": stamp,
    }


def build(
    length: int,
    *,
    owner_id: str = OWNER_USER_ID,
    branch_every: int = 0,
    title: str = "Long",
    model: str = "gpt-4o",
) -> tuple[SeededConversation, dict[str, Any], list[dict[str, Any]]]:
    """A path of ``length`` messages ("message 0" … "message N-1", user/assistant alternating).

    With ``branch_every=k``, every k-th message (position k-1, 2k-1, …) gets a *newer* sibling
    ("alternative K") with one answer below it, so the active path runs through the older sibling there:
    the active path is not simply "the newest child everywhere".
    """
    conversation_id = new_id()
    clock = datetime(2026, 1, 1, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    seeded = SeededConversation(conversation_id, [], {})
    parent: str | None = None
    for index in range(length):
        clock += timedelta(seconds=1)
        row = _message(conversation_id, owner_id, parent, index, clock, f"message {index}")
        rows.append(row)
        seeded.path.append(row["id"])
        seeded.contents[row["id"]] = row["content"]
        if branch_every and index % branch_every == branch_every - 1:
            clock += timedelta(milliseconds=1)
            alternative = _message(conversation_id, owner_id, parent, index, clock, f"alternative {index}")
            clock += timedelta(milliseconds=1)
            below = _message(conversation_id, owner_id, alternative["id"], index + 1, clock, f"below {index}")
            rows.extend([alternative, below])
            seeded.contents[alternative["id"]] = alternative["content"]
            seeded.contents[below["id"]] = below["content"]
            seeded.siblings[row["id"]] = [row["id"], alternative["id"]]
            seeded.siblings[alternative["id"]] = [row["id"], alternative["id"]]
            seeded.alternatives[index] = alternative["id"]
        parent = row["id"]
    conversation = {
        "id": conversation_id,
        "owner_id": owner_id,
        "title": title,
        "system_prompt": "",
        "model": model,
        "active_leaf_id": parent,
        "message_count": len(rows),
        "total_cost": 0.0,
        "created_at": clock,
        "updated_at": clock,
    }
    return seeded, conversation, rows


async def _insert(database_url: str, conversation: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    db = Database(database_url)  # its own engine: the server's belongs to the server's event loop
    try:
        async with db.write() as session:
            await session.execute(insert(Conversation.__table__), [conversation])
            for start in range(0, len(rows), 1000):
                await session.execute(insert(Message.__table__), rows[start : start + 1000])
    finally:
        await db.dispose()


def seed_conversation(database_url: str, length: int, **options: Any) -> SeededConversation:
    """Write a conversation of ``length`` path messages (see ``build``) and return its shape."""
    seeded, conversation, rows = build(length, **options)
    asyncio.run(_insert(database_url, conversation, rows))
    return seeded


def insert_user(database_url: str, username: str) -> str:
    """Another account (no password needed for these tests); its id."""

    async def insert() -> str:
        db = Database(database_url)
        try:
            async with db.write() as session:
                user = User(username=username)
                session.add(user)
                await session.flush()
                return user.id
        finally:
            await db.dispose()

    return asyncio.run(insert())
