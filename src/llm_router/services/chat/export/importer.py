"""Import an exported file: check all of it, then store it conversation by conversation.

Two passes over the (spooled) upload: the first parses every item and stores nothing, so a file that
breaks half-way (truncated, not JSON) is refused whole with where it broke; the second stores each
conversation in one short transaction of its own. Each imported conversation keeps its source id
(``conversations.import_source``, unique per owner), so importing the same file again adds nothing.
Messages go in through the ordinary table, so the search index (triggers, generated columns) has them at
once.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import IO, Literal

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from llm_router.core.ids import new_id
from llm_router.db.engine import Database
from llm_router.db.models import Conversation, Message
from llm_router.services.chat.export.formats import ImportedConversation, SkipItem, parse_item
from llm_router.services.chat.export.reader import MalformedFile, read_items

MAX_ITEMS = 100_000

Outcome = Literal["imported", "duplicate", "skipped"]


@dataclass(frozen=True, slots=True)
class ItemResult:
    item: str  # where in the file: "conversations.json #3"
    outcome: Outcome
    format: str | None = None
    title: str = ""
    conversation_id: str | None = None
    messages: int = 0
    reason: str | None = None  # why skipped, or what was left out of an imported one


@dataclass(slots=True)
class ImportReport:
    items: list[ItemResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.items if r.outcome == outcome)


def _check_file(file: IO[bytes], filename: str) -> int:
    count = 0
    for count, (_label, item) in enumerate(read_items(file, filename), start=1):
        if count > MAX_ITEMS:
            raise MalformedFile(f"{filename}: more than {MAX_ITEMS} conversations; split the file")
        with contextlib.suppress(SkipItem):  # reported in the second pass
            parse_item(item)
    if count == 0:
        raise MalformedFile(f"{filename}: no conversations in this file")
    return count


def _rows(conversation: ImportedConversation, conversation_id: str, owner_id: str) -> list[dict[str, object]]:
    ids = {m.key: new_id() for m in conversation.messages}
    rows: list[dict[str, object]] = []
    for message in conversation.messages:
        row: dict[str, object] = {
            "reasoning_content": "",
            "parts": [],
            "params": {},
            "status": "complete",
            "tokens_in": 0,
            "tokens_out": 0,
            "tokens_reasoning": 0,
            "tokens_cached": 0,
            "updated_at": message.created_at,
            **message.extra,
            "id": ids[message.key],
            "conversation_id": conversation_id,
            "owner_id": owner_id,
            "parent_id": ids[message.parent_key] if message.parent_key else None,
            "role": message.role,
            "content": message.content,
            "created_at": message.created_at,
        }
        rows.append(row)
    return rows


async def _store(db: Database, owner_id: str, conversation: ImportedConversation) -> str | None:
    """The new conversation's id, or ``None`` when this source was imported before."""
    conversation_id = new_id()
    rows = _rows(conversation, conversation_id, owner_id)
    by_key = {m.key: row for m, row in zip(conversation.messages, rows, strict=True)}
    leaf = by_key.get(conversation.active_leaf_key or "")
    try:
        async with db.write() as session:
            exists = await session.scalar(
                select(Conversation.id).where(
                    Conversation.owner_id == owner_id, Conversation.import_source == conversation.source_id
                )
            )
            if exists is not None:
                return None
            session.add(
                Conversation(
                    id=conversation_id,
                    owner_id=owner_id,
                    title=conversation.title,
                    import_source=conversation.source_id,
                    active_leaf_id=leaf["id"] if leaf else None,
                    message_count=len(rows),
                    total_cost=sum(m.extra.get("cost") or 0.0 for m in conversation.messages),
                    created_at=conversation.created_at,
                    updated_at=conversation.updated_at,
                    **conversation.fields,
                )
            )
            await session.flush()
            await session.execute(insert(Message), rows)
    except IntegrityError:  # the same file imported at the same moment by another request
        return None
    return conversation_id


async def import_file(db: Database, owner_id: str, file: IO[bytes], filename: str) -> ImportReport:
    """Import every conversation of an export; a broken file raises ``MalformedFile`` and stores nothing."""
    await asyncio.to_thread(_check_file, file, filename)
    report = ImportReport()
    for label, item in read_items(file, filename):
        try:
            kind, conversation = parse_item(item)
        except SkipItem as exc:
            report.items.append(ItemResult(label, "skipped", reason=str(exc)))
            continue
        conversation_id = await _store(db, owner_id, conversation)
        report.items.append(
            ItemResult(
                label,
                "imported" if conversation_id else "duplicate",
                format=kind,
                title=conversation.title,
                conversation_id=conversation_id,
                messages=len(conversation.messages),
                reason="; ".join(conversation.notes) if conversation_id else "imported before",
            )
        )
    return report
