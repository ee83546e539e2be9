"""The library as a file: export a user's prompts and presets as versioned JSON, import such a file.

The whole file is checked before anything is stored (a malformed file gets a 422 saying where it broke,
and stores nothing); an oversized one gets 413. Importing updates entries of the same name and scope, so
importing a file twice changes nothing the second time. An admin's file keeps instance-wide entries
instance-wide; anyone else's import makes every entry personal (their own copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llm_router.core.errors import AppError
from llm_router.core.ids import utcnow
from llm_router.db.engine import Database
from llm_router.db.models import Preset, Prompt
from llm_router.providers.base import ReasoningLevel
from llm_router.services.library.entries import NAME_PATTERN, Actor, Scope, list_entries, upsert_entries
from llm_router.services.library.prompts import check_body

FORMAT = "llm-router-library"
VERSION = 1
MAX_FILE_BYTES = 2_000_000
MAX_ENTRIES = 2000
MAX_TEXT = 100_000
ERRORS_SHOWN = 5


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    description: str = Field(default="", max_length=500)
    scope: Scope = "user"


class PromptItem(_Item):
    body: str = Field(min_length=1, max_length=MAX_TEXT)


class PresetItem(_Item):
    model: str | None = Field(default=None, min_length=1, max_length=200)
    reasoning: ReasoningLevel | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    system_prompt: str | None = Field(default=None, max_length=MAX_TEXT)


class LibraryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["llm-router-library"]
    version: Literal[1]
    exported_at: datetime | None = None
    prompts: list[PromptItem] = Field(default_factory=list, max_length=MAX_ENTRIES)
    presets: list[PresetItem] = Field(default_factory=list, max_length=MAX_ENTRIES)


@dataclass(frozen=True, slots=True)
class ImportReport:
    prompts_created: int
    prompts_updated: int
    presets_created: int
    presets_updated: int


def _where(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file"


def parse_file(raw: bytes) -> LibraryFile:
    """The file, checked whole: 413 when too big, 422 naming the first problems and where they are."""
    if len(raw) > MAX_FILE_BYTES:
        raise AppError(
            f"library file too large: the limit is {MAX_FILE_BYTES} bytes", status_code=413, code="too_large"
        )
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise AppError(f"not a JSON file: {exc}", status_code=422, code="invalid_file") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AppError(
            f'not an llm-router library file (expected "format": "{FORMAT}")',
            status_code=422,
            code="invalid_file",
        )
    if data.get("version") != VERSION:
        raise AppError(
            f"unsupported library file version {data.get('version')!r} (this server reads version {VERSION})",
            status_code=422,
            code="invalid_file",
        )
    try:
        return LibraryFile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors()[:ERRORS_SHOWN]]
        more = f" (and {exc.error_count() - ERRORS_SHOWN} more)" if exc.error_count() > ERRORS_SHOWN else ""
        raise AppError(
            "the library file is malformed: " + "; ".join(problems) + more,
            status_code=422,
            code="invalid_file",
        ) from None


def _prompt_item(prompt: Prompt) -> dict[str, Any]:
    return {
        "name": prompt.name,
        "description": prompt.description,
        "scope": prompt.scope,
        "body": prompt.body,
    }


def _preset_item(preset: Preset) -> dict[str, Any]:
    return {
        "name": preset.name,
        "description": preset.description,
        "scope": preset.scope,
        "model": preset.model,
        "reasoning": preset.reasoning,
        "temperature": preset.temperature,
        "system_prompt": preset.system_prompt,
    }


async def export_library(db: Database, actor: Actor) -> dict[str, Any]:
    """The user's personal entries; an admin's file also holds the instance-wide ones."""

    def mine(scope: str) -> bool:
        return scope == "user" or actor.is_admin

    prompts = [_prompt_item(p) for p in await list_entries(db, actor, Prompt) if mine(p.scope)]
    presets = [_preset_item(p) for p in await list_entries(db, actor, Preset) if mine(p.scope)]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "prompts": prompts,
        "presets": presets,
    }


def _scoped(actor: Actor, item: _Item) -> tuple[Scope, dict[str, Any]]:
    scope: Scope = item.scope if actor.is_admin else "user"
    return scope, item.model_dump(exclude={"scope"})


async def import_library(db: Database, actor: Actor, raw: bytes) -> ImportReport:
    library = parse_file(raw)
    for prompt in library.prompts:
        check_body(prompt.body)
    async with db.write() as session:
        prompts = await upsert_entries(session, actor, Prompt, [_scoped(actor, p) for p in library.prompts])
        presets = await upsert_entries(session, actor, Preset, [_scoped(actor, p) for p in library.presets])
    return ImportReport(*prompts, *presets)
