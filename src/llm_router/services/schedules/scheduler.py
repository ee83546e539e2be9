"""The scheduler loop: every ``interval`` seconds, claim each due slot and start its turn.

Exactly once across processes and replicas: a slot is claimed by one conditional UPDATE that moves
``next_run_at`` from that slot to the next one (``WHERE next_run_at = <slot>``). Under SQLite's
``BEGIN IMMEDIATE`` and PostgreSQL's row locks only one UPDATE can match, so only one process runs it;
the others see zero rows changed. Every process may run the loop. A disabled account's schedules wait
(they run once, as a missed slot, if it is enabled again).

Slots missed while no process ran (downtime) collapse into one: the next slot is always computed from
now, and a slot found more than ``late_after`` late runs once (``catch_up: once``) or is recorded as
skipped (``catch_up: skip``). A run is an ordinary turn of the schedule's conversation (the durable job
path: budgets, routes, ``#no_cloud``, push notifications); a refusal (budget, policy, a run still going)
is recorded on the schedule as ``refused``/``failed`` with its reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update

from llm_router.core.errors import AppError
from llm_router.core.ids import new_id, utcnow
from llm_router.db.engine import Database
from llm_router.db.models import Conversation, User
from llm_router.db.models_plans import Schedule
from llm_router.services.chat import ModelChoice, Turn, TurnInput
from llm_router.services.schedules.timing import fill_prompt, next_run

log = logging.getLogger(__name__)

StartTurn = Callable[[TurnInput], Awaitable[Turn]]
Clock = Callable[[], datetime]
BATCH = 50  # due schedules read per look


class Scheduler:
    def __init__(
        self,
        db: Database,
        start_turn: StartTurn,
        interval: float = 15.0,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.start_turn = start_turn
        self.interval = interval
        self.clock = clock
        self.late_after = timedelta(seconds=max(60.0, 3 * interval))
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:  # the first look is at once: a slot missed while the server was down runs now
            try:
                await self.tick()
            except Exception:  # a database hiccup must not end the loop
                log.exception("scheduler: looking for due prompts failed")
            await asyncio.sleep(self.interval)

    async def tick(self) -> int:
        """Claim and start every due slot this process wins; returns how many it started or skipped."""
        now = self.clock()
        async with self.db.read() as session:
            due = list(
                await session.scalars(
                    select(Schedule)
                    .join(User, User.id == Schedule.owner_id)
                    .where(Schedule.paused.is_(False), Schedule.next_run_at <= now, User.disabled.is_(False))
                    .order_by(Schedule.next_run_at)
                    .limit(BATCH)
                )
            )
        handled = 0
        for schedule in due:
            try:
                handled += await self._due(schedule, now)
            except Exception:
                log.exception("scheduler: schedule %s failed", schedule.id)
        return handled

    async def _due(self, schedule: Schedule, now: datetime) -> int:
        slot = schedule.next_run_at
        assert slot is not None
        try:
            following = next_run(schedule.cron, schedule.timezone, now)
        except AppError as exc:  # e.g. a time zone removed from the system's database
            await self._record(schedule.id, "failed", exc.message, None, pause=True)
            return 0
        skip = schedule.catch_up == "skip" and now - slot > self.late_after
        if not await self._claim(schedule.id, slot, following, "skipped" if skip else "running"):
            return 0  # another process has it
        if skip:
            log.info("scheduler: %s missed its %s run (server down); skipped as asked", schedule.id, slot)
            return 1
        await self.run(schedule, slot)
        return 1

    async def _claim(self, schedule_id: str, slot: datetime, following: datetime, status: str) -> bool:
        async with self.db.write() as session:
            result = await session.execute(
                update(Schedule)
                .where(
                    Schedule.id == schedule_id,
                    Schedule.next_run_at == slot,
                    Schedule.paused.is_(False),
                )
                .values(next_run_at=following, last_run_at=slot, last_status=status, updated_at=utcnow())
            )
        return bool(getattr(result, "rowcount", 0))

    async def run(self, schedule: Schedule, slot: datetime | None = None) -> Turn | None:
        """One run (of ``slot``, default now): the prompt, its ``{{date}}``/``{{time}}``/``{{datetime}}``
        filled in, as a turn of the schedule's conversation (made again if it was deleted)."""
        try:
            conversation_id = await self._conversation(schedule)
            turn = await self.start_turn(
                TurnInput(
                    kind="send",
                    owner_id=schedule.owner_id,
                    conversation_id=conversation_id,
                    content=fill_prompt(schedule.prompt, slot or self.clock(), schedule.timezone),
                    choice=ModelChoice(model=schedule.model),
                )
            )
        except AppError as exc:
            status = "refused" if exc.status_code in (400, 402, 409) else "failed"
            log.info("scheduler: %s %s: %s", schedule.id, status, exc.message)
            await self._record(schedule.id, status, exc.message, None)
            return None
        except Exception:
            log.exception("scheduler: starting %s failed", schedule.id)
            await self._record(schedule.id, "failed", "internal error while starting the run", None)
            return None
        await self._record(schedule.id, "started", None, turn.assistant_message.id, at=slot or self.clock())
        return turn

    async def _conversation(self, schedule: Schedule) -> str:
        async with self.db.write() as session:
            existing = schedule.conversation_id
            if existing is not None and await session.get(Conversation, existing) is not None:
                return existing
            conversation = Conversation(
                id=new_id(),
                owner_id=schedule.owner_id,
                title=f"⏱ {schedule.name}"[:200],
                model=schedule.model,
            )
            session.add(conversation)
            await session.flush()
            await session.execute(
                update(Schedule).where(Schedule.id == schedule.id).values(conversation_id=conversation.id)
            )
        schedule.conversation_id = conversation.id
        return conversation.id

    async def _record(
        self,
        schedule_id: str,
        status: str,
        error: str | None,
        message_id: str | None,
        *,
        pause: bool = False,
        at: datetime | None = None,
    ) -> None:
        values: dict[str, object] = {"last_status": status, "last_error": error, "updated_at": utcnow()}
        if at is not None:  # "run now" has no slot: the moment it ran
            values["last_run_at"] = at
        if message_id is not None:
            values["last_message_id"] = message_id
            values["runs"] = Schedule.runs + 1
        if pause:
            values.update(paused=True, next_run_at=None)
        async with self.db.write() as session:
            await session.execute(update(Schedule).where(Schedule.id == schedule_id).values(**values))
