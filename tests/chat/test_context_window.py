"""Must-hold 2 of issue #20: a web-chat conversation longer than the model's context window is trimmed
(the default: the system prompt and the newest turns kept, the answer saying what was left out) or
refused (``LLM_ROUTER_CONTEXT_OVERFLOW=refuse``: nothing stored, nothing sent, a clear 400); the window of
a local model comes from its own server (llama.cpp's ``/props``, Ollama's ``/api/show``), and a local
model is asked for no more answer tokens than its window leaves. An overflow the router could not foresee
is still reported as ``context_length``. ``/v1`` requests are passed on as sent.

Against the fake in local-server mode (it reports its window and holds every chat to it, answering a
prompt past it as llama.cpp's server does, with an empty 200 stream), on both databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from llm_router.core.settings import Settings
from llm_router.providers.base import ChatMessage, ChatRequest
from llm_router.services.usage.estimate import estimate_input_tokens
from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.local_server import LocalServer
from llm_router.testing.script import Behaviour, RecordedRequest
from tests.support.chat import new_conversation, wait_final
from tests.support.v1 import ANTHROPIC_MODEL, LOCAL_MODEL, OPENAI_MODEL, V1App, start_v1_app
from tests.support.waiting import wait_until

SYSTEM = "You answer in one line. SYSTEM-MARK"
WINDOW = 1024  # tokens; the answer reserve is then 512 (at most half the window), the prompt gets 512
TURN = 600  # characters per user message (~150 tokens): the echo answers are as long


@pytest.fixture
def start_app(
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    fake_provider: FakeProvider,
    local_provider: FakeProvider,
) -> Iterator[Callable[..., V1App]]:
    """Start the app once the test has put the local fake in local-server mode (it is asked at start)."""
    apps: list[V1App] = []

    def start(server: LocalServer, **overrides: Any) -> V1App:
        local_provider.local_server = server
        apps.append(start_v1_app(make_settings, tmp_path, fake_provider, local_provider, **overrides))
        return apps[-1]

    yield start
    for app in apps:
        app.stop()


def catalog_window(chat: httpx.Client, model_id: str) -> int | None:
    [entry] = [m for m in chat.get("/api/models").json()["models"] if m["id"] == model_id]
    window: int | None = entry["capabilities"]["context_window"]
    return window


def wait_window(chat: httpx.Client, expected: int) -> None:
    wait_until(
        lambda: catalog_window(chat, LOCAL_MODEL),
        timeout=15,
        accept=lambda window: window == expected,
        message=f"the local model's window ({expected}) in /api/models",
    )


def chat_client(app: V1App) -> httpx.Client:
    return httpx.Client(base_url=app.url, headers={"X-Device-Id": "phone-1"}, timeout=30)


def chats(fake: FakeProvider) -> list[RecordedRequest]:
    return [r for r in fake.requests if r.path.endswith("/chat/completions")]


def user_text(n: int) -> str:
    return f"MARK-{n} " + "x" * (TURN - 8)


def talk(chat: httpx.Client, cid: str, n: int) -> dict[str, Any]:
    """Send message ``n`` and wait for its answer; returns the finished answer."""
    response = chat.post(f"/api/conversations/{cid}/messages", json={"content": user_text(n)})
    assert response.status_code == 202, response.text
    return wait_final(chat, response.json()["assistant_message"]["id"])


def sent_prompt_tokens(request: RecordedRequest) -> int:
    """The router's estimate of what it sent (system prompt + messages), rebuilt from the upstream body."""
    messages = request.json["messages"]
    system = next((m["content"] for m in messages if m["role"] == "system"), None)
    turns = tuple(ChatMessage(m["role"], m["content"]) for m in messages if m["role"] != "system")
    return estimate_input_tokens(ChatRequest(model="", messages=turns, system=system))


def test_the_window_is_read_from_llama_cpp_props(start_app: Callable[..., V1App]) -> None:
    app = start_app(LocalServer("llama.cpp", n_ctx=3072))
    with chat_client(app) as chat:
        wait_window(chat, 3072)
        # a cloud model's window comes from the catalog data (genai-prices / the bundled list)
        assert (catalog_window(chat, OPENAI_MODEL) or 0) >= 128_000


def test_the_window_is_read_from_ollama_api_show(
    start_app: Callable[..., V1App], local_provider: FakeProvider
) -> None:
    app = start_app(LocalServer("ollama", context_length=131072, num_ctx=6144))
    with chat_client(app) as chat:
        wait_window(chat, 6144)  # the Modelfile's num_ctx, over what the model was trained for
    shows = [r for r in local_provider.requests if r.path == "/api/show"]
    assert shows
    assert shows[0].json == {"model": "llama3.2"}


