"""The prompt library and presets over the API, on SQLite and PostgreSQL: owner scoping, instance-wide
entries (admins only), variables, presets applied to a conversation and as the default for new ones, and
the library as a JSON file."""

from __future__ import annotations

import json

import httpx

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.security.conftest import admin, bob, secure_settings, server
from tests.support.chat import wait_final

__all__ = ["admin", "bob", "secure_settings", "server"]

JSON = {"Content-Type": "application/json"}
REVIEW = {"name": "review", "description": "code review", "body": "Review this {{language}} code:\n{{code}}"}


def test_a_prompt_with_two_variables_is_filled_and_sent(
    admin: httpx.Client, fake_provider: FakeProvider
) -> None:
    created = admin.post("/api/prompts", json=REVIEW)
    assert created.status_code == 201, created.text
    prompt = created.json()
    assert prompt["variables"] == ["language", "code"]
    rendered = admin.post(
        f"/api/prompts/{prompt['id']}/render", json={"values": {"language": "Python", "code": "x = {{y}}"}}
    )
    assert rendered.json()["text"] == "Review this Python code:\nx = {{y}}"  # values are not expanded again
    missing = admin.post(f"/api/prompts/{prompt['id']}/render", json={"values": {"language": "Go"}})
    assert missing.status_code == 422
    assert "code" in missing.json()["error"]["message"]

    cid = admin.post("/api/conversations", json={"model": "gpt-4o", "title": "t"}).json()["id"]
    fake_provider.enqueue(Behaviour(chunks=["looks fine"]), model="gpt-4o")
    sent = admin.post(f"/api/conversations/{cid}/messages", json={"content": rendered.json()["text"]})
    assert wait_final(admin, sent.json()["assistant_message"]["id"])["content"] == "looks fine"
    assert fake_provider.requests[-1].json["messages"][-1]["content"] == "Review this Python code:\nx = {{y}}"


def test_another_user_cannot_see_or_change_a_personal_entry(admin: httpx.Client, bob: httpx.Client) -> None:
    prompt = admin.post("/api/prompts", json=REVIEW).json()
    preset = admin.post("/api/presets", json={"name": "terse", "system_prompt": "Be terse."}).json()
    for kind, entry in (("prompts", prompt), ("presets", preset)):
        assert bob.get(f"/api/{kind}/{entry['id']}").status_code == 404
        assert bob.patch(f"/api/{kind}/{entry['id']}", json={"description": "x"}).status_code == 404
        assert bob.delete(f"/api/{kind}/{entry['id']}").status_code == 404
        assert bob.get(f"/api/{kind}").json()["items"] == []
        assert admin.get(f"/api/{kind}/{entry['id']}").status_code == 200
    assert bob.post(f"/api/prompts/{prompt['id']}/render", json={"values": {}}).status_code == 404
    bob_cid = bob.post("/api/conversations", json={}).json()["id"]
    applied = bob.post(f"/api/presets/{preset['id']}/apply", json={"conversation_id": bob_cid})
    assert applied.status_code == 404
    assert bob.put("/api/presets/default", json={"preset_id": preset["id"]}).status_code == 404
    # bob's own entry of the same name is his alone
    assert bob.post("/api/prompts", json=REVIEW).status_code == 201
    assert [p["name"] for p in admin.get("/api/prompts").json()["items"]] == ["review"]
    assert admin.post("/api/prompts", json=REVIEW).status_code == 409  # names are unique per user


def test_instance_entries_are_seen_by_all_and_changed_by_admins_only(
    admin: httpx.Client, bob: httpx.Client
) -> None:
    assert bob.post("/api/prompts", json={**REVIEW, "scope": "instance"}).status_code == 403
    shared = admin.post("/api/prompts", json={**REVIEW, "scope": "instance"}).json()
    seen = bob.get("/api/prompts").json()["items"]
    assert [(p["id"], p["mine"], p["editable"]) for p in seen] == [(shared["id"], False, False)]
    assert bob.patch(f"/api/prompts/{shared['id']}", json={"body": "x"}).status_code == 403
    assert bob.delete(f"/api/prompts/{shared['id']}").status_code == 403
    assert admin.patch(f"/api/prompts/{shared['id']}", json={"body": "new {{a}}"}).json()["variables"] == [
        "a"
    ]


