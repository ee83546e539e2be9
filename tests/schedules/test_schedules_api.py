"""``/api/schedules`` on both databases: simple forms and cron in the user's time zone, readable 422s,
run now (the answer lands in the schedule's conversation, with its cost), pause and resume, edit,
delete."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import wait_final
from tests.support.v1 import OPENAI_BIG, V1App


@pytest.fixture
def v1_overrides() -> dict[str, object]:
    return {"scheduler": False}  # the loop stays off: this test runs the schedules itself


@pytest.fixture
def api(v1_app: V1App) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=v1_app.url, timeout=30) as client:
        yield client


def _create(api: httpx.Client, **fields: object) -> httpx.Response:
    body = {
        "prompt": "Brief me for {{weekday}}",
        "schedule": "every weekday at 07:00",
        "timezone": "Asia/Tokyo",
    }
    return api.post("/api/schedules", json={**body, **fields})


def test_create_list_run_now_pause_edit_delete(api: httpx.Client) -> None:
    created = _create(api, model=OPENAI_BIG, name="Morning")
    assert created.status_code == 201, created.text
    schedule = created.json()
    assert schedule["cron"] == "0 7 * * 1-5"
    assert schedule["description"] == "At 07:00 on Monday through Friday"
    next_run = datetime.fromisoformat(schedule["next_run_at"]).astimezone(ZoneInfo("Asia/Tokyo"))
    assert (next_run.hour, next_run.minute) == (7, 0)
    assert next_run.isoweekday() <= 5
    assert schedule["last"]["status"] is None
    conversation = api.get(f"/api/conversations/{schedule['conversation_id']}").json()
    assert conversation["title"] == "⏱ Morning"

    ran = api.post(f"/api/schedules/{schedule['id']}/run")
    assert ran.status_code == 200, ran.text
    message_id = ran.json()["last"]["message_id"]
    answer = wait_final(api, message_id)
    assert answer["status"] == "complete"
    assert answer["conversation_id"] == schedule["conversation_id"]
    listed = api.get("/api/schedules").json()
    assert [s["id"] for s in listed] == [schedule["id"]]
    last = listed[0]["last"]
    assert last["status"] == "complete"
    assert last["cost"] == answer["cost"]
    assert answer["cost"] > 0
    assert last["excerpt"].startswith("Echo: Brief me for ")  # {{weekday}} was filled in
    assert listed[0]["runs"] == 1
    assert last["at"] is not None  # when it ran
    assert listed[0]["next_run_at"] == schedule["next_run_at"]  # running now does not move the schedule

    paused = api.patch(f"/api/schedules/{schedule['id']}", json={"paused": True}).json()
    assert paused["paused"] is True
    assert paused["next_run_at"] is None
    resumed = api.patch(f"/api/schedules/{schedule['id']}", json={"paused": False}).json()
    assert resumed["next_run_at"] is not None

    edited = api.patch(
        f"/api/schedules/{schedule['id']}",
        json={"schedule": "every monday and thursday at 6:30pm", "timezone": "UTC", "model": None},
    ).json()
    assert (edited["cron"], edited["model"]) == ("30 18 * * 1,4", None)
    when = datetime.fromisoformat(edited["next_run_at"])
    assert (when.hour, when.minute, when.isoweekday() in (1, 4)) == (18, 30, True)

    assert api.delete(f"/api/schedules/{schedule['id']}").status_code == 204
    assert api.get(f"/api/schedules/{schedule['id']}").status_code == 404
    # the answers stay, as any conversation does
    assert api.get(f"/api/conversations/{schedule['conversation_id']}").status_code == 200


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"schedule": "every blursday at 07:00"}, "cannot read the day 'blursday'"),
        ({"schedule": "61 * * * *"}, "Bad minute"),
        ({"schedule": "at some point"}, "a cron expression has 5 fields"),
        ({"schedule": "every day at 25:00"}, "hours run 0–23"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"schedule": "* * * * * *"}, "the shortest allowed here is 60 s"),
        ({"catch_up": "twice"}, "catch_up"),
    ],
)
def test_bad_schedules_are_refused_with_a_readable_422(
    api: httpx.Client, fields: dict[str, object], words: str
) -> None:
    response = _create(api, **fields)
    assert response.status_code == 422, response.text
    assert words in response.text
    assert api.get("/api/schedules").json() == []


def test_an_unknown_model_is_refused_when_saved_and_a_failed_run_shows_its_reason(
    api: httpx.Client, fake_provider: FakeProvider
) -> None:
    unknown = _create(api, model="no-such-model")
    assert unknown.status_code in (400, 404, 422), unknown.text
    assert "no-such-model" in unknown.text
    schedule = _create(api, model=OPENAI_BIG).json()
    fake_provider.enqueue(Behaviour(status=401, error_message="invalid api key"), model=OPENAI_BIG)
    ran = api.post(f"/api/schedules/{schedule['id']}/run").json()
    answer = wait_final(api, ran["last"]["message_id"])
    assert answer["status"] == "error"
    last = api.get(f"/api/schedules/{schedule['id']}").json()["last"]
    assert last["status"] == "error"
    assert last["error"] == answer["error"]
    assert last["error"]


def test_a_schedule_made_from_a_preset_runs_with_its_model_and_system_prompt(
    api: httpx.Client, fake_provider: FakeProvider
) -> None:
    preset = api.post(
        "/api/presets",
        json={"name": "terse", "model": OPENAI_BIG, "temperature": 0.2, "system_prompt": "One line only."},
    )
    assert preset.status_code in (200, 201), preset.text
    schedule = _create(api, preset_id=preset.json()["id"], name="Terse brief").json()
    assert schedule["model"] == OPENAI_BIG  # the preset's model, as no model was named
    conversation = api.get(f"/api/conversations/{schedule['conversation_id']}").json()
    assert (conversation["system_prompt"], conversation["temperature"]) == ("One line only.", 0.2)

    fake_provider.requests.clear()
    ran = api.post(f"/api/schedules/{schedule['id']}/run").json()
    answer = wait_final(api, ran["last"]["message_id"])
    assert answer["status"] == "complete"
    [request] = [r.json for r in fake_provider.requests if r.json and "messages" in r.json]
    assert request["model"] == OPENAI_BIG
    assert request["messages"][0] == {"role": "system", "content": "One line only."}
    assert request["temperature"] == 0.2

    # someone else's personal preset (or none at all) is not found: nothing is scheduled
    missing = _create(api, preset_id="0" * 26)
    assert missing.status_code == 404, missing.text
    assert len(api.get("/api/schedules").json()) == 1
