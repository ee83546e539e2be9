"""``GET /api/logs``: filters and paging over the caller's requests; a client leaving mid-stream is logged."""

from __future__ import annotations

import httpx
import openai
import pytest

from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.v1 import ANTHROPIC_MODEL, OPENAI_MODEL, V1App

HELLO = [{"role": "user", "content": "hello"}]


def test_logs_filter_and_page(v1_app: V1App, fake_provider: FakeProvider) -> None:
    client = v1_app.openai()
    client.chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]
    client.chat.completions.create(model=ANTHROPIC_MODEL, messages=HELLO)  # type: ignore[arg-type]
    v1_app.anthropic().messages.create(model=OPENAI_MODEL, max_tokens=5, messages=HELLO)  # type: ignore[arg-type]
    fake_provider.enqueue(Behaviour(status=404))
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]
    everything = v1_app.wait_logs(4)

    assert len(everything) == 4
    assert [r["model"] for r in v1_app.logs(model=ANTHROPIC_MODEL)] == [ANTHROPIC_MODEL]
    assert {r["source"] for r in v1_app.logs(source="anthropic")} == {"anthropic"}
    [failed] = v1_app.logs(status="error")
    assert failed["error_kind"] == "not_found"
    assert v1_app.logs(cache_hit="true") == []

    first = httpx.get(f"{v1_app.url}/api/logs", params={"limit": 3}).json()
    second = httpx.get(f"{v1_app.url}/api/logs", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 3
    assert second["next_cursor"] is None
    assert [r["id"] for r in first["items"] + second["items"]] == [r["id"] for r in everything]
    assert v1_app.logs(since="2999-01-01T00:00:00Z") == []


def test_a_client_leaving_mid_stream_is_logged_as_cancelled(
    v1_app: V1App, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue(Behaviour(chunks=[f"w{i} " for i in range(40)], delay=0.05))
    body = {"model": OPENAI_MODEL, "messages": HELLO, "stream": True}
    with httpx.stream("POST", f"{v1_app.url}/v1/chat/completions", json=body, timeout=10) as response:
        for line in response.iter_lines():
            if '"content":"w0 "' in line:
                break  # leave after the first word
    [row] = v1_app.wait_logs(1)
    assert row["status"] == "cancelled"


def test_errors_before_any_route_come_in_the_protocols_shape(v1_app: V1App) -> None:
    limit = v1_app.settings.max_body_bytes
    huge = b'{"model": "x", "messages": [], "pad": "' + b"a" * limit + b'"}'
    headers = {"content-type": "application/json"}
    openai_413 = httpx.post(f"{v1_app.url}/v1/chat/completions", content=huge, headers=headers)
    anthropic_413 = httpx.post(f"{v1_app.url}/v1/messages", content=huge, headers=headers)
    assert openai_413.status_code == anthropic_413.status_code == 413
    assert set(openai_413.json()["error"]) == {"message", "type", "param", "code"}
    assert anthropic_413.json()["type"] == "error"
    assert anthropic_413.json()["error"]["type"] == "request_too_large"

    broken = httpx.post(f"{v1_app.url}/v1/messages", content=b"{not json", headers=headers)
    assert broken.status_code == 400
    assert broken.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "0" * 32}, "cursor"),  # well-formed, but no row of this log
        ({"status": "okay"}, "status"),
        ({"source": "smtp"}, "source"),
        ({"cache_hit": "maybe"}, "cache_hit"),
        ({"since": "yesterday"}, "since"),
        ({"limit": "0"}, "limit"),
        ({"modle": "gpt-4o"}, "modle"),  # a misspelt filter is not silently ignored
    ],
)
def test_bad_log_queries_get_a_422_that_names_the_problem(
    v1_app: V1App, params: dict[str, str], says: str
) -> None:
    response = httpx.get(f"{v1_app.url}/api/logs", params=params)
    assert response.status_code == 422, response.text
    assert says in response.json()["error"]["message"]


@pytest.mark.parametrize("source", ["chat", "title", "openai", "anthropic", "images"])
def test_every_source_a_usage_row_can_have_is_a_valid_filter(v1_app: V1App, source: str) -> None:
    assert v1_app.logs(source=source) == []
