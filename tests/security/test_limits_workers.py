"""With several workers and no Redis (``serve --workers N``), the request rate limits and the sign-in
throttle are counted in the database, once for every process (here: two apps on one database, each
believing it is one of two workers), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from llm_router.core.errors import TooManyRequests
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.db.migrate import upgrade_database
from llm_router.services.accounts.shared_limits import DatabaseFailureThrottle, DatabaseRateLimiter
from tests.security.conftest import ADMIN_PASSWORD, USER_PASSWORD, browser, create_user
from tests.security.test_limits_redis import PER_MINUTE, alternate, signed_in_user, two_servers
from tests.support.server import LiveServer


@pytest.fixture
def workers(make_settings: Callable[..., Settings]) -> Iterator[tuple[LiveServer, LiveServer]]:
    settings = make_settings(auth="password", redis_url=None, workers=2, rate_limit_per_minute=PER_MINUTE)
    first, second = two_servers(settings)
    yield first, second
    first.stop()
    second.stop()


def test_workers_share_one_per_user_limit_through_the_database(
    workers: tuple[LiveServer, LiveServer],
) -> None:
    first, second = workers
    with signed_in_user(first) as erin:
        answers = alternate(erin, [first.url, second.url], PER_MINUTE + 1)
    assert [a.status_code for a in answers] == [200] * PER_MINUTE + [429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60 // PER_MINUTE
    assert answers[-1].json()["error"]["code"] == "rate_limited"


def test_workers_share_the_sign_in_throttle_through_the_database(
    workers: tuple[LiveServer, LiveServer],
) -> None:
    first, second = workers
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
        for url in (first.url, second.url):
            refused = client.post(
                f"{url}/api/auth/login", json={"username": "erin", "password": USER_PASSWORD}
            )
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["Retry-After"]) <= 60


async def test_database_bucket_refills_and_says_how_long_to_wait(database_url: str) -> None:
    db = Database(database_url)
    await upgrade_database(db)
    now = [1_000_000.0]
    limiter = DatabaseRateLimiter(db, per_minute=6, clock=lambda: now[0])  # one token per 10 s
    other = DatabaseRateLimiter(db, per_minute=6, clock=lambda: now[0])  # another process, same table
    try:
        for i in range(6):
            await (limiter if i % 2 else other).check("token:a")
        with pytest.raises(TooManyRequests) as refused:
            await limiter.check("token:a")
        assert refused.value.retry_after == pytest.approx(10.0)
        await limiter.check("token:b")  # keys are separate
        now[0] += 4.0
        with pytest.raises(TooManyRequests) as refused:
            await other.check("token:a")
        assert refused.value.retry_after == pytest.approx(6.0)  # a refusal did not reset the refill
        now[0] += 6.0
        await other.check("token:a")
        with pytest.raises(TooManyRequests):
            await limiter.check("token:a")
    finally:
        await db.dispose()


async def test_database_failure_window_slides(database_url: str) -> None:
    db = Database(database_url)
    await upgrade_database(db)
    now = [5_000.0]
    throttle = DatabaseFailureThrottle(db, "account", limit=3, window=60.0, clock=lambda: now[0])
    try:
        for _ in range(3):
            assert await throttle.retry_after("user:erin") is None
            await throttle.record_failure("user:erin")
            now[0] += 10.0
        assert await throttle.retry_after("user:erin") == pytest.approx(30.0)  # oldest leaves at 5060
        assert await throttle.retry_after("user:other") is None
        now[0] += 30.0
        assert await throttle.retry_after("user:erin") is None
        await throttle.record_failure("user:erin")
        await throttle.reset("user:erin")
        assert await throttle.retry_after("user:erin") is None
    finally:
        await db.dispose()
