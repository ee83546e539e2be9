"""``/api/schedules``: scheduled prompts (list with next run and last result, create, edit, pause, run now,
delete). Each runs as a turn of its own conversation; see ``services/schedules``."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import CurrentUser, DatabaseDep, Services
from llm_router.api.services import AppServices
from llm_router.db.models import Preset
from llm_router.services.chat import conversations
from llm_router.services.library import entries, presets
from llm_router.services.library.entries import Actor
from llm_router.services.schedules import SIMPLE_FORMS, ScheduleFields, ScheduleView, describe
from llm_router.services.schedules import store as schedules

router = APIRouter(prefix="/api/schedules", tags=["schedules"])

ScheduleText = Field(
    min_length=1,
    max_length=200,
    description="A cron expression or a simple form",
    examples=list(SIMPLE_FORMS[4:6]),
)
TimeZone = Field(min_length=1, max_length=64, description="IANA time zone", examples=["Europe/Berlin"])


class ScheduleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200, examples=["Morning briefing"])
    prompt: str = Field(min_length=1, max_length=20_000, examples=["Summarise today's calendar"])
    model: str | None = Field(default=None, max_length=200, description="A model or route alias")
    schedule: str = ScheduleText
    timezone: str = TimeZone
    catch_up: Literal["once", "skip"] = Field(
        default="once", description="A run missed while the server was down: run it once at start, or skip it"
    )
    paused: bool = False
    preset_id: str | None = Field(
        default=None,
        description="A preset (yours or the instance's): its model, reasoning, temperature and system prompt "
        "become the schedule conversation's; `model` given here wins over the preset's",
    )


class ScheduleUpdate(BaseModel):
    """Any subset; ``model: null`` goes back to the default model."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    prompt: str | None = Field(default=None, min_length=1, max_length=20_000)
    model: str | None = Field(default=None, max_length=200)
    schedule: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    catch_up: Literal["once", "skip"] | None = None
    paused: bool | None = None


class LastRun(BaseModel):
    at: datetime | None = Field(description="The slot last run or skipped")
    status: str | None = Field(
        description=(
            "`started`, then the answer's status (`complete`, `error`…); `refused`, `failed` or `skipped`"
        )
    )
    error: str | None
    message_id: str | None
    cost: float | None
    excerpt: str | None = Field(description="The answer's first characters")


class SchedulePublic(BaseModel):
    id: str
    name: str
    prompt: str
    model: str | None
    schedule: str
    cron: str
    description: str = Field(examples=["At 07:00 on Monday through Friday"])
    timezone: str
    catch_up: str
    paused: bool
    conversation_id: str | None
    next_run_at: datetime | None
    runs: int
    last: LastRun
    created_at: datetime

    @classmethod
    def of(cls, view: ScheduleView) -> SchedulePublic:
        s, message = view.schedule, view.last_message
        state = s.last_status
        if state == "started" and message is not None:
            state = message.status  # the answer's own progress once a run has started
        last = LastRun(
            at=s.last_run_at,
            status=state,
            error=(message.error if message is not None and state != "refused" else None) or s.last_error,
            message_id=s.last_message_id,
            cost=message.cost if message is not None else None,
            excerpt=message.content[:200] if message is not None and message.content else None,
        )
        fields = {n: getattr(s, n) for n in cls.model_fields if n not in ("description", "last")}
        return cls(**fields, description=describe(s.cron), last=last)


async def _check_model(services: AppServices, owner_id: str, model: str | None) -> None:
    """An unknown model is refused now (naming the ones there are), not at 07:00 tomorrow."""
    if model and model not in services.router.config.routes:
        (await services.user_providers.for_user(owner_id)).resolve(model)


def _fields(body: ScheduleCreate | ScheduleUpdate) -> ScheduleFields:
    data = body.model_dump(exclude_unset=True, exclude={"preset_id"})
    return ScheduleFields(
        **{k: v for k, v in data.items() if v is not None},
        clear_model="model" in data and data["model"] is None,
    )


@router.get("", summary="Your scheduled prompts with next run and last result")
async def list_schedules(user: CurrentUser, db: DatabaseDep) -> list[SchedulePublic]:
    return [SchedulePublic.of(v) for v in await schedules.list_schedules(db, user.id)]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Schedule a prompt")
async def create_schedule(body: ScheduleCreate, user: CurrentUser, services: Services) -> SchedulePublic:
    preset = None
    if body.preset_id is not None:  # someone else's personal preset: 404, as everywhere
        preset = await entries.get_entry(
            services.db, Actor(user.id, user.role == "admin"), Preset, body.preset_id
        )
    fields = _fields(body)
    if preset is not None and fields.model is None:
        fields = replace(fields, model=preset.model)
    await _check_model(services, user.id, fields.model)
    min_seconds = services.settings.schedule_min_seconds
    view = await schedules.create_schedule(services.db, user.id, fields, min_seconds)
    if preset is not None and view.schedule.conversation_id is not None:
        settings = {k: v for k, v in presets.conversation_fields(preset).items() if k != "model"}
        await conversations.update_conversation(services.db, user.id, view.schedule.conversation_id, settings)
    return SchedulePublic.of(view)


@router.get("/{schedule_id}", summary="One scheduled prompt", responses={404: {}})
async def get_schedule(schedule_id: str, user: CurrentUser, db: DatabaseDep) -> SchedulePublic:
    return SchedulePublic.of(await schedules.get_schedule(db, user.id, schedule_id))


@router.patch("/{schedule_id}", summary="Edit, pause or resume a scheduled prompt", responses={404: {}})
async def update_schedule(
    schedule_id: str, body: ScheduleUpdate, user: CurrentUser, services: Services
) -> SchedulePublic:
    await _check_model(services, user.id, body.model)
    min_seconds = services.settings.schedule_min_seconds
    view = await schedules.update_schedule(services.db, user.id, schedule_id, _fields(body), min_seconds)
    return SchedulePublic.of(view)


@router.post("/{schedule_id}/run", summary="Run a scheduled prompt now (its schedule is unchanged)")
async def run_now(schedule_id: str, user: CurrentUser, services: Services) -> SchedulePublic:
    view = await schedules.get_schedule(services.db, user.id, schedule_id)
    await services.scheduler.run(view.schedule)
    return SchedulePublic.of(await schedules.get_schedule(services.db, user.id, schedule_id))


@router.delete("/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a scheduled prompt")
async def delete_schedule(schedule_id: str, user: CurrentUser, db: DatabaseDep) -> None:
    await schedules.delete_schedule(db, user.id, schedule_id)
