"""When a schedule runs: a cron expression (5 fields, or 6 with seconds first) or a simple form ("every
weekday at 07:00", "every day at 08:30", "every monday at 09:00", "every 15 minutes"), evaluated in
the schedule's IANA time zone with ``cronsim`` (daylight-saving changes included), stored in UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import islice, pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from llm_router.core.errors import AppError


class InvalidSchedule(AppError):
    """422: the schedule (or its time zone) cannot be read; the message says how to write it."""

    status_code = 422
    code = "invalid_schedule"


DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
SIMPLE_FORMS = (
    "every minute",
    "every 15 minutes",
    "every hour",
    "every 2 hours",
    "every day at 08:30",
    "every weekday at 07:00",
    "every weekend at 10:00",
    "every monday at 09:00",
    "every monday and thursday at 18:00",
)
NICKNAMES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSchedule(
            f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin or UTC"
        ) from None


def _time(text: str) -> tuple[int, int]:
    match = _TIME.match(text.strip())
    if not match:
        raise InvalidSchedule(f"cannot read the time {text!r}: write it like 07:00, 7:30pm or 19:00")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3):
        if not 1 <= hour <= 12:
            raise InvalidSchedule(f"cannot read the time {text!r}: 12-hour times run from 1 to 12")
        hour = hour % 12 + (12 if match.group(3) == "pm" else 0)
    if hour > 23 or minute > 59:
        raise InvalidSchedule(f"cannot read the time {text!r}: hours run 0–23 and minutes 0–59")
    return hour, minute


def _days(text: str) -> str:
    words = [w for w in re.split(r"[\s,]+|\band\b", text) if w]
    if words == ["day"]:
        return "*"
    if words == ["weekday"]:
        return "1-5"
    if words in (["weekend"], ["weekend", "day"]):
        return "6,0"
    numbers: list[str] = []
    for word in words:
        day = word.rstrip("s")  # "mondays"
        matches = [i for i, name in enumerate(DAYS) if name.startswith(day) and len(day) >= 3]
        if len(matches) != 1:
            raise InvalidSchedule(
                f"cannot read the day {word!r}: write day, weekday, weekend or a day's name"
            )
        numbers.append(str(matches[0]))
    return ",".join(numbers)


def to_cron(schedule: str) -> str:
    """The cron expression for ``schedule`` (a cron expression is returned as written); 422 otherwise."""
    written = " ".join(schedule.split())
    text = written.lower()
    if not text:
        raise InvalidSchedule("a schedule is needed: a cron expression or e.g. 'every weekday at 07:00'")
    if text in NICKNAMES:
        return NICKNAMES[text]
    if not text.startswith("every "):
        _validate(written)
        return written
    rest = text.removeprefix("every ")
    if match := re.fullmatch(r"(\d+ )?minutes?", rest):
        step = int(match.group(1) or 1)
        if not 1 <= step <= 59:
            raise InvalidSchedule("every N minutes: N runs from 1 to 59")
        return "* * * * *" if step == 1 else f"*/{step} * * * *"
    if match := re.fullmatch(r"(\d+ )?hours?", rest):
        step = int(match.group(1) or 1)
        if not 1 <= step <= 23:
            raise InvalidSchedule("every N hours: N runs from 1 to 23")
        return "0 * * * *" if step == 1 else f"0 */{step} * * *"
    days, at, when = rest.partition(" at ")
    if not at:
        raise InvalidSchedule(f"cannot read {schedule!r}: say when, e.g. 'every day at 08:30'")
    hour, minute = _time(when)
    return f"{minute} {hour} * * {_days(days)}"


def _validate(cron: str) -> None:
    if len(cron.split()) not in (5, 6):
        raise InvalidSchedule(
            f"cannot read {cron!r}: a cron expression has 5 fields (minute hour day month weekday), or write "
            f"a simple form such as {', '.join(repr(f) for f in SIMPLE_FORMS[4:7])}"
        )
    try:
        CronSim(cron, datetime.now(UTC))
    except CronSimError as exc:
        raise InvalidSchedule(f"cannot read the cron expression {cron!r}: {exc}") from None


def next_runs(cron: str, timezone: str, after: datetime, count: int = 1) -> list[datetime]:
    """The next ``count`` slots strictly after ``after``, in UTC."""
    local = after.astimezone(zone(timezone)).replace(microsecond=0)
    return [slot.astimezone(UTC) for slot in islice(CronSim(cron, local), count)]


def next_run(cron: str, timezone: str, after: datetime) -> datetime:
    return next_runs(cron, timezone, after)[0]


def check_spacing(cron: str, timezone: str, now: datetime, min_seconds: int) -> None:
    """422 when two runs come closer than ``min_seconds`` (the instance's setting)."""
    slots = next_runs(cron, timezone, now, 6)
    gaps = [b - a for a, b in pairwise(slots)]
    if gaps and min(gaps) < timedelta(seconds=min_seconds):
        raise InvalidSchedule(
            f"this schedule runs every {int(min(gaps).total_seconds())} s; the shortest allowed here is "
            f"{min_seconds} s (LLM_ROUTER_SCHEDULE_MIN_SECONDS)"
        )


def describe(cron: str) -> str:
    """Plain English for the screen, e.g. "At 07:00 on every day-of-week from Monday through Friday"."""
    try:
        return str(CronSim(cron, datetime.now(UTC)).explain())
    except Exception:  # explain() does not cover every expression
        return cron


def fill_prompt(prompt: str, slot: datetime, timezone: str) -> str:
    """``{{date}}`` (2026-12-04), ``{{time}}`` (07:00), ``{{datetime}}`` (ISO 8601 with seconds and offset)
    and ``{{weekday}}`` of the run's slot in the schedule's time zone; other text is left as it is."""
    if "{{" not in prompt:
        return prompt
    local = slot.astimezone(zone(timezone))
    values = {
        "date": local.strftime("%Y-%m-%d"),
        "time": local.strftime("%H:%M"),
        "datetime": local.isoformat(timespec="seconds"),
        "weekday": DAYS[int(local.strftime("%w"))].capitalize(),
    }
    return re.sub(r"\{\{\s*(date|time|datetime|weekday)\s*\}\}", lambda m: values[m.group(1)], prompt)
