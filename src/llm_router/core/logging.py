"""Logging set-up: one format, levels from settings, secrets never formatted into messages."""

from __future__ import annotations

import logging
import re

_SECRET_PATTERNS = [
    re.compile(r"(sk-[A-Za-z0-9_\-]{6,})"),
    re.compile(
        r"((?:api[_-]?key|authorization|x-api-key|password|token)[\"']?\s*[:=]\s*[\"']?)([^\s\"',}]+)",
        re.I,
    ),
    re.compile(r"(://[^:/@\s]+:)([^@\s]+)(@)"),
]


def redact(text: str) -> str:
    """Mask anything that looks like a credential; a last line of defence, not the main one."""
    text = _SECRET_PATTERNS[0].sub("sk-…", text)
    text = _SECRET_PATTERNS[1].sub(lambda m: f"{m.group(1)}…", text)
    return _SECRET_PATTERNS[2].sub(lambda m: f"{m.group(1)}…{m.group(3)}", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's access log prints query strings; our own request line replaces it.
    logging.getLogger("uvicorn.access").disabled = True
    # alembic.runtime.plugins: a line per autogenerate plugin on every migration; the "Running upgrade"
    # lines (alembic.runtime.migration) stay
    for name in ("httpx", "httpcore", "openai", "anthropic", "alembic.runtime.plugins"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