def test_a_long_conversation_is_trimmed_keeping_the_system_prompt_and_the_newest_turns(
    start_app: Callable[..., V1App], local_provider: FakeProvider
) -> None:
    app = start_app(LocalServer("llama.cpp", n_ctx=WINDOW))
    with chat_client(app) as chat:
        wait_window(chat, WINDOW)
        cid = new_conversation(chat, model=LOCAL_MODEL, title="window", system_prompt=SYSTEM)["id"]
        first, second = talk(chat, cid, 1), talk(chat, cid, 2)
        assert first["status"] == second["status"] == "complete"
        assert "context" not in second["params"], "two turns still fit"

        third = talk(chat, cid, 3)
        assert third["status"] == "complete", third["error"]
        upstream = chats(local_provider)[-1].json
        sent = "\n".join(str(m["content"]) for m in upstream["messages"])
        assert upstream["messages"][0] == {"role": "system", "content": SYSTEM}
        assert "MARK-3" in sent, "the message just sent"
        assert "MARK-2" in sent, "the newest earlier turn fits and is sent"
        assert "MARK-1" not in sent, "the oldest turn is left out"
        assert upstream["messages"][1]["role"] == "user", "the history starts with the user"

        # the answer records what was left out: message 1 and its answer, by id
        context = third["params"]["context"]
        assert context == {
            "left_out": 2,
            "model": LOCAL_MODEL,
            "window": WINDOW,
            "left_out_ids": [first["parent_id"], first["id"]],
        }
        # and the local model is asked for no more than the window leaves
        assert upstream["max_tokens"] == WINDOW - sent_prompt_tokens(chats(local_provider)[-1])
        assert upstream["max_tokens"] >= WINDOW // 2


def test_a_refused_conversation_sends_and_stores_nothing_and_offers_to_branch(
    start_app: Callable[..., V1App], local_provider: FakeProvider
) -> None:
    app = start_app(LocalServer("llama.cpp", n_ctx=WINDOW), context_overflow="refuse")
    with chat_client(app) as chat:
        wait_window(chat, WINDOW)
        cid = new_conversation(chat, model=LOCAL_MODEL, title="window", system_prompt=SYSTEM)["id"]
        talk(chat, cid, 1)
        talk(chat, cid, 2)
        asked = len(chats(local_provider))
        before = chat.get(f"/api/conversations/{cid}").json()

        response = chat.post(f"/api/conversations/{cid}/messages", json={"content": user_text(3)})
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "context_length"
        assert f"does not fit {LOCAL_MODEL}'s 1k context window" in error["message"]
        assert "Branch from a recent message" in error["message"]
        assert "Nothing was sent or stored" in error["message"]

        after = chat.get(f"/api/conversations/{cid}").json()
        assert after["message_count"] == before["message_count"] == 4
        assert len(chats(local_provider)) == asked, "nothing went upstream"


def test_an_overflow_the_router_could_not_foresee_is_reported_as_context_length(
    start_app: Callable[..., V1App], local_provider: FakeProvider
) -> None:
    # The server reports 8k but holds prompts to 100 tokens (e.g. its slots share the context): the
    # router's trimming sees nothing to trim, and the server answers with an empty 200 stream.
    app = start_app(LocalServer("llama.cpp", n_ctx=8192))
    with chat_client(app) as chat:
        wait_window(chat, 8192)
        local_provider.enqueue(Behaviour(context_window=100))
        cid = new_conversation(chat, model=LOCAL_MODEL, title="window", system_prompt=SYSTEM)["id"]
        answer = talk(chat, cid, 1)
    assert answer["status"] == "error"
    assert answer["error_kind"] == "context_length"
    assert "does not fit the context window" in answer["error"]
    assert "start a new branch from a recent message" in answer["error"]


def test_default_max_tokens_anthropic_always_cloud_openai_never(
    start_app: Callable[..., V1App], fake_provider: FakeProvider
) -> None:
    app = start_app(LocalServer("llama.cpp", n_ctx=WINDOW))
    with chat_client(app) as chat:
        for model in (ANTHROPIC_MODEL, OPENAI_MODEL):
            cid = new_conversation(chat, model=model, title="max tokens")["id"]
            response = chat.post(f"/api/conversations/{cid}/messages", json={"content": "hi"})
            assert wait_final(chat, response.json()["assistant_message"]["id"])["status"] == "complete"
    [anthropic] = [r.json for r in fake_provider.requests if r.path == "/v1/messages"]
    [openai_body] = [r.json for r in fake_provider.requests if r.path == "/v1/chat/completions"]
    assert anthropic["max_tokens"] == 8192, "Anthropic requires max_tokens: the adapter's default"
    # a cloud model with a 128k window is not capped to "window − prompt" (above its output limit)
    assert "max_tokens" not in openai_body
    assert "max_completion_tokens" not in openai_body


def test_v1_requests_are_passed_on_untrimmed(
    start_app: Callable[..., V1App], local_provider: FakeProvider
) -> None:
    app = start_app(LocalServer("llama.cpp", n_ctx=WINDOW))
    with chat_client(app) as chat:
        wait_window(chat, WINDOW)
    messages: list[Any] = [{"role": "system", "content": SYSTEM}]
    for n in range(1, 9):  # ~1,200 tokens: past the server's 1,024
        messages += [{"role": "user", "content": user_text(n)}, {"role": "assistant", "content": "ok"}]
    messages.append({"role": "user", "content": "and now?"})
    client = app.openai()
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model=LOCAL_MODEL, messages=messages)
    assert "(context_length)" in raised.value.message  # the server's overflow, reported as such
    assert "too long for llama3.2" in raised.value.message
    [upstream] = chats(local_provider)
    assert upstream.json["messages"] == messages, "the client's history went on as it was sent"
    assert "max_tokens" not in upstream.json
