"""A parameter the answering model refuses (temperature on a reasoning model) is left out of the request
and recorded on the answer as ``params.dropped``, so the app can show it where it was set; a model that
takes it records nothing. On SQLite and PostgreSQL, with the fake provider as the model."""

from __future__ import annotations

import httpx

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import chat_server, client, new_conversation, send, wait_final

__all__ = ["chat_server", "client"]


def sent_to(fake: FakeProvider, model: str) -> dict[str, object]:
    """The chat request the model got (the server also asks a small model for the title)."""
    bodies = [r.json for r in fake.requests if isinstance(r.json, dict) and r.json.get("model") == model]
    assert len(bodies) == 1, bodies
    return dict(bodies[0])


def test_refused_temperature_is_recorded_on_the_answer(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client, model="gpt-5.1", temperature=0.3)["id"]
    fake_provider.enqueue(Behaviour(chunks=["fine"]), model="gpt-5.1")
    final = wait_final(client, send(client, cid, "hi")["assistant_message"]["id"])
    assert final["status"] == "complete"
    assert "temperature" not in sent_to(fake_provider, "gpt-5.1")  # really not sent …
    assert final["params"]["temperature"] == 0.3  # … though asked for …
    assert final["params"]["dropped"] == ["temperature"]  # … and said so


def test_accepted_temperature_records_nothing_dropped(
    client: httpx.Client, fake_provider: FakeProvider
) -> None:
    cid = new_conversation(client, model="gpt-4o", temperature=0.3)["id"]
    fake_provider.enqueue(Behaviour(chunks=["fine"]), model="gpt-4o")
    final = wait_final(client, send(client, cid, "hi")["assistant_message"]["id"])
    assert sent_to(fake_provider, "gpt-4o")["temperature"] == 0.3
    assert "dropped" not in final["params"]
