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
import base64
import binascii
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from llm_router.core.errors import AppError
from llm_router.core.ids import new_id
from llm_router.db.engine import Database
from llm_router.db.models import Conversation, MediaFile, Message
from llm_router.services.chat.export.formats import (
    ImportedConversation,
    ImportedMessage,
    SkipItem,
    parse_item,
)
from llm_router.services.chat.export.reader import ArchiveFiles, MalformedFile, read_items

MAX_ITEMS = 100_000
MAX_MEDIA_MEMBER = 64 * 1024 * 1024  # a zip member larger than this is not read (the file limit is lower)

MediaRestorer = Callable[[dict[str, Any], bytes], Awaitable[str]]
"""Keeps one file of an export for the importing owner (checked and re-encoded as an upload is) and returns
its new media id; raises ``AppError`` when the file is refused."""

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


def _media_bytes(entry: dict[str, Any], files: ArchiveFiles) -> bytes | None:
    inline = entry.get("data_base64")
    if isinstance(inline, str):  # a single conversation's JSON export
        with contextlib.suppress(binascii.Error, ValueError):
            return base64.b64decode(inline, validate=True)
        return None
    name = entry.get("file")  # the zip of everything: media/<sha256>.<ext>
    return files.read(name, MAX_MEDIA_MEMBER) if isinstance(name, str) else None


def _remap(message: ImportedMessage, mapping: dict[str, str]) -> None:
    """Point a message's attachments, generated pictures and picture links at the files' new ids."""
    parts = message.extra.get("parts")
    if isinstance(parts, list):
        message.extra["parts"] = [
            {**p, "media_id": mapping[p["media_id"]]}
            if isinstance(p, dict) and p.get("media_id") in mapping
            else p
            for p in parts
        ]
    params = message.extra.get("params")
    if isinstance(params, dict) and isinstance(params.get("images"), list):
        message.extra["params"] = {**params, "images": [mapping.get(i, i) for i in params["images"]]}
    for old, new in mapping.items():
        message.content = message.content.replace(f"/api/media/{old}", f"/api/media/{new}")


async def _restore_media(
    conversation: ImportedConversation, files: ArchiveFiles, restore: MediaRestorer
) -> list[str]:
    """Keep the conversation's files and point its messages at them; the new media ids. A file that is
    missing or refused is named in the report and its messages keep their text."""
    mapping: dict[str, str] = {}
    for entry in conversation.media:
        label = str(entry.get("file") or entry["id"])
        data = _media_bytes(entry, files)
        if data is None:
            conversation.notes.append(f"{label}: not in the upload")
            continue
        try:
            mapping[entry["id"]] = await restore(entry, data)
        except AppError as exc:
            conversation.notes.append(f"{label}: {exc.message}")
    if mapping:
        for message in conversation.messages:
            _remap(message, mapping)
    return list(mapping.values())


async def _imported_before(db: Database, owner_id: str, source_id: str) -> bool:
    async with db.read() as session:
        found = await session.scalar(
            select(Conversation.id).where(
                Conversation.owner_id == owner_id, Conversation.import_source == source_id
            )
        )
    return found is not None


async def _store(
    db: Database, owner_id: str, conversation: ImportedConversation, media_ids: Sequence[str] = ()
) -> str | None:
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
            if media_ids:  # deleted with the conversation from now on
                await session.execute(
                    update(MediaFile)
                    .where(MediaFile.id.in_(media_ids), MediaFile.owner_id == owner_id)
                    .values(conversation_id=conversation_id)
                )
    except IntegrityError:  # the same file imported at the same moment by another request
        return None
    return conversation_id


async def import_file(
    db: Database,
    owner_id: str,
    file: IO[bytes],
    filename: str,
    restore_media: MediaRestorer | None = None,
) -> ImportReport:
    """Import every conversation of an export; a broken file raises ``MalformedFile`` and stores nothing.
    With ``restore_media``, our exports' attachments and generated pictures come back too."""
    await asyncio.to_thread(_check_file, file, filename)
    report = ImportReport()
    files = ArchiveFiles(file)
    try:
        for label, item in read_items(file, filename):
            try:
                kind, conversation = parse_item(item)
            except SkipItem as exc:
                report.items.append(ItemResult(label, "skipped", reason=str(exc)))
                continue
            conversation_id = await _import_one(db, owner_id, conversation, files, restore_media)
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
    finally:
        files.close()
    return report


async def _import_one(
    db: Database,
    owner_id: str,
    conversation: ImportedConversation,
    files: ArchiveFiles,
    restore_media: MediaRestorer | None,
) -> str | None:
    media_ids: list[str] = []
    if conversation.media and restore_media is not None:
        if await _imported_before(db, owner_id, conversation.source_id):
            return None  # its files are not kept a second time either
        media_ids = await _restore_media(conversation, files, restore_media)
    return await _store(db, owner_id, conversation, media_ids)
