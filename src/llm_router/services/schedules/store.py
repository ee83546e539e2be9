"""Schedules kept per user: create (with a conversation of its own), list with each one's last result,
edit, pause and resume, delete. ``scheduler`` claims and runs the due slots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select

from llm_router.core.errors import AppError, NotFound
from llm_router.core.ids import new_id, utcnow
from llm_router.db.engine import Database
from llm_router.db.models import Conversation, Message
from llm_router.db.models_plans import Schedule
from llm_router.services.schedules.timing import InvalidSchedule, check_spacing, next_run, to_cron, zone

CatchUp = Literal["once", "skip"]
MAX_SCHEDULES = 100  # per user


@dataclass(frozen=True, slots=True)
class ScheduleView:
    schedule: Schedule
    last_message: Message | None  # the last run's answer: its status, error, cost and text


@dataclass(frozen=True, slots=True)
class ScheduleFields:
    """What a user may set; ``None`` leaves a field as it is (on create: its default)."""

    name: str | None = None
    prompt: str | None = None
    model: str | None = None
    schedule: str | None = None
    timezone: str | None = None
    catch_up: CatchUp | None = None
    paused: bool | None = None
    clear_model: bool = False  # ``model: null`` on an edit: the default model again


def _timing(schedule: Schedule, min_seconds: int, now: datetime) -> None:
    """Recompute ``cron`` and ``next_run_at`` (from now: paused or changed slots are not caught up)."""
    zone(schedule.timezone)
    schedule.cron = to_cron(schedule.schedule)
    check_spacing(schedule.cron, schedule.timezone, now, min_seconds)
    schedule.next_run_at = None if schedule.paused else next_run(schedule.cron, schedule.timezone, now)


async def create_schedule(
    db: Database, owner_id: str, fields: ScheduleFields, min_seconds: int
) -> ScheduleView:
    if not fields.prompt or not fields.prompt.strip():
        raise InvalidSchedule("a scheduled prompt needs its prompt text")
    if not fields.schedule:
        raise InvalidSchedule(
            "a scheduled prompt needs a schedule, e.g. 'every weekday at 07:00' or '0 7 * * 1-5'"
        )
    name = (fields.name or "").strip() or " ".join(fields.prompt.split())[:60]
    schedule = Schedule(
        id=new_id(),
        owner_id=owner_id,
        name=name,
        prompt=fields.prompt,
        model=fields.model,
        schedule=" ".join(fields.schedule.split()),
        timezone=(fields.timezone or "UTC").strip(),
        catch_up=fields.catch_up or "once",
        paused=bool(fields.paused),
        runs=0,
    )
    _timing(schedule, min_seconds, utcnow())
    async with db.write() as session:
        count = len(list(await session.scalars(select(Schedule.id).where(Schedule.owner_id == owner_id))))
        if count >= MAX_SCHEDULES:
            raise AppError(f"you have {MAX_SCHEDULES} scheduled prompts already: delete one first")
        conversation = Conversation(
            id=new_id(), owner_id=owner_id, title=f"⏱ {name}"[:200], model=fields.model
        )
        session.add(conversation)
        await session.flush()
        schedule.conversation_id = conversation.id
        session.add(schedule)
    return ScheduleView(schedule, None)


async def _owned(db: Database, owner_id: str, schedule_id: str) -> Schedule:
    async with db.read() as session:
        schedule = await session.scalar(
            select(Schedule).where(Schedule.id == schedule_id, Schedule.owner_id == owner_id)
        )
    if schedule is None:
        raise NotFound("scheduled prompt not found")
    return schedule


async def _view(db: Database, schedule: Schedule) -> ScheduleView:
    async with db.read() as session:
        message = await session.get(Message, schedule.last_message_id) if schedule.last_message_id else None
    return ScheduleView(schedule, message)


async def get_schedule(db: Database, owner_id: str, schedule_id: str) -> ScheduleView:
    return await _view(db, await _owned(db, owner_id, schedule_id))


async def list_schedules(db: Database, owner_id: str) -> list[ScheduleView]:
    async with db.read() as session:
        rows = list(
            await session.scalars(
                select(Schedule)
                .where(Schedule.owner_id == owner_id)
                .order_by(Schedule.created_at, Schedule.id)
            )
        )
        ids = [s.last_message_id for s in rows if s.last_message_id]
        messages = {m.id: m for m in await session.scalars(select(Message).where(Message.id.in_(ids)))}
    return [ScheduleView(s, messages.get(s.last_message_id or "")) for s in rows]


async def update_schedule(
    db: Database, owner_id: str, schedule_id: str, fields: ScheduleFields, min_seconds: int
) -> ScheduleView:
    changes: dict[str, Any] = {
        k: v
        for k, v in (
            ("name", fields.name),
            ("prompt", fields.prompt),
            ("model", fields.model),
            ("schedule", fields.schedule),
            ("timezone", fields.timezone),
            ("catch_up", fields.catch_up),
            ("paused", fields.paused),
        )
        if v is not None
    }
    if "timezone" in changes:
        changes["timezone"] = str(changes["timezone"]).strip()
    if fields.clear_model:
        changes["model"] = None
    if "prompt" in changes and not str(changes["prompt"]).strip():
        raise InvalidSchedule("a scheduled prompt needs its prompt text")
    async with db.write() as session:
        schedule = await session.scalar(
            select(Schedule)
            .where(Schedule.id == schedule_id, Schedule.owner_id == owner_id)
            .with_for_update()
        )
        if schedule is None:
            raise NotFound("scheduled prompt not found")
        timing_changed = any(k in changes for k in ("schedule", "timezone", "paused"))
        for name, value in changes.items():
            setattr(schedule, name, value)
        if timing_changed:
            _timing(schedule, min_seconds, utcnow())
        schedule.updated_at = utcnow()
    return await _view(db, schedule)


async def delete_schedule(db: Database, owner_id: str, schedule_id: str) -> None:
    """Delete the schedule; its conversation (the answers so far) stays, as any conversation does."""
    async with db.write() as session:
        schedule = await session.scalar(
            select(Schedule).where(Schedule.id == schedule_id, Schedule.owner_id == owner_id)
        )
        if schedule is None:
            raise NotFound("scheduled prompt not found")
        await session.delete(schedule)
