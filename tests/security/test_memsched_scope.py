"""Memories and scheduled prompts belong to their owner: another user gets 404 for each id on every verb,
never sees them in a list, cannot propose memories from someone else's conversation, and one user's
memories never reach another user's prompts."""

from __future__ import annotations

import httpx

from llm_router.testing import FakeProvider
from tests.security.conftest import USER_PASSWORD, create_user, sign_in
from tests.support.server import LiveServer
from tests.support.waiting import wait_until

SECRET_FACT = "Keeps the spare key under the blue flowerpot"


def test_memories_and_schedules_are_owner_scoped(
    server: LiveServer, admin: httpx.Client, fake_provider: FakeProvider
) -> None:
    create_user(admin, "victim")
    create_user(admin, "mallory")
    with (
        sign_in(server.url, "victim", USER_PASSWORD) as victim,
        sign_in(server.url, "mallory", USER_PASSWORD) as mallory,
    ):
        assert victim.put("/api/memory/settings", json={"enabled": True}).status_code == 200
        memory = victim.post("/api/memory", json={"text": SECRET_FACT}).json()
        schedule = victim.post(
            "/api/schedules",
            json={
                "prompt": "victim's briefing",
                "schedule": "every day at 08:30",
                "timezone": "Europe/Paris",
            },
        ).json()
        conversation_id = schedule["conversation_id"]

        for method, path, body in [
            ("PATCH", f"/api/memory/{memory['id']}", {"text": "overwritten"}),
            ("PATCH", f"/api/memory/{memory['id']}", {"accept": True}),
            ("DELETE", f"/api/memory/{memory['id']}", None),
            ("GET", f"/api/schedules/{schedule['id']}", None),
            ("PATCH", f"/api/schedules/{schedule['id']}", {"paused": True}),
            ("POST", f"/api/schedules/{schedule['id']}/run", None),
            ("DELETE", f"/api/schedules/{schedule['id']}", None),
        ]:
            response = mallory.request(method, path, json=body)
            assert response.status_code == 404, (method, path, response.text)
            assert SECRET_FACT not in response.text

        assert mallory.put("/api/memory/settings", json={"enabled": True}).status_code == 200
        overview = mallory.get("/api/memory").json()
        assert overview["memories"] == []
        assert overview["proposals"] == []
        assert mallory.get("/api/schedules").json() == []
        stolen = mallory.post("/api/memory/propose", json={"conversation_id": conversation_id})
        assert stolen.status_code == 404

        # the victim's memory and schedule are untouched
        assert [m["text"] for m in victim.get("/api/memory").json()["memories"]] == [SECRET_FACT]
        mine = victim.get(f"/api/schedules/{schedule['id']}").json()
        assert mine["paused"] is False
        assert mine["prompt"] == "victim's briefing"

        # mallory's own new conversation (memory on) sends none of the victim's memories upstream
        fake_provider.reset()
        talk = mallory.post("/api/conversations", json={"model": "gpt-4o", "title": "t"}).json()
        sent = mallory.post(f"/api/conversations/{talk['id']}/messages", json={"content": "hello"})
        assert sent.status_code == 202
        wait_until(lambda: fake_provider.requests, timeout=30, accept=bool, message="the upstream call")
        assert all(SECRET_FACT not in str(r.json) for r in fake_provider.requests)
