"""Compare across a real server process: ``kill -9`` while three answers stream leaves each
``interrupted`` with its text, and one of them can be picked and continued after the restart."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.chat.test_generation_processes import START_TIMEOUT, _server
from tests.support.chat import new_conversation, send, wait_final, wait_until

pytestmark = pytest.mark.slow

MODELS = ["gpt-4o", "gpt-4o-mini", "claude-haiku-4-5"]
CHUNKS = {m: [f"{m}-{i} " for i in range(400)] for m in MODELS}


def test_kill_9_during_a_compare_leaves_each_answer_interrupted_with_its_text(
    tmp_path: Path, database_url: str, fake_provider: FakeProvider
) -> None:
    server = _server(tmp_path, "one", database_url, fake_provider)
    try:
        server.start(timeout=START_TIMEOUT)
        with httpx.Client(base_url=server.url, timeout=30) as client:
            cid = new_conversation(client, title="compare")["id"]
            for model in MODELS:  # 5 pieces each, then all three wait mid-answer
                fake_provider.enqueue(Behaviour(chunks=CHUNKS[model], pause_after=5), model=model)
            response = client.post(
                f"/api/conversations/{cid}/compare", json={"content": "Race", "models": MODELS}
            )
            assert response.status_code == 202, response.text
            ids = [m["id"] for m in response.json()["assistant_messages"]]
            fake_provider.wait_until_paused(3)

            def flushed() -> bool:  # every answer's partial text has reached the database
                return all(client.get(f"/api/messages/{i}").json()["content"] for i in ids)

            wait_until(flushed, message="the partial answers to be written")
            server.kill()  # SIGKILL: no shutdown code runs
    finally:
        server.kill()
        fake_provider.release()

    restarted = _server(tmp_path, "one", database_url, fake_provider)
    try:
        restarted.start(timeout=START_TIMEOUT)
        with httpx.Client(base_url=restarted.url, timeout=30) as client:
            wait_until(
                lambda: all(client.get(f"/api/messages/{i}").json()["status"] == "interrupted" for i in ids),
                message="every compare answer interrupted",
            )
            for model, message_id in zip(MODELS, ids, strict=True):
                message = client.get(f"/api/messages/{message_id}").json()
                assert message["content"], "the text streamed before the kill is kept"
                assert "".join(CHUNKS[model][:5]).startswith(message["content"])
                assert message["model"] == model
            # pick the third answer and go on from it: the branch is free after the restart
            client.post(f"/api/conversations/{cid}/switch", json={"message_id": ids[2]})
            fake_provider.enqueue(Behaviour(chunks=["after"]), model="gpt-4o")
            follow = send(client, cid, "continue from here", model="gpt-4o")
            assert follow["user_message"]["parent_id"] == ids[2]
            assert wait_final(client, follow["assistant_message"]["id"])["content"] == "after"
            siblings = client.get(f"/api/conversations/{cid}").json()["messages"][1]["sibling_ids"]
            assert siblings == ids
    finally:
        restarted.kill()
