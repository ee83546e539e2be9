"""The fake provider's checks of image and document parts, as the real APIs refuse malformed ones.

OpenAI (Chat Completions): an ``image_url`` part needs ``image_url.url``, an ``https:`` URL or a
``data:image/<png|jpeg|gif|webp>;base64,…`` URL whose bytes are such an image; a ``file`` part needs
``file.file_id`` or ``file.file_data`` (a base64 PDF data URL) with ``file.filename``.
Anthropic (Messages): an ``image`` block's ``base64`` source needs a ``media_type`` of the four image
types, plain base64 ``data`` (no ``data:`` prefix) of that very type, at most 5 MB and 8000 px a side; a
``document`` block takes a base64 PDF or a ``text`` source.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any

from PIL import Image, UnidentifiedImageError

from llm_router.testing.script import InvalidRequest

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
ANTHROPIC_MAX_IMAGE = 5 * 1024 * 1024
MAX_SIDE = 8000


def _decode(data: Any, where: str) -> bytes:
    if not isinstance(data, str) or not data:
        raise InvalidRequest(f"{where}: Field required")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(f"{where}: invalid base64 data") from None


def _image_format(raw: bytes) -> tuple[str, tuple[int, int]] | None:
    try:
        with Image.open(io.BytesIO(raw)) as image:
            return image.format or "", image.size
    except (UnidentifiedImageError, OSError):
        return None


def openai_image(part: dict[str, Any]) -> str:
    image_url = part.get("image_url")
    url = image_url.get("url") if isinstance(image_url, dict) else None
    if not isinstance(url, str) or not url:
        raise InvalidRequest("Missing required parameter: 'messages[].content[].image_url.url'.")
    if url.startswith(("https://", "http://")):
        return url
    header, _, data = url.partition(",")
    mime = header.removeprefix("data:").removesuffix(";base64")
    if not header.startswith("data:") or not header.endswith(";base64") or mime not in IMAGE_TYPES:
        raise InvalidRequest(
            "Invalid image URL: expected an https URL or a base64 data URL of png, jpeg, gif or webp."
        )
    found = _image_format(_decode(data, "image_url.url"))
    if found is None or found[0] not in IMAGE_TYPES.values():
        raise InvalidRequest(
            "You uploaded an unsupported image. Please make sure your image has of one the following "
            "formats: ['png', 'jpeg', 'gif', 'webp']."
        )
    return url


def openai_file(part: dict[str, Any]) -> str:
    file = part.get("file")
    if not isinstance(file, dict) or not (file.get("file_id") or file.get("file_data")):
        raise InvalidRequest("Missing required parameter: 'messages[].content[].file.file_data'.")
    if file.get("file_id"):
        return str(file["file_id"])
    header, _, data = str(file["file_data"]).partition(",")
    if header != "data:application/pdf;base64":
        raise InvalidRequest("Invalid file data: expected a base64 data URL of a PDF.")
    if not _decode(data, "file.file_data").startswith(b"%PDF-"):
        raise InvalidRequest("The file is not a valid PDF.")
    if not file.get("filename"):
        raise InvalidRequest("Missing required parameter: 'messages[].content[].file.filename'.")
    return str(file["file_data"])


def anthropic_image(source: Any) -> str:
    if not isinstance(source, dict):
        raise InvalidRequest("image.source: Field required")
    if source.get("type") == "url":
        return str(source.get("url", ""))
    if source.get("type") != "base64":
        raise InvalidRequest("image.source.type: Input should be 'base64', 'url' or 'file'")
    mime = source.get("media_type")
    if mime not in IMAGE_TYPES:
        raise InvalidRequest(
            "image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or "
            "'image/webp'"
        )
    data = source.get("data")
    if isinstance(data, str) and data.startswith("data:"):
        raise InvalidRequest("image.source.base64.data: invalid base64 data (send it without 'data:')")
    raw = _decode(data, "image.source.base64.data")
    if len(raw) > ANTHROPIC_MAX_IMAGE:
        raise InvalidRequest(f"image.source.base64: image exceeds 5 MB maximum: {len(raw)} bytes")
    found = _image_format(raw)
    if found is None:
        raise InvalidRequest("Could not process image")
    kind, (width, height) = found
    if kind != IMAGE_TYPES[mime]:
        raise InvalidRequest(f"Image does not match the provided media type {mime}")
    if max(width, height) > MAX_SIDE:
        raise InvalidRequest(f"image dimensions exceed max allowed size: {MAX_SIDE} pixels")
    return f"data:{mime};base64,{data}"


def anthropic_document(block: dict[str, Any]) -> str:
    source = block.get("source")
    if not isinstance(source, dict):
        raise InvalidRequest("document.source: Field required")
    kind = source.get("type")
    if kind == "text":
        if source.get("media_type") != "text/plain" or not isinstance(source.get("data"), str):
            raise InvalidRequest("document.source.text: media_type 'text/plain' and string data required")
        return str(source["data"])
    if kind == "base64":
        if source.get("media_type") != "application/pdf":
            raise InvalidRequest("document.source.base64.media_type: Input should be 'application/pdf'")
        if not _decode(source.get("data"), "document.source.base64.data").startswith(b"%PDF-"):
            raise InvalidRequest("The PDF specified was not valid.")
        return "application/pdf"
    if kind in ("url", "content", "file"):
        return str(kind)
    raise InvalidRequest("document.source.type: Input should be 'base64', 'text', 'content', 'url' or 'file'")
