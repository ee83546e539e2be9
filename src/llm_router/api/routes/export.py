"""``/api/conversations/{id}/export``, ``/api/export`` and ``/api/import``: your conversations out and in."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from llm_router.api.deps import AttachmentsDep, CurrentUser, DatabaseDep, MediaDep
from llm_router.core.ids import utcnow
from llm_router.services.chat import export

router = APIRouter(tags=["export"])

ExportFormat = Literal["json", "md", "pdf"]
MEDIA_TYPES = {"json": "application/json", "md": "text/markdown; charset=utf-8", "pdf": "application/pdf"}


def _filename(title: str, extension: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60] or "conversation"
    return f"{slug}.{extension}"


@router.get(
    "/api/conversations/{conversation_id}/export",
    summary="Export a conversation: the whole tree as JSON, or the shown path as Markdown or PDF",
    description="JSON follows `docs/export-format.md` (versioned) and can be imported again.",
    responses={404: {"description": "No such conversation (or another user's)"}},
)
async def export_conversation(
    conversation_id: str,
    user: CurrentUser,
    db: DatabaseDep,
    media: MediaDep,
    format: Annotated[ExportFormat, Query()] = "json",
) -> Response:
    document = await export.conversation_document(db, user.id, conversation_id)
    if format == "json":  # one file: attachments and pictures go inline (base64)
        document = await asyncio.to_thread(export.embed_media, document, media.read)
        body = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    elif format == "md":
        body = export.to_markdown(document).encode()
    else:
        body = export.to_pdf(document)
    name = _filename(document["conversation"]["title"], format)
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/api/export",
    summary="All your conversations as one zip (JSON for import again, and Markdown), streamed",
    response_class=StreamingResponse,
)
async def export_all(user: CurrentUser, db: DatabaseDep, media: MediaDep) -> StreamingResponse:
    name = f"llm-router-export-{utcnow():%Y-%m-%d}.zip"
    return StreamingResponse(
        export.stream_archive(db, user.id, media.read),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


class ImportItemPublic(BaseModel):
    item: str = Field(description="Where in the file", examples=["conversations.json #3"])
    outcome: Literal["imported", "duplicate", "skipped"]
    format: str | None = Field(examples=["chatgpt"])
    title: str
    conversation_id: str | None
    messages: int
    reason: str | None = Field(description="Why skipped, or what was left out")


class ImportReportPublic(BaseModel):
    imported: int
    duplicates: int
    skipped: int
    items: list[ImportItemPublic]


@router.post(
    "/api/import",
    summary="Import conversations: our JSON or zip, ChatGPT, Claude.ai or Open WebUI exports",
    description=(
        "Multipart upload (`file`). The whole file is checked before anything is stored: a broken file "
        "gets 422 and stores nothing. Importing the same file again adds nothing (`duplicate`)."
    ),
    responses={422: {"description": "Not a readable export (where it broke is in the message)"}},
)
async def import_conversations(
    user: CurrentUser, db: DatabaseDep, attachments: AttachmentsDep, file: Annotated[UploadFile, File()]
) -> ImportReportPublic:
    async def restore(entry: dict[str, Any], data: bytes) -> str:
        name = str(entry.get("file") or entry.get("id"))
        return (await attachments.restore(user.id, data, name, str(entry.get("source") or ""))).id

    report = await export.import_file(db, user.id, file.file, file.filename or "upload", restore)
    items: list[dict[str, Any]] = [
        {
            "item": r.item,
            "outcome": r.outcome,
            "format": r.format,
            "title": r.title,
            "conversation_id": r.conversation_id,
            "messages": r.messages,
            "reason": r.reason,
        }
        for r in report.items
    ]
    return ImportReportPublic(
        imported=report.count("imported"),
        duplicates=report.count("duplicate"),
        skipped=report.count("skipped"),
        items=[ImportItemPublic(**i) for i in items],
    )
