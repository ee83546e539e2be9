"""Conversations: CRUD, paging, system prompt, ownership, and the message tree (switch, edit,
regenerate, branch, clone), on SQLite and PostgreSQL, with answers from the fake provider."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from llm_router.db.engine import Database
from llm_router.db.models import Conversation, Message, User
from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import (
    MODEL,
    chat_server,
    client,
    new_conversation,
    send,
    wait_final,
    wait_until,
)

__all__ = ["chat_server", "client"]


def test_create_get_update_and_delete(client: httpx.Client) -> None:
    created = new_conversation(
        client, title="First", temperature=0.3, reasoning="low", system_prompt="Be brief."
    )
    assert created["title"] == "First"
    assert created["model"] == MODEL
    assert (created["temperature"], created["reasoning"]) == (0.3, "low")
    assert created["messages"] == []
    assert created["message_count"] == 0
    cid = created["id"]

    changed = client.patch(f"/api/conversations/{cid}", json={"title": "Renamed", "temperature": None})
    assert changed.status_code == 200
    assert changed.json()["title"] == "Renamed"
    assert changed.json()["temperature"] is None
    assert changed.json()["reasoning"] == "low"  # untouched fields stay

    appended = client.post(f"/api/conversations/{cid}/system", json={"text": "Use French.", "mode": "append"})
    assert appended.json()["system_prompt"] == "Be brief.\n\nUse French."
    replaced = client.post(f"/api/conversations/{cid}/system", json={"text": "Only this.", "mode": "replace"})
    assert replaced.json()["system_prompt"] == "Only this."

    assert client.delete(f"/api/conversations/{cid}").status_code == 204
    assert client.get(f"/api/conversations/{cid}").status_code == 404


def test_bad_input_is_a_clear_4xx(client: httpx.Client) -> None:
    bad_field = client.post("/api/conversations", json={"title": "x", "colour": "red"})
    assert bad_field.status_code == 422
    assert "colour" in bad_field.json()["error"]["message"]
    assert client.post("/api/conversations", json={"temperature": 7}).status_code == 422
    assert client.post("/api/conversations", json={"reasoning": "extreme"}).status_code == 422
    cid = new_conversation(client)["id"]
    blank = client.post(f"/api/conversations/{cid}/messages", json={"content": "   "})
    assert blank.status_code == 422
    unknown_model = client.post(
        f"/api/conversations/{cid}/messages", json={"content": "hi", "model": "nope-9"}
    )
    assert unknown_model.status_code == 404
    assert "unknown model" in unknown_model.json()["error"]["message"]
    # nothing was stored by the refused sends
    assert client.get(f"/api/conversations/{cid}").json()["messages"] == []
    assert client.get("/api/conversations?cursor=%%%").status_code == 400


def test_list_is_paged_newest_first(client: httpx.Client) -> None:
    ids = [new_conversation(client, title=f"c{i}")["id"] for i in range(5)]
    # touching the oldest moves it to the top
    client.patch(f"/api/conversations/{ids[0]}", json={"title": "c0 again"})
    expected = [ids[0], *reversed(ids[1:])]
    first = client.get("/api/conversations?limit=2").json()
    assert [c["id"] for c in first["items"]] == expected[:2]
    second = client.get(f"/api/conversations?limit=2&cursor={first['next_cursor']}").json()
    third = client.get(f"/api/conversations?limit=2&cursor={second['next_cursor']}").json()
    assert [c["id"] for c in second["items"] + third["items"]] == expected[2:]
    assert third["next_cursor"] is None
    assert {"message_count", "total_cost", "updated_at", "model", "title"} <= set(first["items"][0])


def test_another_users_conversation_is_404(client: httpx.Client, database_url: str) -> None:
    async def insert_foreign() -> tuple[str, str]:
        db = Database(database_url)  # its own engine: the server's belongs to the server's event loop
        try:
            return await _insert(db)
        finally:
            await db.dispose()

    async def _insert(db: Database) -> tuple[str, str]:
        async with db.write() as session:
            user = User(username="someone-else")
            session.add(user)
            await session.flush()
            conversation = Conversation(owner_id=user.id, title="private")
            session.add(conversation)
            await session.flush()
            message = Message(
                conversation_id=conversation.id, owner_id=user.id, role="user", content="secret"
            )
            session.add(message)
            await session.flush()
            return conversation.id, message.id

    cid, mid = asyncio.run(insert_foreign())
    assert client.get(f"/api/conversations/{cid}").status_code == 404
    assert client.patch(f"/api/conversations/{cid}", json={"title": "mine"}).status_code == 404
    assert client.delete(f"/api/conversations/{cid}").status_code == 404
    assert client.post(f"/api/conversations/{cid}/messages", json={"content": "x"}).status_code == 404
    assert client.post(f"/api/conversations/{cid}/clone").status_code == 404
    assert client.get(f"/api/messages/{mid}").status_code == 404
    assert client.get(f"/api/messages/{mid}/stream").status_code == 404
    assert client.post(f"/api/messages/{mid}/edit", json={"content": "x"}).status_code == 404
    assert client.post(f"/api/messages/{mid}/branch").status_code == 404
    assert all(c["id"] != cid for c in client.get("/api/conversations").json()["items"])
    usage = client.get(f"/api/usage/summary?scope=conversation&conversation_id={cid}")
    assert usage.status_code == 404


def _exchange(client: httpx.Client, cid: str, fake: FakeProvider, prompt: str, answer: str) -> dict:  # type: ignore[type-arg]
    fake.enqueue(Behaviour(chunks=[answer]), model=MODEL)
    turn = send(client, cid, prompt)
    assert wait_final(client, turn["assistant_message"]["id"])["status"] == "complete"
    return turn


def _path(client: httpx.Client, cid: str) -> list[str]:
    return [m["content"] for m in client.get(f"/api/conversations/{cid}").json()["messages"]]


def test_regenerate_adds_a_sibling_and_switch_moves_between_them(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client)["id"]
    first = _exchange(client, cid, fake_provider, "Hi", "Hello!")
    _exchange(client, cid, fake_provider, "How are you?", "Fine.")
    original_answer = first["assistant_message"]["id"]

    fake_provider.enqueue(Behaviour(chunks=["Hey there."]), model=MODEL)
    regenerated = client.post(f"/api/messages/{original_answer}/regenerate")
    assert regenerated.status_code == 202
    new_id = regenerated.json()["assistant_message"]["id"]
    assert wait_final(client, new_id)["content"] == "Hey there."

    view = client.get(f"/api/conversations/{cid}").json()
    assert [m["content"] for m in view["messages"]] == ["Hi", "Hey there."]
    answer = view["messages"][1]
    assert answer["sibling_ids"] == [original_answer, new_id]
    assert answer["sibling_index"] == 1
    assert view["messages"][0]["sibling_ids"] == [first["user_message"]["id"]]

    # switching back restores the original path, down to its newest leaf
    switched = client.post(f"/api/conversations/{cid}/switch", json={"message_id": original_answer})
    assert [m["content"] for m in switched.json()["messages"]] == ["Hi", "Hello!", "How are you?", "Fine."]
    assert switched.json()["messages"][1]["sibling_index"] == 0
    assert _path(client, cid) == ["Hi", "Hello!", "How are you?", "Fine."]
    assert client.get(f"/api/conversations/{cid}").json()["message_count"] == 5
    missing = client.post(f"/api/conversations/{cid}/switch", json={"message_id": "0" * 32})
    assert missing.status_code == 404


def test_edit_makes_a_new_branch_and_keeps_the_original(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client)["id"]
    first = _exchange(client, cid, fake_provider, "Capital of France?", "Paris.")
    _exchange(client, cid, fake_provider, "And Spain?", "Madrid.")

    fake_provider.enqueue(Behaviour(chunks=["Rome."]), model=MODEL)
    edited = client.post(
        f"/api/messages/{first['user_message']['id']}/edit", json={"content": "Capital of Italy?"}
    )
    assert edited.status_code == 202
    assert wait_final(client, edited.json()["assistant_message"]["id"])["content"] == "Rome."
    assert _path(client, cid) == ["Capital of Italy?", "Rome."]
    view = client.get(f"/api/conversations/{cid}").json()
    assert view["messages"][0]["sibling_ids"] == [
        first["user_message"]["id"],
        edited.json()["user_message"]["id"],
    ]
    # the model saw only the edited branch
    last_request = [r for r in fake_provider.requests if r.model == MODEL][-1]
    assert "Capital of France?" not in str(last_request.json["messages"])

    client.post(f"/api/conversations/{cid}/switch", json={"message_id": first["user_message"]["id"]})
    assert _path(client, cid) == ["Capital of France?", "Paris.", "And Spain?", "Madrid."]
    not_user = client.post(f"/api/messages/{first['assistant_message']['id']}/edit", json={"content": "x"})
    assert not_user.status_code == 400


def test_branch_and_clone_copy_without_touching_the_original(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client, title="Origin", system_prompt="Be nice.")["id"]
    first = _exchange(client, cid, fake_provider, "One", "Uno")
    _exchange(client, cid, fake_provider, "Two", "Dos")
    original = client.get(f"/api/conversations/{cid}").json()

    branched = client.post(f"/api/messages/{first['assistant_message']['id']}/branch")
    assert branched.status_code == 201
    branch = branched.json()
    assert branch["id"] != cid
    assert branch["parent_conversation_id"] == cid
    assert branch["branch_message_id"] == first["assistant_message"]["id"]
    assert [m["content"] for m in branch["messages"]] == ["One", "Uno"]
    assert branch["system_prompt"] == "Be nice."
    assert branch["message_count"] == 2

    # the branch goes on by itself
    _exchange(client, branch["id"], fake_provider, "Three", "Tres")
    assert _path(client, branch["id"]) == ["One", "Uno", "Three", "Tres"]
    assert _path(client, cid) == ["One", "Uno", "Two", "Dos"]

    cloned = client.post(f"/api/conversations/{cid}/clone")
    assert cloned.status_code == 201
    clone = cloned.json()
    assert clone["parent_conversation_id"] == cid
    assert [m["content"] for m in clone["messages"]] == ["One", "Uno", "Two", "Dos"]
    assert {m["id"] for m in clone["messages"]}.isdisjoint({m["id"] for m in original["messages"]})
    assert clone["message_count"] == original["message_count"] == 4
    after = client.get(f"/api/conversations/{cid}").json()
    assert [m["id"] for m in after["messages"]] == [m["id"] for m in original["messages"]]


TITLE_MODELS = ("gpt-4o-mini", "gpt-5-nano")  # the live catalog's cheap model, or the bundled list's


def test_title_comes_from_the_first_exchange_and_a_rename_sticks(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client)["id"]
    fake_provider.enqueue(Behaviour(chunks=["Sure."]), model=MODEL)
    for title_model in TITLE_MODELS:
        fake_provider.enqueue(Behaviour(chunks=["Durable SQLite notes"]), model=title_model)
    turn = send(client, cid, "Please tell me how SQLite keeps data durable when the power fails suddenly")
    assert wait_final(client, turn["assistant_message"]["id"])["content"] == "Sure."

    def titled() -> bool:
        return client.get(f"/api/conversations/{cid}").json()["title"] == "Durable SQLite notes"

    wait_until(titled, message="title from the cheap model")
    client.patch(f"/api/conversations/{cid}", json={"title": "Mine"})
    _exchange(client, cid, fake_provider, "More?", "More.")
    assert client.get(f"/api/conversations/{cid}").json()["title"] == "Mine"


def test_a_failing_title_model_leaves_the_first_words_and_the_answer(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client)["id"]
    fake_provider.enqueue(Behaviour(chunks=["Sure."]), model=MODEL)
    for title_model in TITLE_MODELS:
        fake_provider.enqueue(Behaviour(status=400), model=title_model)
    turn = send(client, cid, "Please tell me how SQLite keeps data durable when the power fails suddenly")
    assert wait_final(client, turn["assistant_message"]["id"])["status"] == "complete"
    wait_until(
        lambda: any(r.model in TITLE_MODELS for r in fake_provider.requests), message="a title request"
    )
    title = client.get(f"/api/conversations/{cid}").json()["title"]
    assert title == "Please tell me how SQLite keeps data durable when the power…"


@pytest.mark.parametrize("mode", ["append", "replace"])
def test_system_prompt_is_sent_upstream(client: httpx.Client, fake_provider: FakeProvider, mode: str) -> None:
    cid = new_conversation(client, system_prompt="Base.")["id"]
    client.post(f"/api/conversations/{cid}/system", json={"text": "Extra.", "mode": mode})
    _exchange(client, cid, fake_provider, "Hi", "Hello")
    request = next(r for r in fake_provider.requests if r.model == MODEL)
    system = request.json["messages"][0]
    assert system["role"] in ("system", "developer")
    assert system["content"] == ("Base.\n\nExtra." if mode == "append" else "Extra.")
