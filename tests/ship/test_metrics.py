"""``GET /metrics``: counts web chats and ``/v1`` calls (requests by route template, upstream calls,
tokens, running answers); only an admin's API token or an allowed network may read it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from llm_router.api.app import create_app
from llm_router.cli.main import main
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.services.accounts.users import create_user
from tests.support.chat import new_conversation, send, wait_final
from tests.support.server import LiveServer
from tests.support.v1 import OPENAI_MODEL, V1App


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the counting does not depend on the database


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    """The sum over samples named ``name`` whose labels include ``labels``."""
    return sum(v for (n, ls), v in samples(text).items() if n == name and set(labels.items()) <= set(ls))


def token_for(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys, user: str) -> str:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LLM_ROUTER_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("LLM_ROUTER_DATA_DIR", str(settings.data_dir))
    capsys.readouterr()
    assert main(["token", "create", "--user", user]) == 0
    return str(capsys.readouterr().out.strip())


def test_metrics_count_a_chat_and_a_v1_call_for_an_admin_only(
    v1_app: V1App, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def add_bob() -> None:
        db = Database(v1_app.settings.effective_database_url)
        try:
            await create_user(db, "bob", "correct horse battery staple")
        finally:
            await db.dispose()

    asyncio.run(add_bob())
    admin = token_for(v1_app.settings, monkeypatch, capsys, "admin")
    bob = token_for(v1_app.settings, monkeypatch, capsys, "bob")

    with httpx.Client(base_url=v1_app.url, timeout=30) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"authorization": "Bearer llmr-wrong"}).status_code == 401
        assert client.get("/metrics", headers={"authorization": f"Bearer {bob}"}).status_code == 403

        conversation = new_conversation(client, model=OPENAI_MODEL)
        turn = send(client, conversation["id"], "hello there")
        assert wait_final(client, turn["assistant_message"]["id"])["status"] == "complete"
        hello = [{"role": "user", "content": "hi"}]
        v1_app.openai().chat.completions.create(model=OPENAI_MODEL, messages=hello)  # type: ignore[arg-type]
        # the /v1 row is written after the response; wait for it by name (the chat's title call writes a
        # row of its own, so a count of rows could be reached without it)
        v1_app.wait_logs(1, source="openai")
        v1_app.wait_logs(1, source="chat")

        response = client.get("/metrics", headers={"authorization": f"Bearer {admin}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    requests = "llm_router_http_requests_total"
    assert value(text, requests, route="/api/conversations/{conversation_id}/messages", status="202") == 1
    assert value(text, requests, route="/v1/chat/completions", method="POST", status="200") == 1
    assert value(text, requests, route="/metrics", status="401") == 2
    assert value(text, requests, route="/metrics", status="403") == 1
    calls = "llm_router_upstream_calls_total"
    assert value(text, calls, source="chat", model=OPENAI_MODEL, outcome="ok") == 1
    assert value(text, calls, source="openai", model=OPENAI_MODEL, outcome="ok") == 1
    assert value(text, "llm_router_tokens_total", model=OPENAI_MODEL, direction="output") > 0
    assert value(text, "llm_router_upstream_duration_seconds_count") == 2
    assert value(text, "llm_router_http_request_duration_seconds_count", route="/v1/chat/completions") == 1
    assert "llm_router_generations_running 0.0" in text
    assert "hello there" not in text  # no content
    assert admin not in text


def test_an_allowed_network_reads_metrics_without_a_token(make_settings: Callable[..., Settings]) -> None:
    server = LiveServer(create_app(make_settings(metrics_allow="127.0.0.0/8"))).start()
    try:
        response = httpx.get(f"{server.url}/metrics", timeout=10)
    finally:
        server.stop()
    assert response.status_code == 200
    assert "llm_router_http_requests_total" in response.text


def test_the_counts_kept_before_any_scrape_render_as_prometheus_client_would() -> None:
    """The counts live in plain dicts until a scrape; rendered, they equal prometheus_client's own
    counter and histogram fed the same observations (bucket edges included)."""
    from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

    from llm_router.services.usage.metrics import LATENCY_BUCKETS, Metrics

    ours = Metrics()
    registry = CollectorRegistry()
    requests = Counter("llm_router_http_requests", "", ("method", "route", "status"), registry=registry)
    seconds = Histogram(
        "llm_router_http_request_duration_seconds",
        "",
        ("method", "route"),
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    for status, duration in [(200, 0.005), (200, 0.0051), (404, 1.0), (200, 200.0), (200, 0.0)]:
        ours.observe_request("GET", "/x", status, duration)
        requests.labels("GET", "/x", str(status)).inc()
        seconds.labels("GET", "/x").observe(duration)
    theirs = samples(generate_latest(registry).decode())
    mine = samples(ours.render().decode())
    assert {k: v for k, v in mine.items() if k in theirs and not k[0].endswith("_created")} == {
        k: v for k, v in theirs.items() if not k[0].endswith("_created")
    }