def test_a_preset_changes_the_conversations_model_reasoning_and_system_prompt(
    admin: httpx.Client, fake_provider: FakeProvider
) -> None:
    body = {"name": "careful", "model": "gpt-4o-mini", "reasoning": "high", "temperature": 0.1}
    preset = admin.post("/api/presets", json={**body, "system_prompt": "Think twice."}).json()
    cid = admin.post("/api/conversations", json={"model": "gpt-4o", "system_prompt": "old"}).json()["id"]
    applied = admin.post(f"/api/presets/{preset['id']}/apply", json={"conversation_id": cid}).json()
    assert (applied["model"], applied["reasoning"], applied["temperature"]) == ("gpt-4o-mini", "high", 0.1)
    assert applied["system_prompt"] == "Think twice."
    fake_provider.enqueue(Behaviour(chunks=["ok"]), model="gpt-4o-mini")
    sent = admin.post(f"/api/conversations/{cid}/messages", json={"content": "hi"}).json()
    final = wait_final(admin, sent["assistant_message"]["id"])
    assert final["model"] == "gpt-4o-mini"
    assert (final["params"]["reasoning"], final["params"]["temperature"]) == ("high", 0.1)
    chats = [r.json for r in fake_provider.requests if r.json and "messages" in r.json]
    request = next(r for r in chats if r["messages"][-1]["content"] == "hi")
    assert request["model"] == "gpt-4o-mini"
    assert request["messages"][0] == {"role": "system", "content": "Think twice."}
    assert request["temperature"] == 0.1


def test_the_default_preset_starts_new_conversations(admin: httpx.Client) -> None:
    preset = admin.post(
        "/api/presets", json={"name": "base", "model": "gpt-4o-mini", "system_prompt": "Answer in French."}
    ).json()
    listed = admin.put("/api/presets/default", json={"preset_id": preset["id"]}).json()
    assert listed["default_id"] == preset["id"]
    assert listed["items"][0]["is_default"] is True
    fresh = admin.post("/api/conversations", json={}).json()
    assert (fresh["model"], fresh["system_prompt"]) == ("gpt-4o-mini", "Answer in French.")
    explicit = admin.post("/api/conversations", json={"model": "gpt-4o"}).json()
    assert (explicit["model"], explicit["system_prompt"]) == ("gpt-4o", "Answer in French.")
    admin.put("/api/presets/default", json={"preset_id": None})
    assert admin.post("/api/conversations", json={}).json()["system_prompt"] == ""


def test_an_unknown_model_in_a_preset_names_the_available_ones(admin: httpx.Client) -> None:
    response = admin.post("/api/presets", json={"name": "bad", "model": "no-such-model"})
    assert response.status_code == 422
    assert "gpt-4o" in response.json()["error"]["message"]


def test_the_library_round_trips_as_a_versioned_file(admin: httpx.Client, bob: httpx.Client) -> None:
    admin.post("/api/prompts", json=REVIEW)
    admin.post("/api/presets", json={"name": "terse", "reasoning": "low", "system_prompt": "Be terse."})
    exported = admin.get("/api/prompts/export")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    data = exported.json()
    assert (data["format"], data["version"]) == ("llm-router-library", 1)
    report = bob.post("/api/prompts/import", content=exported.content, headers=JSON).json()
    assert report == {"prompts_created": 1, "prompts_updated": 0, "presets_created": 1, "presets_updated": 0}
    again = bob.post("/api/prompts/import", content=exported.content, headers=JSON).json()
    assert again["prompts_updated"] == 1
    assert again["prompts_created"] == 0
    assert [p["body"] for p in bob.get("/api/prompts").json()["items"]] == [REVIEW["body"]]
    assert bob.get("/api/presets").json()["items"][0]["system_prompt"] == "Be terse."


def test_malformed_and_oversized_library_files_are_refused_with_reasons(bob: httpx.Client) -> None:
    def refused(content: bytes) -> tuple[int, str]:
        response = bob.post("/api/prompts/import", content=content, headers=JSON)
        return response.status_code, response.json()["error"]["message"]

    status, message = refused(b"{not json")
    assert status == 400
    assert "JSON" in message
    status, message = refused(json.dumps({"format": "something-else"}).encode())
    assert status == 422
    assert "llm-router-library" in message
    status, message = refused(json.dumps({"format": "llm-router-library", "version": 9}).encode())
    assert status == 422
    assert "version 9" in message
    bad = {
        "format": "llm-router-library",
        "version": 1,
        "prompts": [{"name": "ok", "body": "x"}, {"name": "b c"}],
    }
    status, message = refused(json.dumps(bad).encode())
    assert status == 422
    assert "prompts[1].name" in message
    assert "prompts[1].body" in message
    assert bob.get("/api/prompts").json()["items"] == []  # nothing stored from a broken file
    huge = json.dumps({"format": "llm-router-library", "version": 1, "prompts": [], "pad": "x" * 3_000_000})
    response = bob.post("/api/prompts/import", content=huge.encode(), headers=JSON)
    assert response.status_code == 413
