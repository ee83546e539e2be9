"""Scheduled prompts across real server processes (``llm-router serve``) on PostgreSQL + Redis: every
slot of a short-interval schedule runs exactly once although both processes look for due prompts five
times a second; after both stop, the slot missed during the downtime runs once when one starts again.
Each run's prompt carries its slot (``{{datetime}}``), so a slot run twice would show as a repeat."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from llm_router.testing import FakeProvider
from tests.support.chat import MODEL, provider_env
from tests.support.databases import PostgresFactory
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/0"
START_TIMEOUT = 120  # a loaded machine imports slowly; a deadline, not a measurement
EVERY_2_SECONDS = "*/2 * * * * *"  # cron with a seconds field, allowed by LLM_ROUTER_SCHEDULE_MIN_SECONDS=1


def _server(tmp_path: Path, name: str, database_url: str, fake: FakeProvider) -> ServerProcess:
    cwd = tmp_path / name
    cwd.mkdir(exist_ok=True)
    env = {
        "LLM_ROUTER_DATA_DIR": str(cwd / "data"),
        "LLM_ROUTER_DATABASE_URL": database_url,
        "LLM_ROUTER_REDIS_URL": REDIS_URL,
        "LLM_ROUTER_AUTH": "none",
        "LLM_ROUTER_LOG_LEVEL": "WARNING",
        "LLM_ROUTER_SCHEDULER_INTERVAL": "0.2",
        "LLM_ROUTER_SCHEDULE_MIN_SECONDS": "1",
        "LLM_ROUTER_MEMORY_PROPOSE_AFTER": "0",
        "ANTHROPIC_API_KEY": "",
        "OPENROUTER_API_KEY": "",
        "OLLAMA_BASE_URL": "",
    }
    return ServerProcess({**env, **provider_env(fake)}, cwd=cwd)


def _slots(client: httpx.Client, conversation_id: str) -> list[datetime]:
    """The slot of each run, read from its prompt, in the order the runs were stored."""
    page = client.get(f"/api/conversations/{conversation_id}", params={"limit": 500}).json()
    prompts = [m["content"] for m in page["messages"] if m["role"] == "user"]
    return [datetime.fromisoformat(p.removeprefix("tick ")) for p in prompts]


def _schedule(client: httpx.Client, schedule_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/schedules/{schedule_id}").json())


def _pause_and_settle(client: httpx.Client, schedule_id: str) -> dict[str, Any]:
    assert client.patch(f"/api/schedules/{schedule_id}", json={"paused": True}).status_code == 200
    return wait_until(
        lambda: _schedule(client, schedule_id),
        timeout=30,
        accept=lambda s: s["last"]["status"] not in ("running", "started", "pending", "streaming"),
        message="the last run to finish",
    )


def test_each_slot_runs_once_across_two_processes_and_a_missed_slot_runs_once_at_start(
    tmp_path: Path, postgres_factory: PostgresFactory, fake_provider: FakeProvider
) -> None:
    database_url = postgres_factory.new()
    a = _server(tmp_path, "a", database_url, fake_provider)
    b = _server(tmp_path, "b", database_url, fake_provider)
    try:
        a.start(timeout=START_TIMEOUT)
        b.start(timeout=START_TIMEOUT)
        with httpx.Client(base_url=a.url, timeout=30) as client:
            created = client.post(
                "/api/schedules",
                json={
                    "prompt": "tick {{datetime}}",
                    "schedule": EVERY_2_SECONDS,
                    "timezone": "UTC",
                    "model": MODEL,
                },
            )
            assert created.status_code == 201, created.text
            schedule = created.json()
            wait_until(
                lambda: _schedule(client, schedule["id"])["runs"],
                timeout=90,
                accept=lambda runs: runs >= 5,
                message="five runs of the schedule",
            )
            settled = _pause_and_settle(client, schedule["id"])
            slots = _slots(client, schedule["conversation_id"])
            assert len(slots) == settled["runs"] >= 5
            assert len(set(slots)) == len(slots), f"a slot ran twice: {slots}"
            assert all(s.second % 2 == 0 and s.microsecond == 0 for s in slots)
            assert slots == sorted(slots)
            answers = client.get(f"/api/conversations/{schedule['conversation_id']}", params={"limit": 500})
            statuses = [m["status"] for m in answers.json()["messages"] if m["role"] == "assistant"]
            assert statuses == ["complete"] * len(slots)  # no run was refused as a clash with another

            # both processes stop; the schedule is due again while nothing runs
            assert client.patch(f"/api/schedules/{schedule['id']}", json={"paused": False}).status_code == 200
        a.terminate()
        b.terminate()
        time.sleep(5)  # downtime: a couple of slots pass with no process up (a deadline-free wait)
        restarted = time.time()
        a.start(timeout=START_TIMEOUT)
        with httpx.Client(base_url=a.url, timeout=30) as client:
            wait_until(
                lambda: _schedule(client, schedule["id"])["runs"],
                timeout=90,
                accept=lambda runs: runs >= settled["runs"] + 2,
                message="runs after the restart",
            )
            after = _pause_and_settle(client, schedule["id"])
            new_slots = _slots(client, schedule["conversation_id"])[len(slots) :]
            assert len(new_slots) == after["runs"] - settled["runs"]
            missed = [s for s in new_slots if s.timestamp() < restarted]
            assert len(missed) == 1, f"the downtime's slots should run once in all: {new_slots}"
            assert missed == new_slots[:1]  # at start, before any later slot
            assert len(set(new_slots)) == len(new_slots)
    finally:
        a.kill()
        b.kill()
        postgres_factory.drop(database_url)
