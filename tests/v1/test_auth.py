"""API tokens for ``/v1``: Bearer and x-api-key, 401 in each protocol's shape, per-user logs, revocation,
disabled users, the ``token`` CLI and ``/api/tokens``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import anthropic
import httpx
import openai
import pytest
from sqlalchemy import select

from llm_router.cli.main import main
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.db.models import ApiToken
from llm_router.services.accounts.tokens import create_token, find_user_id, hash_token
from llm_router.services.accounts.users import create_user, disable_user_by_name
from llm_router.testing.fake_provider import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.v1 import ANTHROPIC_MODEL, OPENAI_MODEL, V1App, start_v1_app
from tests.support.waiting import wait_until

PASSWORD = "correct horse battery staple"
HELLO = [{"role": "user", "content": "hello"}]
CACHED_ROUTE = {"routes": {"cached": {"models": [OPENAI_MODEL], "cache": {"ttl_seconds": 600}}}}


@pytest.fixture
def v1_overrides() -> dict[str, object]:
    return {"routes": CACHED_ROUTE, "auth": "password"}


def run_db(settings: Settings, work: Callable[[Database], object]) -> None:
    async def run() -> None:
        db = Database(settings.effective_database_url)
        try:
            await work(db)  # type: ignore[misc]
        finally:
            await db.dispose()

    asyncio.run(run())


@pytest.fixture
def cli(
    v1_app: V1App, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., str]:
    monkeypatch.setenv("LLM_ROUTER_DATABASE_URL", str(v1_app.settings.database_url))
    monkeypatch.setenv("LLM_ROUTER_DATA_DIR", str(v1_app.settings.data_dir))

    def run(*args: str) -> str:
        capsys.readouterr()
        assert main(list(args)) == 0
        return capsys.readouterr().out.strip()

    return run


@pytest.fixture
def tokens(v1_app: V1App, cli: Callable[..., str]) -> dict[str, str]:
    run_db(v1_app.settings, lambda db: create_user(db, "alice", PASSWORD))
    run_db(v1_app.settings, lambda db: create_user(db, "bob", PASSWORD))
    return {
        "alice": cli("token", "create", "--user", "alice", "--name", "laptop"),
        "bob": cli("token", "create", "--user", "bob"),
    }


def test_a_wrong_token_is_401_in_each_protocols_shape(v1_app: V1App) -> None:
    with pytest.raises(openai.AuthenticationError) as oa:
        v1_app.openai("llmr-wrong").chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]
    assert set(oa.value.response.json()["error"]) == {"message", "type", "param", "code"}

    with pytest.raises(anthropic.AuthenticationError) as an:
        v1_app.anthropic("llmr-wrong").messages.create(model=ANTHROPIC_MODEL, max_tokens=5, messages=HELLO)  # type: ignore[arg-type]
    assert an.value.response.json()["type"] == "error"
    assert an.value.response.json()["error"]["type"] == "authentication_error"

    missing = httpx.post(f"{v1_app.url}/v1/chat/completions", json={"model": OPENAI_MODEL, "messages": HELLO})
    assert missing.status_code == 401


def test_bearer_and_x_api_key_are_both_accepted(v1_app: V1App, tokens: dict[str, str]) -> None:
    completion = v1_app.openai(tokens["alice"]).chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]
    assert completion.choices[0].message.content == "Echo: hello"
    message = v1_app.anthropic(tokens["alice"]).messages.create(
        model=ANTHROPIC_MODEL, max_tokens=5, messages=HELLO
    )  # type: ignore[arg-type]
    assert message.content[0].text == "Echo: hello"  # type: ignore[union-attr]


def test_a_users_token_reads_only_that_users_logs(v1_app: V1App, tokens: dict[str, str]) -> None:
    v1_app.openai(tokens["alice"]).chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]
    v1_app.openai(tokens["bob"]).chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]
    v1_app.openai(tokens["bob"]).chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]

    bob_rows = v1_app.wait_logs(2, tokens["bob"])
    alice_rows = v1_app.wait_logs(1, tokens["alice"])

    assert len(alice_rows) == 1
    assert len(bob_rows) == 2
    assert {r["id"] for r in alice_rows}.isdisjoint({r["id"] for r in bob_rows})
    assert httpx.get(f"{v1_app.url}/api/logs", headers={"x-api-key": "llmr-wrong"}).status_code == 401
    assert httpx.get(f"{v1_app.url}/api/logs").status_code == 401


def test_revoked_tokens_and_disabled_users_stop_at_once(
    v1_app: V1App, tokens: dict[str, str], cli: Callable[..., str]
) -> None:
    client = v1_app.openai(tokens["alice"])
    client.chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]  (now cached)
    token_id = cli("token", "list", "--user", "alice").split()[0]
    cli("token", "revoke", "--user", "alice", token_id)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]

    bob = v1_app.openai(tokens["bob"])
    bob.chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]
    run_db(v1_app.settings, lambda db: disable_user_by_name(db, "bob"))
    with pytest.raises(openai.AuthenticationError):
        bob.chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]


def test_a_refused_token_works_as_soon_as_it_exists(v1_app: V1App, tokens: dict[str, str]) -> None:
    plain = "llmr-refused-first-then-created-0123456789"
    client = v1_app.openai(plain)
    with pytest.raises(openai.AuthenticationError):  # the refusal is cached now
        client.chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]

    async def add(db: Database) -> None:
        user_id = await find_user_id(db, "alice")
        async with db.write() as session:
            session.add(ApiToken(user_id=user_id, token_hash=hash_token(plain), prefix=plain[:12]))

    run_db(v1_app.settings, add)  # any new token row clears the cached refusals
    completion = client.chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]
    assert completion.choices[0].message.content == "Echo: hello"


def test_tokens_are_stored_hashed_and_shown_once(
    v1_app: V1App, tokens: dict[str, str], cli: Callable[..., str]
) -> None:
    listing = cli("token", "list", "--user", "alice")
    assert tokens["alice"] not in listing
    assert "laptop" in listing
    db_file = v1_app.settings.database_url or ""
    if db_file.startswith("sqlite"):
        assert tokens["alice"].encode() not in Path(db_file.split("///", 1)[1]).read_bytes()


def wait_for_last_use(v1: V1App) -> str | None:
    used: str | None = wait_until(
        lambda: httpx.get(f"{v1.url}/api/tokens").json()["items"][0]["last_used_at"],
        timeout=15,
        interval=0.02,
        accept=lambda used: used is not None,
        message="the token's last_used_at",
    )
    return used


def test_api_tokens_endpoint_creates_lists_and_revokes(
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    fake_provider: FakeProvider,
    local_provider: FakeProvider,
) -> None:
    v1 = start_v1_app(make_settings, tmp_path, fake_provider, local_provider, auth="none")
    try:
        created = httpx.post(f"{v1.url}/api/tokens", json={"name": "script"})
        assert created.status_code == 201
        token = created.json()["token"]
        listed = httpx.get(f"{v1.url}/api/tokens").json()["items"]
        assert [t["name"] for t in listed] == ["script"]
        assert "token" not in listed[0]
        completion = v1.openai(token).chat.completions.create(model=OPENAI_MODEL, messages=HELLO)  # type: ignore[arg-type]
        assert completion.choices[0].message.content == "Echo: hello"
        [row] = v1.wait_logs(1)
        assert row["api_token_id"] == listed[0]["id"]
        assert wait_for_last_use(v1) is not None  # noted in the background, to the minute
        assert httpx.delete(f"{v1.url}/api/tokens/{listed[0]['id']}").status_code == 204
        assert httpx.get(f"{v1.url}/api/tokens").json()["items"][0]["revoked_at"] is not None
        assert httpx.delete(f"{v1.url}/api/tokens/{'0' * 32}").status_code == 404
        weekly = httpx.post(f"{v1.url}/api/tokens", json={"name": "weekly", "expires_in_days": 7}).json()
        assert weekly["expires_at"] is not None
        assert httpx.get(f"{v1.url}/api/tokens").json()["items"][0]["expires_at"] == weekly["expires_at"]
        refused = httpx.post(f"{v1.url}/api/tokens", json={"name": "x", "expires_in_days": 0})
        assert refused.status_code == 422
    finally:
        v1.stop()


def test_a_token_over_its_rate_limit_gets_429_in_the_protocols_shape(
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    fake_provider: FakeProvider,
    local_provider: FakeProvider,
) -> None:
    v1 = start_v1_app(
        make_settings, tmp_path, fake_provider, local_provider, auth="password", rate_limit_per_minute=2
    )
    try:
        run_db(v1.settings, lambda db: create_user(db, "carol", PASSWORD))
        token = asyncio.run(_token_for(v1.settings, "carol"))
        client = v1.anthropic(token)
        for _ in range(2):
            client.messages.create(model=ANTHROPIC_MODEL, max_tokens=5, messages=HELLO)  # type: ignore[arg-type]
        with pytest.raises(anthropic.RateLimitError) as limited:
            client.messages.create(model=ANTHROPIC_MODEL, max_tokens=5, messages=HELLO)  # type: ignore[arg-type]
        assert limited.value.response.json()["error"]["type"] == "rate_limit_error"
        assert int(limited.value.response.headers["retry-after"]) >= 1
    finally:
        v1.stop()


async def _token_for(settings: Settings, username: str) -> str:
    db = Database(settings.effective_database_url)
    try:
        _info, plain = await create_token(db, await find_user_id(db, username), "test")
        return plain
    finally:
        await db.dispose()


def test_the_response_cache_is_per_user(
    v1_app: V1App, tokens: dict[str, str], fake_provider: FakeProvider
) -> None:
    def ask(user: str) -> tuple[str, str | None]:
        raw = v1_app.openai(tokens[user]).chat.completions.with_raw_response.create(
            model="cached",
            messages=HELLO,  # type: ignore[arg-type]
            temperature=0,
        )
        return raw.parse().choices[0].message.content or "", raw.headers.get("x-llm-router-cache")

    fake_provider.enqueue(Behaviour(chunks=["for alice"]))
    fake_provider.enqueue(Behaviour(chunks=["for bob"]))
    assert ask("alice") == ("for alice", None)
    v1_app.wait_logs(1, tokens["alice"])  # the answer is cached once its request is settled
    assert ask("alice") == ("for alice", "hit")
    # the same request from another user goes upstream: answers are never shared between users
    assert ask("bob") == ("for bob", None)
    assert len([r for r in fake_provider.requests if r.path.endswith("/chat/completions")]) == 2


def test_an_expired_token_is_refused_and_a_cached_acceptance_does_not_outlive_it(
    v1_app: V1App, tokens: dict[str, str], cli: Callable[..., str]
) -> None:
    from datetime import timedelta

    from llm_router.core.ids import utcnow

    expiring = cli("token", "create", "--user", "alice", "--name", "ci", "--expires-days", "30")
    client = v1_app.openai(expiring)
    assert client.models.list().data  # valid now: 30 days to go
    alice = {"id": ""}

    async def soon(db: Database) -> None:  # a token that runs out in a moment, made the way the API does
        alice["id"] = await find_user_id(db, "alice")
        _info, plain = await create_token(db, alice["id"], "short", utcnow() + timedelta(seconds=1.5))
        alice["short"] = plain

    run_db(v1_app.settings, soon)
    short = v1_app.openai(alice["short"])
    assert short.models.list().data  # accepted, and the acceptance is cached (5 s)…
    wait_until(  # …but never past the token's end
        lambda: (
            httpx.get(
                f"{v1_app.url}/v1/models", headers={"authorization": f"Bearer {alice['short']}"}, timeout=10
            ).status_code
        ),
        accept=lambda status: status == 401,
        timeout=10,
        message="the expired token refused",
    )

    async def expire(db: Database) -> None:  # the 30-day token's end arrives
        async with db.write() as session:
            row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(expiring)))
            assert row is not None
            assert row.expires_at is not None
            assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
            row.expires_at = utcnow() - timedelta(seconds=1)

    run_db(v1_app.settings, expire)
    with pytest.raises(openai.AuthenticationError):
        v1_app.openai(expiring).models.list()
