"""``/api/prompts`` and ``/api/presets``: the prompt library (saved prompts with ``{{variables}}``) and
presets (model, reasoning, temperature, system prompt), personal or instance-wide, and the library as a
JSON file (export, import)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import CurrentUser, DatabaseDep, RouterDep, UserProvidersDep
from llm_router.api.schemas import ConversationPublic
from llm_router.core.errors import AppError
from llm_router.db.models import Preset, Prompt, User
from llm_router.providers.base import ReasoningLevel
from llm_router.services.chat import conversations
from llm_router.services.library import entries, presets, prompts, transfer
from llm_router.services.library.entries import NAME_PATTERN, Actor, Scope

Responses = dict[int | str, dict[str, Any]]

router = APIRouter(tags=["library"])

NOT_FOUND: Responses = {404: {"description": "No such entry (or another user's personal one)"}}
ADMIN_ONLY: Responses = {403: {"description": "Instance-wide entries are created and changed by admins"}}
NAME_TAKEN: Responses = {409: {"description": "The name is taken (per user, and among instance entries)"}}
MAX_TEXT = transfer.MAX_TEXT


def _actor(user: User) -> Actor:
    return Actor(user.id, user.role == "admin")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


Name = Field(
    pattern=NAME_PATTERN, description="Letters, digits, `_ . -`; what `/p <name>` uses", examples=["review"]
)
Description = Field(default="", max_length=500, examples=["Review code for bugs"])


# ---------------------------------------------------------------- prompts


class PromptCreate(_Body):
    name: str = Name
    description: str = Description
    body: str = Field(
        min_length=1, max_length=MAX_TEXT, examples=["Review this {{language}} code:\n{{code}}"]
    )
    scope: Scope = Field(default="user", description="`instance`: everyone sees it (admins only)")


class PromptUpdate(_Body):
    name: str | None = Field(default=None, pattern=NAME_PATTERN)
    description: str | None = Field(default=None, max_length=500)
    body: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)


class _EntryPublic(BaseModel):
    id: str
    name: str
    description: str
    scope: str
    mine: bool = Field(description="Yours (personal), as opposed to the instance's")
    editable: bool = Field(description="You may change or delete it")
    created_at: datetime
    updated_at: datetime


def _entry_fields(entry: Prompt | Preset, actor: Actor) -> dict[str, Any]:
    return {
        "id": entry.id,
        "name": entry.name,
        "description": entry.description,
        "scope": entry.scope,
        "mine": entry.scope == "user",
        "editable": entry.scope == "user" or actor.is_admin,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    }


class PromptPublic(_EntryPublic):
    body: str
    variables: list[str] = Field(
        description="`{{names}}` in the body, in order", examples=[["language", "code"]]
    )

    @classmethod
    def of(cls, prompt: Prompt, actor: Actor) -> PromptPublic:
        return cls(**_entry_fields(prompt, actor), body=prompt.body, variables=prompts.variables(prompt.body))


class PromptList(BaseModel):
    items: list[PromptPublic]


class PromptRender(_Body):
    values: dict[str, str] = Field(default_factory=dict, examples=[{"language": "Python", "code": "x = 1"}])


class RenderedPrompt(BaseModel):
    text: str


class ImportReportPublic(BaseModel):
    prompts_created: int
    prompts_updated: int
    presets_created: int
    presets_updated: int


@router.get("/api/prompts", summary="Your prompts, then the instance's")
async def list_prompts(user: CurrentUser, db: DatabaseDep) -> PromptList:
    actor = _actor(user)
    return PromptList(
        items=[PromptPublic.of(p, actor) for p in await entries.list_entries(db, actor, Prompt)]
    )


@router.post(
    "/api/prompts",
    status_code=status.HTTP_201_CREATED,
    summary="Save a prompt",
    responses={**ADMIN_ONLY, **NAME_TAKEN},
)
async def create_prompt(body: PromptCreate, user: CurrentUser, db: DatabaseDep) -> PromptPublic:
    actor = _actor(user)
    prompts.check_body(body.body)
    fields = body.model_dump(exclude={"scope"})
    return PromptPublic.of(await entries.create_entry(db, actor, Prompt, body.scope, fields), actor)


@router.get(
    "/api/prompts/export",
    summary="The library as a JSON file (your prompts and presets; an admin's also the instance's)",
)
async def export_library(user: CurrentUser, db: DatabaseDep) -> Response:
    data = await transfer.export_library(db, _actor(user))
    return Response(
        content=orjson.dumps(data, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="llm-router-library.json"'},
    )


@router.post(
    "/api/prompts/import",
    summary="Import a library file (prompts and presets; same name and scope: updated)",
    description=(
        "The body is the file as exported (`application/json`). It is checked whole before anything is "
        "stored. Anyone but an admin gets every entry as a personal one."
    ),
    responses={
        413: {"description": "The file is too large"},
        422: {"description": "Not a library file, an unsupported version, or malformed (where is said)"},
    },
)
async def import_library(request: Request, user: CurrentUser, db: DatabaseDep) -> ImportReportPublic:
    raw = bytearray()
    async for chunk in request.stream():  # counted as it arrives: an oversized file is refused early
        raw += chunk
        if len(raw) > transfer.MAX_FILE_BYTES:
            transfer.parse_file(bytes(raw))  # raises the 413
    report = await transfer.import_library(db, _actor(user), bytes(raw))
    return _report(report)


def _report(report: transfer.ImportReport) -> ImportReportPublic:
    return ImportReportPublic(
        prompts_created=report.prompts_created,
        prompts_updated=report.prompts_updated,
        presets_created=report.presets_created,
        presets_updated=report.presets_updated,
    )


@router.get("/api/prompts/{prompt_id}", summary="One prompt", responses=NOT_FOUND)
async def get_prompt(prompt_id: str, user: CurrentUser, db: DatabaseDep) -> PromptPublic:
    actor = _actor(user)
    return PromptPublic.of(await entries.get_entry(db, actor, Prompt, prompt_id), actor)


@router.patch(
    "/api/prompts/{prompt_id}",
    summary="Change a prompt's name, description or body",
    responses={**NOT_FOUND, **ADMIN_ONLY, **NAME_TAKEN},
)
async def update_prompt(
    prompt_id: str, body: PromptUpdate, user: CurrentUser, db: DatabaseDep
) -> PromptPublic:
    actor = _actor(user)
    fields = body.model_dump(exclude_none=True)
    if "body" in fields:
        prompts.check_body(fields["body"])
    return PromptPublic.of(await entries.update_entry(db, actor, Prompt, prompt_id, fields), actor)


@router.delete(
    "/api/prompts/{prompt_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a prompt",
    responses={**NOT_FOUND, **ADMIN_ONLY},
)
async def delete_prompt(prompt_id: str, user: CurrentUser, db: DatabaseDep) -> Response:
    await entries.delete_entry(db, _actor(user), Prompt, prompt_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/api/prompts/{prompt_id}/render",
    summary="The prompt's text with its variables filled in",
    responses={**NOT_FOUND, 422: {"description": "A variable without a value, or a value for none"}},
)
async def render_prompt(
    prompt_id: str, body: PromptRender, user: CurrentUser, db: DatabaseDep
) -> RenderedPrompt:
    prompt = await entries.get_entry(db, _actor(user), Prompt, prompt_id)
    return RenderedPrompt(text=prompts.render(prompt.body, body.values))


# ---------------------------------------------------------------- presets


class PresetCreate(_Body):
    name: str = Name
    description: str = Description
    model: str | None = Field(default=None, min_length=1, max_length=200, examples=["gpt-5.1"])
    reasoning: ReasoningLevel | None = Field(default=None, examples=["high"])
    temperature: float | None = Field(default=None, ge=0, le=2, examples=[0.2])
    system_prompt: str | None = Field(default=None, max_length=MAX_TEXT, examples=["You review code."])
    scope: Scope = Field(default="user", description="`instance`: everyone sees it (admins only)")


class PresetUpdate(_Body):
    """Any subset; ``null`` clears model, reasoning, temperature or system prompt (left unchanged)."""

    name: str | None = Field(default=None, pattern=NAME_PATTERN)
    description: str | None = Field(default=None, max_length=500)
    model: str | None = Field(default=None, min_length=1, max_length=200)
    reasoning: ReasoningLevel | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    system_prompt: str | None = Field(default=None, max_length=MAX_TEXT)


class PresetPublic(_EntryPublic):
    model: str | None
    reasoning: str | None
    temperature: float | None
    system_prompt: str | None
    is_default: bool = Field(description="New conversations start with it")

    @classmethod
    def of(cls, preset: Preset, actor: Actor, default_id: str | None) -> PresetPublic:
        return cls(
            **_entry_fields(preset, actor),
            model=preset.model,
            reasoning=preset.reasoning,
            temperature=preset.temperature,
            system_prompt=preset.system_prompt,
            is_default=preset.id == default_id,
        )


class PresetList(BaseModel):
    items: list[PresetPublic]
    default_id: str | None = Field(description="The preset new conversations start with")


class PresetApply(_Body):
    conversation_id: str = Field(pattern=r"^[0-9a-f]{32}$")


class DefaultChoice(_Body):
    preset_id: str | None = Field(pattern=r"^[0-9a-f]{32}$", description="`null`: no default")


async def _check_model(
    name: str | None, user: User, router_: RouterDep, user_providers: UserProvidersDep
) -> None:
    """An unknown model is refused when the preset is saved, naming the available ones."""
    if name is None or name in router_.config.routes:
        return
    try:
        (await user_providers.for_user(user.id)).resolve(name)
    except AppError as exc:
        raise AppError(exc.message, status_code=422, code=exc.code) from None


async def _default_id(db: DatabaseDep, actor: Actor) -> str | None:
    preset = await presets.default_preset(db, actor)
    return preset.id if preset else None


@router.get("/api/presets", summary="Your presets, then the instance's, and your default")
async def list_presets(user: CurrentUser, db: DatabaseDep) -> PresetList:
    actor = _actor(user)
    default_id = await _default_id(db, actor)
    items = [PresetPublic.of(p, actor, default_id) for p in await entries.list_entries(db, actor, Preset)]
    return PresetList(items=items, default_id=default_id)


@router.post(
    "/api/presets",
    status_code=status.HTTP_201_CREATED,
    summary="Save a preset",
    responses={**ADMIN_ONLY, **NAME_TAKEN, 422: {"description": "Invalid fields or an unknown model"}},
)
async def create_preset(
    body: PresetCreate,
    user: CurrentUser,
    db: DatabaseDep,
    router_: RouterDep,
    user_providers: UserProvidersDep,
) -> PresetPublic:
    actor = _actor(user)
    await _check_model(body.model, user, router_, user_providers)
    preset = await entries.create_entry(db, actor, Preset, body.scope, body.model_dump(exclude={"scope"}))
    return PresetPublic.of(preset, actor, await _default_id(db, actor))


@router.put(
    "/api/presets/default", summary="Choose the preset new conversations start with", responses=NOT_FOUND
)
async def set_default(body: DefaultChoice, user: CurrentUser, db: DatabaseDep) -> PresetList:
    await presets.set_default(db, _actor(user), body.preset_id)
    return await list_presets(user, db)


@router.get("/api/presets/{preset_id}", summary="One preset", responses=NOT_FOUND)
async def get_preset(preset_id: str, user: CurrentUser, db: DatabaseDep) -> PresetPublic:
    actor = _actor(user)
    preset = await entries.get_entry(db, actor, Preset, preset_id)
    return PresetPublic.of(preset, actor, await _default_id(db, actor))


@router.patch(
    "/api/presets/{preset_id}",
    summary="Change a preset",
    responses={**NOT_FOUND, **ADMIN_ONLY, **NAME_TAKEN},
)
async def update_preset(
    preset_id: str,
    body: PresetUpdate,
    user: CurrentUser,
    db: DatabaseDep,
    router_: RouterDep,
    user_providers: UserProvidersDep,
) -> PresetPublic:
    actor = _actor(user)
    fields = body.model_dump(exclude_unset=True)
    for required in ("name", "description"):
        if fields.get(required, "") is None:
            raise AppError(f"{required} cannot be null", status_code=422)
    await _check_model(fields.get("model"), user, router_, user_providers)
    preset = await entries.update_entry(db, actor, Preset, preset_id, fields)
    return PresetPublic.of(preset, actor, await _default_id(db, actor))


@router.delete(
    "/api/presets/{preset_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a preset",
    responses={**NOT_FOUND, **ADMIN_ONLY},
)
async def delete_preset(preset_id: str, user: CurrentUser, db: DatabaseDep) -> Response:
    await entries.delete_entry(db, _actor(user), Preset, preset_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/api/presets/{preset_id}/apply",
    summary="Set a conversation's model, reasoning, temperature and system prompt from a preset",
    description="Only the fields the preset names change; the system prompt is replaced, not appended to.",
    responses=NOT_FOUND,
)
async def apply_preset(
    preset_id: str, body: PresetApply, user: CurrentUser, db: DatabaseDep
) -> ConversationPublic:
    preset = await entries.get_entry(db, _actor(user), Preset, preset_id)
    fields = presets.conversation_fields(preset)
    view = await conversations.update_conversation(db, user.id, body.conversation_id, fields)
    return ConversationPublic.of_view(view)
