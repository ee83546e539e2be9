"""The scheduler with a fake clock, on both databases: each slot runs once even with two schedulers
(two processes' worth) looking at the same moment; a slot missed while nothing ran runs once (or is
skipped, as the schedule asks); a budget refusal is recorded with its reason. The services are the
app's own (``open_services``) with the providers at the fake servers; only the clock is fake."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from llm_router.api.services import AppServices, open_services
from llm_router.core.settings import Settings
from llm_router.db.models import OWNER_USER_ID, Message, User
from llm_router.db.models_plans import Schedule
from llm_router.services.routing import load_routes
from llm_router.services.schedules import ScheduleFields, Scheduler, store
from llm_router.testing.fake_provider import FakeProvider
from tests.support.v1 import OPENAI_BIG, providers_file

ZONE = "Europe/Berlin"
BERLIN = ZoneInfo(ZONE)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _settings(make_settings: Callable[..., Settings], tmp_path: Path, fake: FakeProvider) -> Settings:
    files = tmp_path / "config"
    files.mkdir(exist_ok=True)
    path = providers_file(files / "providers.yaml", fake, fake)
    return make_settings(providers_file=path, scheduler=False, memory_propose_after=0)


async def _settle(services: AppServices) -> None:
    """Wait (bounded) until no answer is being generated."""
    for _ in range(600):
        if not services.jobs.running_ids():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("answers still running after 30 s")


async def _user_messages(services: AppServices, conversation_id: str) -> list[str]:
    async with services.db.read() as session:
        rows = await session.scalars(
            select(Message.content)
            .where(Message.conversation_id == conversation_id, Message.role == "user")
            .order_by(Message.created_at)
        )
        return list(rows)


async def _schedule(services: AppServices, schedule_id: str) -> Schedule:
    async with services.db.read() as session:
        schedule = await session.get(Schedule, schedule_id)
    assert schedule is not None
    return schedule


async def test_each_slot_runs_once_with_two_schedulers_and_a_missed_slot_once(
    make_settings: Callable[..., Settings], tmp_path: Path, fake_provider: FakeProvider
) -> None:
    settings = _settings(make_settings, tmp_path, fake_provider)
    async with open_services(settings, load_routes(settings.routes)) as services:
        fields = ScheduleFields(
            prompt="tick {{datetime}}", schedule="every minute", timezone=ZONE, model=OPENAI_BIG
        )
        view = await store.create_schedule(services.db, OWNER_USER_ID, fields, 60)
        conversation_id = view.schedule.conversation_id
        assert conversation_id is not None
        slot = view.schedule.next_run_at
        assert slot is not None
        assert slot.second == 0

        clock = FakeClock(slot - timedelta(seconds=1))
        first, second = (Scheduler(services.db, services.jobs.start, clock=clock) for _ in range(2))
        assert await first.tick() == 0  # not due yet

        slots = []
        for _ in range(3):
            clock.now = slot + timedelta(seconds=1)
            started = await asyncio.gather(first.tick(), second.tick(), first.tick(), second.tick())
            assert sum(started) == 1, started
            await _settle(services)
            slots.append(slot)
            slot = (await _schedule(services, view.schedule.id)).next_run_at
            assert slot == slots[-1] + timedelta(minutes=1)

        expected = [f"tick {s.astimezone(BERLIN).isoformat()}" for s in slots]
        assert await _user_messages(services, conversation_id) == expected

        # the server was down for ten minutes: the missed slots run once, then the next is in the future
        clock.now = slot + timedelta(minutes=10, seconds=5)
        started = await asyncio.gather(first.tick(), second.tick())
        assert sum(started) == 1
        await _settle(services)
        messages = await _user_messages(services, conversation_id)
        assert len(messages) == 4
        assert messages[-1] == f"tick {slot.astimezone(BERLIN).isoformat()}"  # the missed slot
        after = await _schedule(services, view.schedule.id)
        assert after.next_run_at is not None
        assert after.next_run_at > clock.now
        assert after.runs == 4
        assert await first.tick() == 0

        # each run is an ordinary turn: its answer is stored in the schedule's conversation
        async with services.db.read() as session:
            answers = list(
                await session.scalars(
                    select(Message).where(
                        Message.conversation_id == conversation_id, Message.role == "assistant"
                    )
                )
            )
        assert [a.status for a in answers] == ["complete"] * 4
        assert all(a.content.startswith("Echo: tick") for a in answers)


async def test_skip_catch_up_and_a_budget_refusal_are_recorded(
    make_settings: Callable[..., Settings], tmp_path: Path, fake_provider: FakeProvider
) -> None:
    settings = _settings(make_settings, tmp_path, fake_provider)
    async with open_services(settings, load_routes(settings.routes)) as services:
        skip = await store.create_schedule(
            services.db,
            OWNER_USER_ID,
            ScheduleFields(
                prompt="skip me", schedule="0 7 * * *", timezone=ZONE, catch_up="skip", model=OPENAI_BIG
            ),
            60,
        )
        slot = skip.schedule.next_run_at
        assert slot is not None
        assert slot.astimezone(BERLIN).hour == 7  # 07:00 in Berlin
        clock = FakeClock(slot + timedelta(hours=3))  # down through 07:00
        scheduler = Scheduler(services.db, services.jobs.start, clock=clock)
        assert await scheduler.tick() == 1
        skipped = await _schedule(services, skip.schedule.id)
        assert (skipped.last_status, skipped.runs) == ("skipped", 0)
        assert skipped.next_run_at == slot + timedelta(days=1)
        assert skipped.conversation_id is not None
        assert await _user_messages(services, skipped.conversation_id) == []

        # a disabled account's schedule waits
        async with services.db.write() as session:
            await session.execute(update(User).where(User.id == OWNER_USER_ID).values(disabled=True))
        clock.now = slot + timedelta(days=1, seconds=2)
        assert await scheduler.tick() == 0
        async with services.db.write() as session:
            await session.execute(update(User).where(User.id == OWNER_USER_ID).values(disabled=False))

        # on time, but over budget: refused before anything is stored or sent, with the reason shown
        await services.budgets.set("user", OWNER_USER_ID, 0.0, None)
        fake_provider.reset()
        clock.now = slot + timedelta(days=1, seconds=2)
        assert await scheduler.tick() == 1
        refused = await _schedule(services, skip.schedule.id)
        assert refused.last_status == "refused"
        assert refused.last_error is not None
        assert "budget reached" in refused.last_error
        assert await _user_messages(services, skipped.conversation_id) == []
        assert [r for r in fake_provider.requests if not r.path.endswith("/models")] == []
