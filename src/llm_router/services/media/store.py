"""Image files in the data dir: decoded and re-encoded before they are kept, named by their SHA-256.

Re-encoding with Pillow is the safety step: whatever arrives (a provider's PNG, a user's photo) is decoded
as an image or refused, and what is stored is pixels only — no EXIF (camera, GPS), no embedded text, no
second format hiding behind the first (an HTML file renamed ``.png`` does not decode). SVG is never
accepted: it is a document that can run script, not pixels. Files are shared between rows with the same
content; a file goes when its last row goes.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from llm_router.core.errors import AppError, NotFound
from llm_router.db.engine import Database
from llm_router.db.models import MediaFile

log = logging.getLogger(__name__)

KEPT_FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "WEBP": ("image/webp", "webp")}
DOCUMENT_EXTENSIONS = {"application/pdf": "pdf", "text/plain": "txt"}  # attachments that are not pixels
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded


class UnsupportedMedia(AppError):
    status_code = 415
    code = "unsupported_media"


@dataclass(frozen=True, slots=True)
class Encoded:
    data: bytes
    mime: str
    extension: str
    width: int
    height: int


def reencode(data: bytes, max_side: int | None = None) -> Encoded:
    """The image in ``data`` as clean PNG/JPEG/WebP bytes (no longer than ``max_side`` on its long side
    when given); ``UnsupportedMedia`` for anything else."""
    # Pillow loads with the first picture, not at start-up (a server that never sees one never needs it)
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            if kind not in KEPT_FORMATS:
                raise UnsupportedMedia(
                    f"{kind or 'this file'} is not an accepted image format: send PNG, JPEG or WebP"
                )
            image.load()
            mime, extension = KEPT_FORMATS[kind]
            pixels = image.convert("RGB") if kind == "JPEG" and image.mode not in ("RGB", "L") else image
            # a phone's "rotate on display" tag goes with the EXIF, so the pixels are turned first
            pixels = ImageOps.exif_transpose(pixels) or pixels
            if max_side and max(pixels.size) > max_side:
                pixels = ImageOps.contain(pixels, (max_side, max_side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            # Saving without ``exif=``/``pnginfo=`` writes pixels only: metadata stays behind.
            pixels.save(out, format=kind, **({"quality": 90} if kind != "PNG" else {}))
            return Encoded(out.getvalue(), mime, extension, pixels.width, pixels.height)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        if isinstance(exc, UnsupportedMedia):
            raise
        raise UnsupportedMedia(
            "the file is not an image this server accepts (PNG, JPEG or WebP; never SVG or HTML)"
        ) from None


class MediaStore:
    def __init__(self, db: Database, root: Path) -> None:
        self.db = db
        self.root = root

    def path_of(self, row: MediaFile) -> Path:
        extension = DOCUMENT_EXTENSIONS.get(row.mime) or next(
            e for m, e in KEPT_FORMATS.values() if m == row.mime
        )
        return self.root / row.sha256[:2] / f"{row.sha256}.{extension}"

    async def save(
        self,
        owner_id: str,
        data: bytes,
        *,
        source: str,
        conversation_id: str | None = None,
        max_side: int | None = None,
    ) -> MediaFile:
        encoded = await asyncio.to_thread(reencode, data, max_side)
        return await self.keep(owner_id, encoded, source=source, conversation_id=conversation_id)

    async def keep(
        self, owner_id: str, encoded: Encoded, *, source: str, conversation_id: str | None = None
    ) -> MediaFile:
        """Store already-checked bytes (a re-encoded image, a checked document) and their row."""
        sha = hashlib.sha256(encoded.data).hexdigest()
        row = MediaFile(
            owner_id=owner_id,
            conversation_id=conversation_id,
            sha256=sha,
            mime=encoded.mime,
            size=len(encoded.data),
            width=encoded.width,
            height=encoded.height,
            source=source,
        )
        path = self.path_of(row)
        if not path.exists():
            await asyncio.to_thread(_write_atomically, path, encoded.data)
        async with self.db.write() as session:
            session.add(row)
        return row

    def read(self, sha256: str, mime: str) -> bytes | None:
        """A stored file's bytes by content (for exports), or None when it is gone."""
        path = self.path_of(MediaFile(sha256=sha256, mime=mime))
        return path.read_bytes() if path.exists() else None

    async def get(self, owner_id: str, media_id: str) -> tuple[MediaFile, Path]:
        """The row and its file, for its owner only (anyone else: 404, as if it did not exist)."""
        async with self.db.read() as session:
            row = await session.scalar(
                select(MediaFile).where(MediaFile.id == media_id, MediaFile.owner_id == owner_id)
            )
        if row is None or not self.path_of(row).exists():
            raise NotFound("image not found")
        return row, self.path_of(row)

    async def remove_orphans(self, sha256s: set[str]) -> int:
        """Delete the files among ``sha256s`` that no row names any more (after a conversation went)."""
        if not sha256s:
            return 0
        async with self.db.read() as session:
            kept = set(
                (
                    await session.execute(
                        select(MediaFile.sha256)
                        .where(MediaFile.sha256.in_(sha256s))
                        .group_by(MediaFile.sha256)
                    )
                ).scalars()
            )
        removed = 0
        for sha in sha256s - kept:
            for path in (self.root / sha[:2]).glob(f"{sha}.*"):
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    async def files_of_conversation(self, conversation_id: str) -> set[str]:
        async with self.db.read() as session:
            return set(
                (
                    await session.execute(
                        select(MediaFile.sha256).where(MediaFile.conversation_id == conversation_id)
                    )
                ).scalars()
            )

    async def count(self, owner_id: str) -> int:
        async with self.db.read() as session:
            total = await session.scalar(select(func.count()).where(MediaFile.owner_id == owner_id))
        return int(total or 0)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(path)
