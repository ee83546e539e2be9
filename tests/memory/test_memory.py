"""Memory: opt-in facts that join the system prompt of new conversations. Two fake servers speak real
HTTP ("cloud" and an Ollama-like "local", see ``tests.support.v1``) and record every request, so each
test reads what actually went upstream."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import new_conversation, send, wait_final
from tests.support.v1 import LOCAL_MODEL, OPENAI_BIG, V1App, start_v1_app
from tests.support.waiting import wait_until

FACT = "Lives in Lisbon and cycles to work"
ROUTES = {"routes": {"auto": {"local": LOCAL_MODEL, "models": [OPENAI_BIG]}}}


@pytest.fixture
def v1_overrides() -> dict[str, object]:
    return {"routes": ROUTES, "memory_propose_after": 0}


@pytest.fixture
def chat(v1_app: V1App) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=v1_app.url, timeout=30) as client:
        yield client


def _system_texts(fake: FakeProvider, model: str | None = None) -> list[str]:
    """The system prompt of each chat request the fake received (OpenAI's shape: a system message)."""
    found: list[str] = []
    for request in fake.requests:
        if request.path.endswith("/models") or (model and request.model != model):
            continue
        body: dict[str, Any] = request.json or {}
        system = [m for m in body.get("messages", []) if m.get("role") in ("system", "developer")]
        content = system[0]["content"] if system else ""
        if isinstance(content, list):
            content = " ".join(part.get("text", "") for part in content)
        found.append(str(content))
    return found


def _enable(chat: httpx.Client) -> None:
    response = chat.put("/api/memory/settings", json={"enabled": True})
    assert response.status_code == 200, response.text
    assert response.json()["enabled"] is True


def _ask(chat: httpx.Client, conversation_id: str, text: str = "Plan my week") -> dict[str, Any]:
    answer = wait_final(chat, send(chat, conversation_id, text)["assistant_message"]["id"])
    assert answer["status"] == "complete", answer
    return answer


def test_memory_is_off_by_default_and_remember_needs_text(chat: httpx.Client) -> None:
    assert chat.get("/api/memory").json() == {"enabled": False, "memories": [], "proposals": []}
    conversation = new_conversation(chat, model=OPENAI_BIG, title="t")
    assert conversation["memory"] is False
    # null leaves the switch as it is (was a 500: NOT NULL constraint)
    unchanged = chat.patch(f"/api/conversations/{conversation['id']}", json={"memory": None, "title": "u"})
    assert unchanged.status_code == 200, unchanged.text
    assert unchanged.json()["memory"] is False
    empty = chat.post("/api/memory", json={"text": "   "})
    assert empty.status_code == 422
    assert "needs some text" in empty.json()["error"]["message"]


def test_a_proposed_fact_is_stored_only_after_acceptance(
    chat: httpx.Client, fake_provider: FakeProvider
) -> None:
    _enable(chat)
    talk = new_conversation(chat, model=OPENAI_BIG, title="week")
    assert talk["memory"] is True
    _ask(chat, talk["id"], "I live in Lisbon and cycle to work; what should I pack?")
    fake_provider.enqueue(Behaviour(json_answer=[FACT, "Prefers metric units"]))  # the cheap model's

    proposed = chat.post("/api/memory/propose", json={"conversation_id": talk["id"]})
    assert proposed.status_code == 200, proposed.text
    assert sorted(p["text"] for p in proposed.json()) == sorted([FACT, "Prefers metric units"])
    assert {p["status"] for p in proposed.json()} == {"proposed"}
    # the cheap model read the conversation, and the call is a background usage row of its own
    (cheap,) = [r for r in fake_provider.requests if "durable facts" in str(r.json)]
    assert "I live in Lisbon" in str(cheap.json)
    logs = chat.get("/api/logs", params={"source": "memory"}).json()["items"]
    assert [(row["model"], row["conversation_id"]) for row in logs] == [(cheap.model, talk["id"])]

    overview = chat.get("/api/memory").json()
    assert overview["memories"] == []
    assert len(overview["proposals"]) == 2

    # a proposal joins nothing: a new conversation's system prompt has no memory yet
    before = new_conversation(chat, model=OPENAI_BIG, title="before")
    fake_provider.reset()
    _ask(chat, before["id"])
    assert all("Lisbon" not in s for s in _system_texts(fake_provider))

    by_text = {p["text"]: p["id"] for p in overview["proposals"]}
    accepted = chat.patch(f"/api/memory/{by_text[FACT]}", json={"accept": True})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert chat.delete(f"/api/memory/{by_text['Prefers metric units']}").status_code == 204
    overview = chat.get("/api/memory").json()
    assert [m["text"] for m in overview["memories"]] == [FACT]
    assert overview["proposals"] == []

    after = new_conversation(chat, model=OPENAI_BIG, title="after")
    fake_provider.reset()
    _ask(chat, after["id"])
    (system,) = _system_texts(fake_provider)
    assert FACT in system
    assert "metric" not in system


def test_an_accepted_fact_reaches_new_conversations_and_not_ones_with_memory_off(
    chat: httpx.Client, fake_provider: FakeProvider
) -> None:
    older = new_conversation(chat, model=OPENAI_BIG, title="older", system_prompt="Be brief.")
    _enable(chat)
    assert chat.post("/api/memory", json={"text": f"/remember-style: {FACT}"}).status_code == 201
    new = new_conversation(chat, model=OPENAI_BIG, title="new", system_prompt="Be brief.")
    off = new_conversation(chat, model=OPENAI_BIG, title="off")
    switched = chat.patch(f"/api/conversations/{off['id']}", json={"memory": False})
    assert switched.status_code == 200
    assert switched.json()["memory"] is False

    for conversation in (new, older, off):
        fake_provider.reset()
        answer = _ask(chat, conversation["id"])
        (system,) = _system_texts(fake_provider)
        if conversation is new:
            assert system.startswith("Be brief.")  # the conversation's own prompt first, then memories
            assert FACT in system
            assert answer["params"]["memory"] == 1  # the answer says memories were sent
        else:
            assert FACT not in system
            assert "memory" not in answer["params"]

    # a clone keeps each conversation's switch
    assert chat.post(f"/api/conversations/{new['id']}/clone").json()["memory"] is True
    assert chat.post(f"/api/conversations/{off['id']}/clone").json()["memory"] is False

    # turning memory off for the user stops it everywhere, even where the conversation's switch is on
    chat.put("/api/memory/settings", json={"enabled": False})
    fake_provider.reset()
    _ask(chat, new["id"])
    assert all(FACT not in s for s in _system_texts(fake_provider))


def test_a_no_cloud_turn_sends_no_memory_to_the_cloud(
    chat: httpx.Client, fake_provider: FakeProvider, local_provider: FakeProvider
) -> None:
    _enable(chat)
    chat.post("/api/memory", json={"text": FACT})
    routed = new_conversation(chat, model="auto", title="routed")
    local_provider.set_default(Behaviour(chunks=["local ", "answer"], logprobs=[-3.0, -3.0]))  # unsure

    # without the tag the unsure local model escalates to the cloud, which gets the memory
    _ask(chat, routed["id"], "hello")
    assert any(FACT in s for s in _system_texts(fake_provider, OPENAI_BIG))

    fake_provider.reset()
    local_provider.reset()
    local_provider.set_default(Behaviour(chunks=["local ", "answer"], logprobs=[-3.0, -3.0]))
    answer = _ask(chat, routed["id"], "#no_cloud where do I live?")
    assert answer["provider"] == "ollama"
    assert _system_texts(fake_provider) == []  # nothing at all reached the cloud fake
    assert local_provider.requests  # the local model answered (memories may go to it)

    # a #no_cloud turn on a cloud model is refused before anything is sent
    cloud = new_conversation(chat, model=OPENAI_BIG, title="cloud")
    refused = chat.post(f"/api/conversations/{cloud['id']}/messages", json={"content": "#no_cloud hi"})
    assert refused.status_code == 400
    assert _system_texts(fake_provider) == []


def test_no_proposals_with_memory_off_nor_from_a_no_cloud_conversation(
    chat: httpx.Client, fake_provider: FakeProvider
) -> None:
    talk = new_conversation(chat, model=OPENAI_BIG, title="t")
    refused = chat.post("/api/memory/propose", json={"conversation_id": talk["id"]})
    assert refused.status_code == 409
    assert "memory is off" in refused.json()["error"]["message"]

    _enable(chat)
    private = new_conversation(chat, model="auto", title="private")
    _ask(chat, private["id"], "#no_cloud my bank PIN is 1234")
    fake_provider.reset()
    held = chat.post("/api/memory/propose", json={"conversation_id": private["id"]})
    assert held.status_code == 400
    assert "#no_cloud" in held.json()["error"]["message"]
    assert _system_texts(fake_provider) == []


def test_after_new_messages_a_cheap_model_proposes_without_storing(
    make_settings: Any, tmp_path: Any, fake_provider: FakeProvider, local_provider: FakeProvider
) -> None:
    app = start_v1_app(make_settings, tmp_path, fake_provider, local_provider, memory_propose_after=2)
    try:
        with httpx.Client(base_url=app.url, timeout=30) as c:
            _enable(c)
            fake_provider.enqueue(Behaviour(chunks=["x"]))  # the answer, then the cheap model's proposal
            fake_provider.enqueue(Behaviour(json_answer=[FACT]))
            talk = new_conversation(c, model=OPENAI_BIG, title="t")
            _ask(c, talk["id"], "I moved to Lisbon")
            proposals = wait_until(
                lambda: c.get("/api/memory").json(),
                timeout=20,
                accept=lambda o: bool(o["proposals"]),
                message="a proposal after two new messages",
            )
            assert [p["text"] for p in proposals["proposals"]] == [FACT]
            assert proposals["memories"] == []  # never stored as accepted by itself
    finally:
        app.stop()
