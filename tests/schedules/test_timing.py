"""Schedules as written by people: simple forms and cron, in a time zone with daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from llm_router.services.schedules.timing import (
    InvalidSchedule,
    check_spacing,
    fill_prompt,
    next_runs,
    to_cron,
)


@pytest.mark.parametrize(
    ("written", "cron"),
    [
        ("every weekday at 07:00", "0 7 * * 1-5"),
        ("Every day at 8:30", "30 8 * * *"),
        ("every monday at 09:00", "0 9 * * 1"),
        ("every mon and thu at 6pm", "0 18 * * 1,4"),
        ("every weekend at 10:00", "0 10 * * 6,0"),
        ("every 15 minutes", "*/15 * * * *"),
        ("every hour", "0 * * * *"),
        ("every 2 hours", "0 */2 * * *"),
        ("@daily", "0 0 * * *"),
        ("0 9 * JAN MON", "0 9 * JAN MON"),  # a cron expression is kept as written
        ("0  7 * * 1-5", "0 7 * * 1-5"),
    ],
)
def test_simple_forms_and_cron(written: str, cron: str) -> None:
    assert to_cron(written) == cron


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("every blursday at 07:00", "cannot read the day"),
        ("every day", "say when"),
        ("every day at 13pm", "12-hour times"),
        ("every 90 minutes", "N runs from 1 to 59"),
        ("0 0 30 2 *", "Bad day-of-month"),  # never happens: refused rather than searched for ever
        ("", "a schedule is needed"),
    ],
)
def test_unreadable_schedules_say_how_to_write_them(written: str, words: str) -> None:
    with pytest.raises(InvalidSchedule, match=words):
        to_cron(written)


def test_local_time_holds_across_daylight_saving() -> None:
    # Berlin moves from UTC+1 to UTC+2 on 2026-03-29: 07:00 local is 06:00 UTC before, 05:00 UTC after
    runs = next_runs("0 7 * * *", "Europe/Berlin", datetime(2026, 3, 27, 12, tzinfo=UTC), 3)
    assert [(r.day, r.hour) for r in runs] == [(28, 6), (29, 5), (30, 5)]
    assert all(r.tzinfo == UTC for r in runs)


def test_spacing_limit_and_prompt_variables() -> None:
    now = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
    check_spacing("* * * * *", "UTC", now, 60)
    with pytest.raises(InvalidSchedule, match="runs every 60 s; the shortest allowed here is 300 s"):
        check_spacing("* * * * *", "UTC", now, 300)
    slot = datetime(2026, 12, 4, 22, 30, 5, tzinfo=UTC)
    filled = fill_prompt("{{weekday}} {{date}} {{time}} {{datetime}} {{other}}", slot, "Asia/Tokyo")
    assert filled == "Saturday 2026-12-05 07:30 2026-12-05T07:30:05+09:00 {{other}}"
