"""``/v1/responses`` driven by the official ``openai`` SDK, translated to an OpenAI (Chat Completions) or an
Anthropic (Messages) upstream played by the fake provider."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import openai
import pytest

from llm_router.api.services import _sweepers
from llm_router.api.v1 import responses_store
from llm_router.core.ids import utcnow
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.db.models import StoredResponse
from llm_router.services.accounts.tokens import create_token, find_user_id
from llm_router.services.accounts.users import create_user
from llm_router.services.media.store import MediaStore
from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour, FakeToolCall, FakeUsage
from tests.support.v1 import ANTHROPIC_MODEL, LOCAL_MODEL, OPENAI_MODEL, V1App, start_v1_app

PNG_1PX = (  # a real 1×1 PNG: the fake refuses image bytes that do not decode
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

ROUTES = {
    "routes": {
        "cloud-only": {"models": [OPENAI_MODEL]},
        "auto": {"local": LOCAL_MODEL, "models": [OPENAI_MODEL]},
    }
}
SHELL_TOOL = {
    "type": "function",
    "name": "shell",
    "description": "Run a command",
    "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
}


@pytest.fixture
def v1_overrides() -> dict[str, object]:
    return {"routes": ROUTES}


def test_non_stream_text_with_usage_and_a_usage_row(v1_app: V1App, fake_provider: FakeProvider) -> None:
    usage = FakeUsage(input_tokens=11, output_tokens=2)
    fake_provider.enqueue(Behaviour(chunks=["Hello", " there"], usage=usage), model=OPENAI_MODEL)

    response = v1_app.openai().responses.create(
        model=OPENAI_MODEL, instructions="be brief", input="hi", max_output_tokens=50, store=False
    )

    assert response.status == "completed"
    assert response.output_text == "Hello there"
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens) == (11, 2)
    sent = fake_provider.requests[-1].json
    assert sent["messages"][0] == {"role": "system", "content": "be brief"}
    assert sent["messages"][-1]["role"] == "user"
    assert 50 in (sent.get("max_completion_tokens"), sent.get("max_tokens"))
    [row] = v1_app.wait_logs(1)
    assert (row["source"], row["model"], row["tokens_in"], row["status"]) == (
        "openai",
        OPENAI_MODEL,
        11,
        "ok",
    )
    with pytest.raises(openai.NotFoundError):  # store: false keeps nothing
        v1_app.openai().responses.retrieve(response.id)


def _stream_events(client: openai.OpenAI, **kwargs: Any) -> list[Any]:
    return list(client.responses.create(stream=True, **kwargs))


@pytest.mark.parametrize("model", [OPENAI_MODEL, ANTHROPIC_MODEL])
def test_streamed_function_call_round_trip_with_previous_response_id(
    v1_app: V1App, fake_provider: FakeProvider, model: str
) -> None:
    """Turn 1 streams a function call; turn 2 sends only its output and ``previous_response_id``: the
    upstream sees the whole conversation, translated to its own protocol."""
    arguments = json.dumps({"command": "ls -la"})
    fake_provider.enqueue(Behaviour(chunks=["Let me look."], tool_calls=[FakeToolCall("shell", arguments)]))
    fake_provider.enqueue(
        Behaviour(chunks=["Two ", "files."], usage=FakeUsage(input_tokens=30, output_tokens=2))
    )
    client = v1_app.openai()

    first = _stream_events(client, model=model, input="what is here?", tools=[SHELL_TOOL])

    types = [e.type for e in first]
    assert types[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert "response.content_part.added" in types
    assert "response.output_text.delta" in types
    assert "response.function_call_arguments.delta" in types
    assert types[-1] == "response.completed"
    assert [e.sequence_number for e in first] == list(range(len(first)))
    done = {e.type: e for e in first if e.type.endswith(".done")}
    assert done["response.function_call_arguments.done"].arguments == arguments
    completed = first[-1].response
    call = next(item for item in completed.output if item.type == "function_call")
    assert (call.name, call.arguments) == ("shell", arguments)
    assert completed.output[0].type == "message"
    assert completed.output[0].content[0].text == "Let me look."

    second = _stream_events(
        client,
        model=model,
        previous_response_id=completed.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "a.txt\nb.txt"}],
        tools=[SHELL_TOOL],
    )

    final = second[-1].response
    assert final.output_text == "Two files."
    assert final.previous_response_id == completed.id
    assert final.usage is not None
    assert final.usage.output_tokens == 2
    sent = fake_provider.requests[-1].json
    if model == OPENAI_MODEL:
        roles = [m["role"] for m in sent["messages"]]
        assert roles == ["user", "assistant", "tool"]
        assert sent["messages"][1]["tool_calls"][0]["id"] == call.call_id
        assert sent["messages"][2] == {
            "role": "tool",
            "tool_call_id": call.call_id,
            "content": "a.txt\nb.txt",
        }
    else:
        assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
        tool_use = sent["messages"][1]["content"][-1]
        assert (tool_use["type"], tool_use["id"], tool_use["input"]) == (
            "tool_use",
            call.call_id,
            {"command": "ls -la"},
        )
        result = sent["messages"][2]["content"][0]
        assert (result["type"], result["tool_use_id"]) == ("tool_result", call.call_id)
    assert client.responses.retrieve(final.id).output_text == "Two files."
    rows = v1_app.wait_logs(2)
    assert {r["source"] for r in rows} == {"openai"}


def test_input_items_roles_images_and_json_schema_format(v1_app: V1App, fake_provider: FakeProvider) -> None:
    fake_provider.enqueue(Behaviour(json_answer={"city": "Paris"}))
    pixel = f"data:image/png;base64,{PNG_1PX}"
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}

    response = v1_app.openai().responses.create(
        model=OPENAI_MODEL,
        input=[
            {"role": "developer", "content": "you are a geographer"},
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "where?"},
                    {"type": "input_image", "image_url": pixel},
                ],
            },
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "opaque"},
            {"role": "assistant", "content": [{"type": "output_text", "text": "Somewhere."}]},
            {"role": "user", "content": "be precise"},
        ],
        text={"format": {"type": "json_schema", "name": "place", "schema": schema, "strict": True}},
        reasoning={"effort": "low", "summary": "auto"},
    )

    assert json.loads(response.output_text) == {"city": "Paris"}
    sent = fake_provider.requests[-1].json
    system = sent["messages"][0]
    assert system["role"] in ("system", "developer")
    assert "you are a geographer" in system["content"]
    assert '"city"' in system["content"]
    assert [m["role"] for m in sent["messages"][1:]] == ["user", "assistant", "user"]
    assert fake_provider.requests[-1].images == [pixel]


def test_unsupported_tool_type_is_a_400_naming_it_and_hosted_search_is_dropped(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    client = v1_app.openai()
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(model=OPENAI_MODEL, input="x", tools=[{"type": "computer_use_preview"}])  # type: ignore[list-item]
    assert "computer_use_preview" in refused.value.message
    assert not fake_provider.requests

    fake_provider.enqueue(Behaviour(chunks=["ok"]))
    answer = client.responses.create(
        model=OPENAI_MODEL, input="x", tools=[{"type": "web_search"}], store=False
    )
    assert answer.output_text == "ok"
    assert "tools" not in fake_provider.requests[-1].json


async def _user_with_token(settings: Settings, username: str) -> str:
    db = Database(settings.effective_database_url)
    try:
        await create_user(db, username, "correct horse battery staple")
        _info, plain = await create_token(db, await find_user_id(db, username), "test")
        return plain
    finally:
        await db.dispose()


def test_tokens_own_their_responses_and_limits_apply(
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    fake_provider: FakeProvider,
    local_provider: FakeProvider,
) -> None:
    """Password mode: a stored response is its user's alone (another user's id is a 404, as an unknown
    one), a request without a token is a 401 and one over the rate limit a 429, in OpenAI's shape."""
    app = start_v1_app(
        make_settings, tmp_path, fake_provider, local_provider, auth="password", rate_limit_per_minute=3
    )
    try:
        alice = app.openai(asyncio.run(_user_with_token(app.settings, "alice")))
        bob = app.openai(asyncio.run(_user_with_token(app.settings, "bob")))
        first = alice.responses.create(model=OPENAI_MODEL, input="remember 42")
        second = alice.responses.create(
            model=OPENAI_MODEL, input="what number?", previous_response_id=first.id
        )
        assert "remember 42" in str(fake_provider.requests[-1].json["messages"])
        assert alice.responses.retrieve(second.id).id == second.id

        with pytest.raises(openai.NotFoundError) as theirs:
            bob.responses.create(model=OPENAI_MODEL, input="x", previous_response_id=first.id)
        assert theirs.value.response.json()["error"]["type"] == "invalid_request_error"
        with pytest.raises(openai.NotFoundError):
            bob.responses.retrieve(first.id)
        with pytest.raises(openai.AuthenticationError):
            app.openai("llmr-wrong").responses.create(model=OPENAI_MODEL, input="x")
        with pytest.raises(openai.RateLimitError) as limited:
            alice.responses.create(model=OPENAI_MODEL, input="one too many")
        assert limited.value.response.json()["error"]["type"] == "rate_limit_error"
        assert len(fake_provider.requests) == 2  # refused requests never reached the upstream
    finally:
        app.stop()


