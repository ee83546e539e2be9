"""Attachments: photos, PDFs and text files a user adds to a chat message.

``upload`` checks a file before it is kept — its size (413), what it really is (the bytes decide, not the
name: an HTML page renamed ``.png`` is refused, SVG is never accepted) and, when the chat's model is
named, whether that model can read it (refused before anything is stored, naming models that can).
Images are re-encoded without metadata and scaled to ``media_max_image_side``. ``parts`` turns the ids
of a message's attachments into its ``Message.parts`` (owner-checked, total size capped), and ``resolve``
(the chat's ``AttachmentLoader``) puts the files' content into a turn's request just before the call,
scaled down further for Anthropic (1568 px on the long side is what Claude uses; more only costs).
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Any

from sqlalchemy import select

from llm_router.core.errors import AppError, NotFound
from llm_router.db.engine import Database
from llm_router.db.models import MediaFile
from llm_router.providers.base import ChatMessage, ContentPart, DocumentPart, ImagePart, TextPart
from llm_router.providers.registry import ProviderRegistry, ResolvedModel
from llm_router.services.chat.attachments import (
    MEDIA_PREFIX,
    PDF,
    reads_pdf,
    refuse_unseeing,
    sees_images,
)
from llm_router.services.media.store import Encoded, MediaStore, UnsupportedMedia, reencode
from llm_router.services.routing import Plan

log = logging.getLogger(__name__)

TEXT_EXTENSIONS = frozenset(
    {
        "txt",
        "md",
        "markdown",
        "csv",
        "tsv",
        "json",
        "jsonl",
        "yaml",
        "yml",
        "toml",
        "ini",
        "log",
        "xml",
        "py",
        "js",
        "ts",
        "tsx",
        "jsx",
        "java",
        "c",
        "h",
        "cpp",
        "hpp",
        "cs",
        "go",
        "rs",
        "rb",
        "php",
        "sh",
        "sql",
        "r",
        "swift",
        "kt",
        "lua",
        "pl",
        "css",
        "tex",
        "rst",
    }
)
REFUSED_EXTENSIONS = frozenset({"svg", "svgz", "html", "htm", "xhtml", "js.map"})
ANTHROPIC_SIDE = 1568
MAX_ATTACHMENTS = 10


class TooLarge(AppError):
    status_code = 413
    code = "too_large"


@dataclass(frozen=True, slots=True)
class Limits:
    max_file: int
    max_message: int
    max_image_side: int


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _extension(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def classify(data: bytes, name: str, max_image_side: int) -> Encoded:
    """What the bytes are, as they will be kept; ``UnsupportedMedia`` (415) with the reason otherwise."""
    extension = _extension(name)
    if extension in REFUSED_EXTENSIONS or data.lstrip()[:5].lower() in (b"<svg ", b"<?xml"):
        raise UnsupportedMedia(
            f"{name}: SVG and HTML files are not accepted (they can carry script); "
            "attach a PNG, JPEG or WebP image, a PDF or a text file"
        )
    if data.startswith(b"%PDF-"):
        return Encoded(data, PDF, "pdf", 0, 0)
    if extension in TEXT_EXTENSIONS:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UnsupportedMedia(f"{name} is not UTF-8 text") from None
        if "\x00" in text:
            raise UnsupportedMedia(f"{name} is not a text file (it contains NUL bytes)")
        return Encoded(text.encode(), "text/plain", "txt", 0, 0)
    try:
        return reencode(data, max_image_side)
    except UnsupportedMedia:
        raise UnsupportedMedia(
            f"{name} is not an image this server accepts (PNG, JPEG or WebP — the content decides, not "
            "the name), nor a PDF or a text file"
        ) from None


def kind_of(mime: str) -> str:
    return "image" if mime.startswith("image/") else "document"


def check_model(model: ResolvedModel, providers: ProviderRegistry, mime: str) -> None:
    if mime.startswith("image/") and not sees_images(model):
        raise refuse_unseeing(model, providers, "images")
    if mime == PDF and not reads_pdf(model):
        raise refuse_unseeing(model, providers, "PDF documents")


def _fit(data: bytes, side: int) -> tuple[bytes, str] | None:
    """The image scaled to ``side`` on its long side (JPEG/PNG as it was), or None when it fits."""
    from PIL import Image, ImageOps  # with the first picture: see ``store.reencode``

    with Image.open(io.BytesIO(data)) as image:
        if max(image.size) <= side:
            return None
        kind = image.format or "PNG"
        smaller = ImageOps.contain(image, (side, side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        smaller.save(out, format=kind, **({"quality": 88} if kind != "PNG" else {}))
        return out.getvalue(), Image.MIME.get(kind, "image/png")


class AttachmentService:
    def __init__(self, db: Database, store: MediaStore, limits: Limits) -> None:
        self.db = db
        self.store = store
        self.limits = limits

    async def upload(
        self,
        owner_id: str,
        data: bytes,
        name: str,
        *,
        model: ResolvedModel | None = None,
        providers: ProviderRegistry | None = None,
        conversation_id: str | None = None,
    ) -> MediaFile:
        if len(data) > self.limits.max_file:
            raise TooLarge(
                f"{name} is {megabytes(len(data))}; the limit per file is {megabytes(self.limits.max_file)} "
                "(LLM_ROUTER_MEDIA_MAX_FILE_BYTES)"
            )
        if not data:
            raise AppError(f"{name} is empty")
        encoded = await asyncio.to_thread(classify, data, name, self.limits.max_image_side)
        if model is not None and providers is not None:
            check_model(model, providers, encoded.mime)
        return await self.store.keep(owner_id, encoded, source="attached", conversation_id=conversation_id)

    async def restore(self, owner_id: str, data: bytes, name: str, source: str) -> MediaFile:
        """A file of an imported export, checked and re-encoded as an upload is (its source kept)."""
        if len(data) > self.limits.max_file:
            raise TooLarge(
                f"{name} is {megabytes(len(data))}; the limit per file is {megabytes(self.limits.max_file)}"
            )
        encoded = await asyncio.to_thread(classify, data, name, self.limits.max_image_side)
        kept = source if source in ("attached", "generated") else "attached"
        return await self.store.keep(owner_id, encoded, source=kept)

    async def parts(self, owner_id: str, ids: list[str], names: dict[str, str]) -> tuple[dict[str, Any], ...]:
        """The ``Message.parts`` for attachments ``ids`` (each the caller's own, else 404)."""
        if not ids:
            return ()
        if len(ids) > MAX_ATTACHMENTS:
            raise AppError(f"at most {MAX_ATTACHMENTS} attachments per message")
        async with self.db.read() as session:
            rows = {
                r.id: r
                for r in (
                    await session.execute(
                        select(MediaFile).where(MediaFile.id.in_(ids), MediaFile.owner_id == owner_id)
                    )
                ).scalars()
            }
        missing = [i for i in ids if i not in rows]
        if missing:
            raise NotFound(f"attachment {missing[0]} not found: upload it again")
        total = sum(rows[i].size for i in ids)
        if total > self.limits.max_message:
            raise TooLarge(
                f"the attachments of one message add up to {megabytes(total)}; the limit is "
                f"{megabytes(self.limits.max_message)} (LLM_ROUTER_MEDIA_MAX_MESSAGE_BYTES)"
            )
        return tuple(
            {
                "type": kind_of(rows[i].mime),
                "media_id": i,
                "mime": rows[i].mime,
                "name": names.get(i) or f"{kind_of(rows[i].mime)}-{i[:6]}",
                "size": rows[i].size,
                "width": rows[i].width,
                "height": rows[i].height,
            }
            for i in ids
        )

    # ------------------------------------------------------------ the chat's AttachmentLoader

    async def resolve(self, owner_id: str, plan: Plan) -> Plan:
        messages = plan.request.messages
        if not any(isinstance(m.content, list) for m in messages):
            return plan
        models = [m for m in (plan.local, *plan.chain) if m is not None]
        side = min(
            [
                ANTHROPIC_SIDE if m.provider.protocol == "anthropic" else self.limits.max_image_side
                for m in models
            ]
            or [self.limits.max_image_side]
        )
        resolved = [await self._message(owner_id, m, side) for m in messages]
        return replace(plan, request=replace(plan.request, messages=tuple(resolved)))

    async def _message(self, owner_id: str, message: ChatMessage, side: int) -> ChatMessage:
        if not isinstance(message.content, list):
            return message
        return replace(message, content=[await self._part(owner_id, p, side) for p in message.content])

    async def _part(self, owner_id: str, part: ContentPart, side: int) -> ContentPart:
        ref = part.url if isinstance(part, ImagePart) else part.data if isinstance(part, DocumentPart) else ""
        if not ref.startswith(MEDIA_PREFIX):
            return part
        try:
            row, path = await self.store.get(owner_id, ref.removeprefix(MEDIA_PREFIX))
            data = await asyncio.to_thread(path.read_bytes)
        except (NotFound, OSError):
            log.warning("attachment %s is gone; the model is told so", ref)
            return TextPart("[an attachment that no longer exists]")
        if isinstance(part, DocumentPart):
            text = data.decode() if row.mime == "text/plain" else base64.b64encode(data).decode()
            return replace(part, data=text)
        mime = row.mime
        smaller = await asyncio.to_thread(_fit, data, side)
        if smaller is not None:
            data, mime = smaller
        return ImagePart(f"data:{mime};base64,{base64.b64encode(data).decode()}", mime)
