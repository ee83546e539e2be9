"""The uploaded file read as a stream of exported conversations, never whole in memory.

A zip is read entry by entry (``conversations.json`` of ChatGPT and Claude.ai exports, our
``conversations/*.json``); a JSON array item by item with ``ijson``; a single JSON object is one item.
A file that is not valid JSON or zip raises ``MalformedFile`` with where it broke.
"""

from __future__ import annotations

import contextlib
import zipfile
from collections.abc import Iterator
from typing import IO, Any

import ijson  # type: ignore[import-untyped]

from llm_router.core.errors import AppError

_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"


class MalformedFile(AppError):
    status_code = 422
    code = "malformed_import"


class _Prefixed:
    """A stream with bytes already read put back in front (to look at the first character)."""

    def __init__(self, prefix: bytes, stream: IO[bytes]) -> None:
        self.prefix = prefix
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson probes with read(0) whether the stream gives bytes or text
            return b""
        if self.prefix:
            data, self.prefix = self.prefix, b""
            return data
        return self.stream.read(size)


def _json_items(stream: IO[bytes], label: str) -> Iterator[tuple[str, Any]]:
    head = stream.read(64 * 1024)
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    first = head.lstrip(_WHITESPACE)[:1]
    source = _Prefixed(head, stream)
    if first == b"[":
        items = ijson.items(source, "item", use_float=True)
    elif first == b"{":
        items = ijson.items(source, "", use_float=True)
    else:
        raise MalformedFile(f"{label}: not a JSON export (it should start with [ or {{)")
    index = 0
    try:
        for index, item in enumerate(items, start=1):
            yield f"{label} #{index}", item
    except ijson.JSONError as exc:
        raise MalformedFile(f"{label}: invalid JSON after item {index}: {exc}") from None


def _wanted(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base == "conversations.json" or (name.startswith("conversations/") and base.endswith(".json"))


def read_items(file: IO[bytes], filename: str) -> Iterator[tuple[str, Any]]:
    """(label, exported conversation) pairs; the label says where in the file it was (for the report)."""
    file.seek(0)
    magic = file.read(4)
    file.seek(0)
    if magic != b"PK\x03\x04":
        yield from _json_items(file, filename)
        return
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile as exc:
        raise MalformedFile(f"{filename}: not a readable zip ({exc})") from None
    with archive:
        names = [info.filename for info in archive.infolist() if _wanted(info.filename)]
        if not names:
            raise MalformedFile(f"{filename}: the zip holds no conversations.json or conversations/*.json")
        for name in names:
            try:
                with archive.open(name) as entry:
                    yield from _json_items(entry, name)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise MalformedFile(f"{name}: could not be read from the zip ({exc})") from None


class ArchiveFiles:
    """The other files of an uploaded zip, read by name (``media/<sha256>.<ext>`` of our export), while
    ``read_items`` walks its conversations (zipfile re-seeks a shared file for each reader). Nothing for a
    JSON upload."""

    def __init__(self, file: IO[bytes]) -> None:
        file.seek(0)
        magic = file.read(4)
        file.seek(0)
        self._zip: zipfile.ZipFile | None = None
        if magic == b"PK\x03\x04":
            with contextlib.suppress(zipfile.BadZipFile):
                self._zip = zipfile.ZipFile(file)

    def read(self, name: str, limit: int) -> bytes | None:
        """The member's bytes; ``None`` when it is not there or larger than ``limit``."""
        if self._zip is None:
            return None
        try:
            info = self._zip.getinfo(name)
        except KeyError:
            return None
        return None if info.file_size > limit else self._zip.read(info)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