def test_no_cloud_without_a_local_model_is_refused(v1_app: V1App, fake_provider: FakeProvider) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        v1_app.openai().responses.create(model="cloud-only", input="#no_cloud my notes")
    assert "#no_cloud" in refused.value.message
    assert fake_provider.requests == []


def test_no_cloud_goes_to_the_local_model_without_the_tag(
    v1_app: V1App, fake_provider: FakeProvider, local_provider: FakeProvider
) -> None:
    local_provider.enqueue(Behaviour(chunks=["local ", "answer"]))

    response = v1_app.openai().responses.create(model="auto", input="my notes #no_cloud please", store=False)

    assert response.output_text == "local answer"
    assert response.model == LOCAL_MODEL
    assert fake_provider.requests == []
    assert "#no_cloud" not in str(local_provider.requests[-1].json)


def test_upstream_failure_mid_stream_ends_with_response_failed(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=["a", "b", "c"], error_after=1))

    events = _stream_events(v1_app.openai(), model=OPENAI_MODEL, input="x")

    assert events[-1].type == "response.failed"
    assert events[-1].response.error is not None
    assert "response.completed" not in [e.type for e in events]


def test_the_sdks_stream_helper_accumulates_reasoning_text_and_a_call(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    """``responses.stream()`` rebuilds the response from the events (output_index, content_index,
    item ids must all line up) and checks it against ``response.completed``."""
    arguments = json.dumps({"command": "pwd"})
    script = Behaviour(
        reasoning_chunks=["Think", "ing."],
        chunks=["Run ", "it."],
        tool_calls=[FakeToolCall("shell", arguments)],
    )
    fake_provider.enqueue(script, model=ANTHROPIC_MODEL)

    with v1_app.openai().responses.stream(
        model=ANTHROPIC_MODEL,
        input="go",
        tools=[SHELL_TOOL],
        reasoning={"effort": "low", "summary": "auto"},
        store=False,
    ) as stream:
        texts = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()

    assert "".join(texts) == "Run it."
    assert [item.type for item in final.output] == ["reasoning", "message", "function_call"]
    assert final.output[0].summary[0].text == "Thinking."
    assert final.output_text == "Run it."
    assert final.output[2].arguments == arguments


def test_a_stored_response_is_read_back_and_deleted(v1_app: V1App, fake_provider: FakeProvider) -> None:
    fake_provider.enqueue(Behaviour(chunks=["kept"]))
    client = v1_app.openai()

    created = client.responses.create(model=OPENAI_MODEL, input="keep this")

    assert client.responses.retrieve(created.id).output_text == "kept"
    client.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(created.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.delete(created.id)


def test_stored_responses_past_their_keeping_time_are_swept(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=["old"]))
    fake_provider.enqueue(Behaviour(chunks=["new"]))
    client = v1_app.openai()
    old = client.responses.create(model=OPENAI_MODEL, input="a month ago")
    new = client.responses.create(model=OPENAI_MODEL, input="today")

    async def age_and_sweep() -> int:
        db = Database(v1_app.settings.effective_database_url)
        try:
            async with db.write() as session:
                row = await session.get(StoredResponse, old.id)
                assert row is not None
                row.created_at = utcnow() - timedelta(days=31)
            return await responses_store.sweep(db, timedelta(days=v1_app.settings.responses_keep_days))
        finally:
            await db.dispose()

    assert v1_app.settings.responses_keep_days == 30  # the default, as OpenAI keeps them
    assert asyncio.run(age_and_sweep()) == 1
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(old.id)
    with pytest.raises(openai.NotFoundError):  # continuing it is a clear 404, not a silent fresh start
        client.responses.create(model=OPENAI_MODEL, input="and then?", previous_response_id=old.id)
    assert client.responses.retrieve(new.id).output_text == "new"


def test_the_server_sweeps_stored_responses_unless_told_to_keep_them(
    settings: Settings, tmp_path: Path
) -> None:
    db = Database(settings.effective_database_url)
    media = MediaStore(db, tmp_path / "media")
    named = [s.name for s in _sweepers(settings, db, media)]
    assert named == ["unsent-upload-sweeper", "stored-response-sweeper"]
    forever = settings.model_copy(update={"responses_keep_days": 0})
    assert [s.name for s in _sweepers(forever, db, media)] == ["unsent-upload-sweeper"]
