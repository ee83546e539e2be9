"""Concurrent requests share one read when a short cache expires (``core/singleflight.py``).

The helper itself, then the three caches on the ``/v1`` path, on a real database: 32 calls arriving
together after the cache expired make one read, not 32 (at 32 concurrent calls the repeated reads,
one after another behind a lock for the user's providers, held some calls 1-3 s: the c=32 tail in
docs/benchmarks.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from llm_router.api.services import open_services
from llm_router.core.settings import Settings
from llm_router.core.singleflight import SingleFlight
from llm_router.db.engine import Database
from llm_router.services.accounts.budgets import Budgets
from llm_router.services.accounts.tokens import TokenVerifier, create_token
from llm_router.services.accounts.users import create_user
from llm_router.services.routing import RoutesFile

T = TypeVar("T")
CONCURRENT = 32


async def test_callers_share_one_run_and_its_failure() -> None:
    flight: SingleFlight[int] = SingleFlight()
    runs = 0
    release = asyncio.Event()

    async def work() -> int:
        nonlocal runs
        runs += 1
        await release.wait()
        return 42

    waiting = [asyncio.create_task(flight.run("k", work)) for _ in range(CONCURRENT)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == [42] * CONCURRENT
    assert runs == 1
    assert await flight.run("k", work) == 42
    assert runs == 2  # finished work is not a cache: the next caller runs it again

    async def broken() -> int:
        await asyncio.sleep(0)
        raise RuntimeError("database gone")

    results = await asyncio.gather(*(flight.run("k", broken) for _ in range(3)), return_exceptions=True)
    assert [str(r) for r in results] == ["database gone"] * 3


async def test_a_cancelled_caller_leaves_the_work_to_the_others_and_forget_starts_afresh() -> None:
    flight: SingleFlight[str] = SingleFlight()
    release = asyncio.Event()
    started: list[str] = []

    async def work(tag: str) -> str:
        started.append(tag)
        await release.wait()
        return tag

    gone = asyncio.create_task(flight.run("k", lambda: work("first")))
    stays = asyncio.create_task(flight.run("k", lambda: work("first")))
    await asyncio.sleep(0)
    gone.cancel()  # a client that disconnected
    flight.forget("k")  # a write made the running read stale: later callers read again
    fresh = asyncio.create_task(flight.run("k", lambda: work("second")))
    await asyncio.sleep(0)
    release.set()
    assert await stays == "first"
    assert await fresh == "second"
    assert started == ["first", "second"]
    with pytest.raises(asyncio.CancelledError):
        await gone


def counted(owner: Any, name: str) -> list[int]:
    """Counts calls of ``owner.name`` (an async method), still doing the real work."""
    calls: list[int] = []
    real: Callable[..., Awaitable[Any]] = getattr(owner, name)

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await real(*args, **kwargs)

    setattr(owner, name, wrapper)
    return calls


async def together(call: Callable[[], Awaitable[T]]) -> list[T]:
    return list(await asyncio.gather(*(call() for _ in range(CONCURRENT))))


async def test_budget_checks_after_the_cache_expired_read_once(database_url: str) -> None:
    db = Database(database_url)
    try:
        user = await create_user(db, "reader", "a long enough password")
        budgets = Budgets(db)
        reads = counted(budgets, "_read_limits")
        assert await together(lambda: budgets.lines(user.id)) == [[]] * CONCURRENT
        assert len(reads) == 1
        await budgets.set("user", user.id, daily=5.0, monthly=None)  # a limit: read on every check
        spends = counted(budgets, "_read_spent")
        lines = await together(lambda: budgets.lines(user.id))
        assert {(line.limit_usd, line.spent_usd) for found in lines for line in found} == {(5.0, 0.0)}
        assert (len(reads), len(spends)) == (2, 1)
    finally:
        await db.dispose()


async def test_token_checks_after_the_cache_expired_read_once(database_url: str) -> None:
    db = Database(database_url)
    try:
        user = await create_user(db, "caller", "a long enough password")
        _, plain = await create_token(db, user.id, "laptop")
        verifier = TokenVerifier(db)
        reads = counted(verifier, "_read")
        principals = await together(lambda: verifier.verify(plain))
        assert {p.user_id for p in principals} == {user.id}
        assert len(reads) == 1
        await asyncio.gather(*verifier._touches)  # "last used" is written in the background
    finally:
        await db.dispose()


def test_users_providers_are_looked_up_once_for_concurrent_calls(tmp_path: Path, database_url: str) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", database_url=database_url, auth="none")  # type: ignore[call-arg]

    async def run() -> None:
        async with open_services(settings, RoutesFile()) as services:
            looks = counted(services.user_providers.vault, "user_fingerprint")
            registries = await together(lambda: services.user_providers.for_user("someone"))
            assert all(r is registries[0] for r in registries)
            assert len(looks) == 1  # was 32, one after another

    asyncio.run(run())
