"""The housekeeping runner: waits before the first run, repeats, survives a failing run, stops."""

from __future__ import annotations

import asyncio

import pytest

from llm_router.core.periodic import Periodic


async def test_runs_again_after_a_failure_and_stops(caplog: pytest.LogCaptureFixture) -> None:
    runs: list[int] = []

    async def job() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("the disk was busy")

    later = Periodic("later-sweeper", job, every=0.01, first=3600)
    later.start()
    await asyncio.sleep(0.05)
    await later.stop()
    assert runs == []  # the first run waits, off the start-up path

    periodic = Periodic("test-sweeper", job, every=0.01, first=0)
    periodic.start()
    for _ in range(500):
        if len(runs) >= 3:
            break
        await asyncio.sleep(0.01)
    await periodic.stop()
    assert len(runs) >= 3  # the failure did not end the loop
    assert "test-sweeper failed" in caplog.text
    stopped = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == stopped
