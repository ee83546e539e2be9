"""With ``LLM_ROUTER_REDIS_URL`` the request rate limits and the sign-in throttle are counted once for
every server process (here: two apps on the real Redis at 127.0.0.1:6379, each test under its own key
prefix); when Redis cannot be reached, each process counts on its own and says so in the log."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest
import redis

from llm_router.api.app import create_app
from llm_router.core.errors import TooManyRequests
from llm_router.core.settings import Settings
from llm_router.services.accounts import limits
from llm_router.services.accounts.limits import RedisFailureThrottle, RedisLimits, RedisRateLimiter
from tests.security.conftest import ADMIN_PASSWORD, USER_PASSWORD, browser, create_user, start_server
from tests.support.server import LiveServer

REDIS_URL = "redis://127.0.0.1:6379/0"
UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1
PER_MINUTE = 5


@pytest.fixture
def prefix(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A key prefix of this test's own; its keys are removed afterwards."""
    mine = f"llm-router-test:{secrets.token_hex(6)}:"
    monkeypatch.setattr(limits, "KEY_PREFIX", mine)
    yield mine
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{mine}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def two_servers(settings: Settings) -> tuple[LiveServer, LiveServer]:
    """Two server processes' worth of app on one database (and one Redis, when configured)."""
    return start_server(create_app(settings)), start_server(create_app(settings))


@pytest.fixture
def servers(
    make_settings: Callable[..., Settings], prefix: str, request: pytest.FixtureRequest
) -> Iterator[tuple[LiveServer, LiveServer]]:
    redis_url = getattr(request, "param", REDIS_URL)
    settings = make_settings(auth="password", redis_url=redis_url, rate_limit_per_minute=PER_MINUTE)
    first, second = two_servers(settings)
    yield first, second
    first.stop()
    second.stop()


@contextmanager
def signed_in_user(first: LiveServer) -> Iterator[httpx.Client]:
    with browser(first.url) as admin:
        assert admin.post("/api/auth/setup", json={"username": "root", "password": ADMIN_PASSWORD}).is_success
        create_user(admin, "erin")
    with browser(first.url) as client:
        assert client.post("/api/auth/login", json={"username": "erin", "password": USER_PASSWORD}).is_success
        yield client


def alternate(client: httpx.Client, urls: list[str], count: int) -> list[httpx.Response]:
    return [client.get(f"{urls[i % len(urls)]}/api/me") for i in range(count)]


def test_two_processes_share_one_per_user_limit(servers: tuple[LiveServer, LiveServer]) -> None:
    first, second = servers
    with signed_in_user(first) as erin:
        answers = alternate(erin, [first.url, second.url], PER_MINUTE + 1)
    assert [a.status_code for a in answers] == [200] * PER_MINUTE + [429]
    # a bucket of 5 a minute refills one request every 12 s: that is the wait
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60 // PER_MINUTE
    assert answers[-1].json()["error"]["code"] == "rate_limited"


def test_without_redis_each_process_counts_alone(make_settings: Callable[..., Settings]) -> None:
    first, second = two_servers(make_settings(auth="password", rate_limit_per_minute=PER_MINUTE))
    try:
        with signed_in_user(first) as erin:
            answers = alternate(erin, [first.url, second.url], 2 * PER_MINUTE)
        assert [a.status_code for a in answers] == [200] * (2 * PER_MINUTE)
    finally:
        first.stop()
        second.stop()


def test_two_processes_share_the_sign_in_throttle(servers: tuple[LiveServer, LiveServer]) -> None:
    first, second = servers
    with browser(first.url) as admin:
        assert admin.post("/api/auth/setup", json={"username": "root", "password": ADMIN_PASSWORD}).is_success
        create_user(admin, "erin")
    with httpx.Client(timeout=30) as client:
        codes = [
            client.post(
                f"{url}/api/auth/login", json={"username": "erin", "password": f"wrong-{i}"}
            ).status_code
            for i, url in enumerate([first.url, second.url] * 5)
        ]
        assert codes == [401] * 10
        for url in (first.url, second.url):  # the 11th is refused by both, right password or not
            refused = client.post(
                f"{url}/api/auth/login", json={"username": "erin", "password": USER_PASSWORD}
            )
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["Retry-After"]) <= 60


@pytest.mark.parametrize("servers", [UNREACHABLE], indirect=True)
def test_unreachable_redis_counts_per_process_and_warns(
    servers: tuple[LiveServer, LiveServer], caplog: pytest.LogCaptureFixture
) -> None:
    first, _second = servers
    with caplog.at_level(logging.WARNING, logger="llm_router.services.accounts.limits"):
        with signed_in_user(first) as erin:
            answers = alternate(erin, [first.url], PER_MINUTE + 1)
        with httpx.Client(timeout=30) as client:
            codes = [
                client.post(
                    f"{first.url}/api/auth/login", json={"username": "nobody", "password": f"x-{i}"}
                ).status_code
                for i in range(11)
            ]
    # requests are served, and the limits still hold within the process
    assert [a.status_code for a in answers] == [200] * PER_MINUTE + [429]
    assert codes == [401] * 10 + [429]
    warnings = [r.getMessage() for r in caplog.records if r.name == "llm_router.services.accounts.limits"]
    assert any("Redis is unreachable" in w for w in warnings), warnings


async def test_redis_bucket_is_shared_and_says_how_long_to_wait(prefix: str) -> None:
    shared = RedisLimits(REDIS_URL)
    try:
        limiter = RedisRateLimiter(shared, per_minute=2)
        other = RedisRateLimiter(RedisLimits(REDIS_URL), per_minute=2)  # another process's limiter
        await limiter.check("token:a")
        await other.check("token:a")
        with pytest.raises(TooManyRequests) as refused:
            await limiter.check("token:a")
        assert 1 <= refused.value.retry_after <= 30  # one request every 30 s
        await limiter.check("token:b")  # another key has its own bucket
        await other.redis.close()
    finally:
        await shared.close()


async def test_redis_failure_throttle_window(prefix: str) -> None:
    shared = RedisLimits(REDIS_URL)
    try:
        throttle = RedisFailureThrottle(shared, "account", limit=3, window=60)
        for _ in range(3):
            assert await throttle.retry_after("user:x") is None
            await throttle.record_failure("user:x")
        wait = await throttle.retry_after("user:x")
        assert wait is not None
        assert 0 < wait <= 60
        await throttle.reset("user:x")
        assert await throttle.retry_after("user:x") is None
    finally:
        await shared.close()
