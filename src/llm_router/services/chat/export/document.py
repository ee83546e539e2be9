"""The export document of one conversation: the whole tree, versioned (``docs/export-format.md``).

Messages are listed parents first (creation order), each with its ``parent_id``, so a reader rebuilds
every branch; ``active_leaf_id`` says which path the conversation shows. Fields are added, never renamed
or removed, within one ``version``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from llm_router.core.ids import utcnow
from llm_router.db.engine import Database
from llm_router.db.models import Conversation, MediaFile, Message
from llm_router.services.chat.conversations import load_messages, owned_conversation, tree_of

FORMAT = "llm-router.conversation"
VERSION = 1

CONVERSATION_FIELDS = (
    "id",
    "title",
    "model",
    "temperature",
    "reasoning",
    "system_prompt",
    "active_leaf_id",
    "message_count",
    "total_cost",
    "created_at",
    "updated_at",
)
MESSAGE_FIELDS = (
    "id",
    "parent_id",
    "role",
    "content",
    "reasoning_content",
    "parts",
    "model",
    "provider",
    "params",
    "status",
    "finish_reason",
    "tokens_in",
    "tokens_out",
    "tokens_reasoning",
    "tokens_cached",
    "cost",
    "latency_ms",
    "ttft_ms",
    "error",
    "error_kind",
    "created_at",
    "updated_at",
)


# attachments and generated pictures: ``media/<sha256>.<extension>`` in a zip export
MEDIA_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "text/plain": "txt",
}
MediaReader = Callable[[str, str], bytes | None]
"""The bytes of a stored file by its SHA-256 and type (``None`` when it is gone)."""


def media_entry(row: MediaFile) -> dict[str, Any]:
    return {
        "id": row.id,
        "mime": row.mime,
        "size": row.size,
        "width": row.width,
        "height": row.height,
        "source": row.source,
        "sha256": row.sha256,
        "file": f"media/{row.sha256}.{MEDIA_EXTENSIONS.get(row.mime, 'bin')}",
    }


def embed_media(document: dict[str, Any], read: MediaReader) -> dict[str, Any]:
    """The document with each file's content inline (``data_base64``): a single-file JSON export."""
    for entry in document.get("media", []):
        data = read(entry["sha256"], entry["mime"])
        entry["data_base64"] = base64.b64encode(data).decode() if data is not None else None
    return document


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def document_of(conversation: Conversation, messages: list[Message]) -> dict[str, Any]:
    tree = tree_of(messages)
    by_id = {m.id: m for m in messages}
    order = [i for root in tree.children.get(None, []) for i in tree.subtree(root)]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "conversation": {name: _plain(getattr(conversation, name)) for name in CONVERSATION_FIELDS},
        "messages": [{name: _plain(getattr(by_id[i], name)) for name in MESSAGE_FIELDS} for i in order],
    }


async def conversation_document(db: Database, owner_id: str, conversation_id: str) -> dict[str, Any]:
    """The whole tree of one of the owner's conversations (404 for anyone else's)."""
    async with db.read() as session:
        conversation = await owned_conversation(session, owner_id, conversation_id)
        messages = await load_messages(session, conversation_id)
        rows = await session.scalars(
            select(MediaFile)
            .where(MediaFile.conversation_id == conversation_id)
            .order_by(MediaFile.created_at)
        )
        document = document_of(conversation, messages)
        document["media"] = [media_entry(row) for row in rows]  # the files the messages name by id
        return document


def active_path(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages from the root to the active leaf (the newest leaf when none is set)."""
    messages: list[dict[str, Any]] = document["messages"]
    if not messages:
        return []
    by_id = {m["id"]: m for m in messages}
    leaf = document["conversation"].get("active_leaf_id")
    if leaf not in by_id:
        leaf = messages[-1]["id"]
    path: list[dict[str, Any]] = []
    node: str | None = leaf
    while node is not None and node in by_id:
        path.append(by_id[node])
        node = by_id[node]["parent_id"]
    return path[::-1]
