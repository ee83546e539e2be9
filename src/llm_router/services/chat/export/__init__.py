"""Your data, out and in: conversation export (JSON tree, Markdown, PDF, a zip of everything) and import
(our own JSON, ChatGPT, Claude.ai, Open WebUI).

- ``document``: the versioned JSON document of one conversation (``docs/export-format.md``); the one
  shape both export and the round-trip import read.
- ``markdown``, ``pdf``: the active path as a readable document.
- ``archive``: every conversation of a user as a zip, written entry by entry while it streams.
- ``formats``: one parser per foreign format, each turning an item into an ``ImportedConversation``.
- ``reader``: the uploaded file read as a stream (zip entry by entry, JSON arrays item by item).
- ``importer``: validate the whole file first, then store conversation by conversation (idempotent).

A new import format: a parser in ``formats`` and one line in its ``PARSERS`` table.
"""

from typing import Any

from llm_router.services.chat.export.archive import stream_archive
from llm_router.services.chat.export.document import FORMAT, VERSION, conversation_document, embed_media
from llm_router.services.chat.export.importer import ImportReport, import_file
from llm_router.services.chat.export.markdown import to_markdown


def to_pdf(document: dict[str, Any]) -> bytes:
    """The conversation as a PDF. ``fpdf`` (and its fontTools) load on the first PDF asked for, not at
    every start: they were a third of the server's import time."""
    from llm_router.services.chat.export.pdf import to_pdf as render

    return render(document)


__all__ = [
    "FORMAT",
    "VERSION",
    "ImportReport",
    "conversation_document",
    "embed_media",
    "import_file",
    "stream_archive",
    "to_markdown",
    "to_pdf",
]
