"""Uploads that were never sent: a file attached to the composer and then dropped (the draft discarded,
the tab closed) has a row with no conversation. Once such a row is a day old nobody will send it, so it
is deleted, and its file with it when no other row names the same content. Generated pictures and files
restored from an import are never swept (they belong to a conversation, or to /v1's caller)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select

from llm_router.core.ids import utcnow
from llm_router.db.models import MediaFile
from llm_router.services.media.store import MediaStore

log = logging.getLogger(__name__)

UNSENT_AFTER = timedelta(hours=24)  # a draft's attachment may wait this long for its message


async def sweep_unsent(store: MediaStore, older_than: timedelta = UNSENT_AFTER) -> int:
    """Delete unsent uploads older than ``older_than``; the number of rows removed."""
    cutoff = utcnow() - older_than
    unsent = (
        MediaFile.source == "attached",
        MediaFile.conversation_id.is_(None),
        MediaFile.created_at < cutoff,
    )
    async with store.db.write() as session:
        rows = (await session.execute(select(MediaFile.id, MediaFile.sha256).where(*unsent))).all()
        if rows:
            await session.execute(delete(MediaFile).where(MediaFile.id.in_([r.id for r in rows])))
    if not rows:
        return 0
    files = await store.remove_orphans({r.sha256 for r in rows})
    log.info("swept %d unsent upload(s), %d file(s) removed", len(rows), files)
    return len(rows)
