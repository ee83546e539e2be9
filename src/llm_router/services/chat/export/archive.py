"""Every conversation of a user as one zip, streamed: each conversation is read, written as an entry and
handed out before the next is read, so neither the database rows nor the zip sit whole in memory.

The standard library's ``zipfile`` writes to a stream that cannot seek (it then uses data descriptors),
which is all a streamed response needs.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator

import orjson
from sqlalchemy import select

from llm_router.core.errors import NotFound
from llm_router.db.engine import Database
from llm_router.db.models import Conversation
from llm_router.services.chat.export.document import MediaReader, conversation_document
from llm_router.services.chat.export.markdown import to_markdown


class _Sink(io.RawIOBase):
    """A write-only, non-seekable file that keeps what was written until it is taken."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


async def _conversation_ids(db: Database, owner_id: str) -> list[str]:
    query = (
        select(Conversation.id)
        .where(Conversation.owner_id == owner_id)
        .order_by(Conversation.created_at, Conversation.id)
    )
    async with db.read() as session:
        return list((await session.scalars(query)).all())


async def stream_archive(
    db: Database, owner_id: str, read_media: MediaReader | None = None
) -> AsyncIterator[bytes]:
    """``conversations/<id>.json`` (the import format) and ``markdown/<id>.md`` per conversation, and
    with ``read_media`` each attachment and generated picture once as ``media/<sha256>.<ext>``."""
    sink = _Sink()
    written: set[str] = set()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for conversation_id in await _conversation_ids(db, owner_id):
            try:
                document = await conversation_document(db, owner_id, conversation_id)
            except NotFound:  # deleted while the archive was being written
                continue
            archive.writestr(f"conversations/{conversation_id}.json", orjson.dumps(document))
            archive.writestr(f"markdown/{conversation_id}.md", to_markdown(document))
            for entry in document.get("media", []):
                if read_media is None or entry["file"] in written:
                    continue
                data = read_media(entry["sha256"], entry["mime"])
                if data is not None:  # images are compressed already: stored, not deflated again
                    archive.writestr(entry["file"], data, compress_type=zipfile.ZIP_STORED)
                    written.add(entry["file"])
            yield sink.take()
    yield sink.take()
