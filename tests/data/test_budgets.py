"""Dollar budgets: an admin's daily limit refuses the next chat turn and the next ``/v1`` call in both
protocols' shapes (402) once spent, lets the answer that crossed it finish, still lets local models answer,
and holds for a second server process on the same PostgreSQL database."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx
import openai
import pytest

from llm_router.api.app import create_app
from llm_router.db.models import OWNER_USER_ID
from tests.support.chat import wait_final
from tests.support.server import LiveServer, ServerProcess
from tests.support.v1 import ANTHROPIC_MODEL, LOCAL_MODEL, OPENAI_MODEL, V1App

TINY = 0.000_000_1  # below the price of any priced answer, above $0


def _api(v1_app: V1App) -> httpx.Client:
    return httpx.Client(base_url=v1_app.url, timeout=30)


def _set_user_budget(c: httpx.Client, daily: float | None) -> dict[str, Any]:
    response = c.put(f"/api/admin/users/{OWNER_USER_ID}/budget", json={"daily_usd": daily})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _ask_openai(app: V1App, model: str = OPENAI_MODEL) -> str:
    reply = app.openai().chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
    return reply.choices[0].message.content or ""


def _second_server(v1_app: V1App) -> LiveServer | ServerProcess:
    settings = v1_app.settings
    if settings.effective_database_url.startswith("sqlite"):
        return LiveServer(create_app(settings)).start()
    env = {
        "LLM_ROUTER_DATABASE_URL": settings.effective_database_url,
        "LLM_ROUTER_DATA_DIR": str(settings.data_dir),  # the same vault master key
        "LLM_ROUTER_PROVIDERS_FILE": str(settings.providers_file),
        "LLM_ROUTER_AUTH": "none",
        "LLM_ROUTER_LOG_LEVEL": "WARNING",
        **{
            name: ""
            for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY", "OLLAMA_BASE_URL")
        },
    }
    if settings.routes is not None:
        env["LLM_ROUTER_ROUTES"] = str(settings.routes)
    cwd = settings.data_dir.parent / "second-process"
    cwd.mkdir(exist_ok=True)
    return ServerProcess(env, cwd=cwd).start(timeout=120)


def _chat_turn(c: httpx.Client, conversation_id: str, model: str) -> httpx.Response:
    return c.post(f"/api/conversations/{conversation_id}/messages", json={"content": "hello", "model": model})


def test_over_budget_refuses_chat_and_both_v1_protocols_but_not_local_models(v1_app: V1App) -> None:
    with _api(v1_app) as c:
        assert _set_user_budget(c, TINY)["state"] == "ok"
        conversation = c.post("/api/conversations", json={"model": OPENAI_MODEL}).json()

        # under the limit: the answer that crosses it runs and finishes with its text and cost
        crossing = _chat_turn(c, conversation["id"], OPENAI_MODEL)
        assert crossing.status_code == 202, crossing.text
        answer = wait_final(c, crossing.json()["assistant_message"]["id"])
        assert answer["status"] == "complete"
        assert answer["content"]
        assert answer["cost"] > TINY
        assert v1_app.wait_logs(1, source="chat")[0]["cost"] == answer["cost"]

        status = c.get("/api/budget").json()
        assert status["state"] == "exceeded"
        assert status["lines"][0]["spent_usd"] >= answer["cost"]  # and the title call, if it ran

        # the next chat turn is refused before anything is stored
        refused = _chat_turn(c, conversation["id"], OPENAI_MODEL)
        assert refused.status_code == 402
        assert refused.json()["error"]["code"] == "budget_exceeded"
        assert "daily limit" in refused.json()["error"]["message"]
        after = c.get(f"/api/conversations/{conversation['id']}").json()
        assert len(after["messages"]) == 2

        # /v1 in both shapes
        with pytest.raises(openai.APIStatusError) as oa:
            _ask_openai(v1_app)
        assert oa.value.status_code == 402
        assert oa.value.body["type"] == "insufficient_quota"  # type: ignore[index]
        assert oa.value.body["code"] == "budget_exceeded"  # type: ignore[index]
        assert oa.value.response.headers["x-should-retry"] == "false"
        with pytest.raises(anthropic.APIStatusError) as an:
            v1_app.anthropic().messages.create(
                model=ANTHROPIC_MODEL, max_tokens=20, messages=[{"role": "user", "content": "hi"}]
            )
        assert an.value.status_code == 402
        assert an.value.body["error"]["type"] == "billing_error"  # type: ignore[index]
        assert "budget reached" in an.value.body["error"]["message"]  # type: ignore[index]

        # local models ($0) still answer, on both surfaces
        assert _ask_openai(v1_app, LOCAL_MODEL)
        local_turn = _chat_turn(c, conversation["id"], LOCAL_MODEL)
        assert local_turn.status_code == 202, local_turn.text
        assert wait_final(c, local_turn.json()["assistant_message"]["id"])["status"] == "complete"

        # a second server process on the same database enforces the same budget (nothing in memory);
        # on SQLite, where one file serves one process, a second app instance in this process
        other = _second_server(v1_app)
        try:
            with httpx.Client(base_url=other.url, timeout=30) as c2:
                again = _chat_turn(c2, conversation["id"], OPENAI_MODEL)
                assert again.status_code == 402
                _set_user_budget(c2, None)  # lifted there: both instances serve again
            assert _chat_turn(c, conversation["id"], OPENAI_MODEL).status_code == 202
        finally:
            other.terminate() if isinstance(other, ServerProcess) else other.stop()


def test_warning_at_80_percent_and_a_lower_personal_limit(v1_app: V1App) -> None:
    with _api(v1_app) as c:
        _ask_openai(v1_app)
        spent = v1_app.wait_logs(1)[0]["cost"]
        assert _set_user_budget(c, spent / 0.9)["state"] == "warning"
        assert _ask_openai(v1_app)  # a warning does not refuse
        v1_app.wait_logs(2)
        assert c.get("/api/budget").json()["state"] == "exceeded"

        _set_user_budget(c, None)
        personal = c.put("/api/budget", json={"daily_usd": 100.0, "monthly_usd": spent})
        assert personal.status_code == 200
        assert personal.json()["lines"][0]["scope"] == "personal"
        with pytest.raises(openai.APIStatusError) as refused:
            _ask_openai(v1_app)
        assert "monthly limit" in refused.value.message


def test_an_api_token_budget_refuses_only_that_token(v1_app: V1App) -> None:
    with _api(v1_app) as c:
        created = c.post("/api/tokens", json={"name": "ci"}).json()
        token_id, token = created["id"], created["token"]
        response = c.put(f"/api/admin/tokens/{token_id}/budget", json={"daily_usd": TINY})
        assert response.status_code == 200, response.text
        client = v1_app.openai(token)
        client.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": "hi"}])
        v1_app.wait_logs(1)
        with pytest.raises(openai.APIStatusError) as refused:
            client.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": "hi"}])
        assert refused.value.status_code == 402
        assert "API token" in refused.value.message
        assert _ask_openai(v1_app)  # the same user without that token is not limited
        assert c.put("/api/admin/tokens/0123456789abcdef0123456789abcdef/budget", json={}).status_code == 404
