"""The limits of ``limits.py`` kept in the database, for several worker processes without Redis.

``serve --workers N`` on SQLite (or replicas on PostgreSQL without Redis) would otherwise let each
process count on its own, multiplying the limit by N. Each step is one short write: the token bucket
is a single ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (refill, take, and say whether it was
allowed, atomically under the database's write lock); a sign-in failure is one row, counted over the
window. The processes share one machine's clock (``time.time``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Table, case, delete, func, select

from llm_router.core.errors import TooManyRequests
from llm_router.db.engine import Database
from llm_router.db.models import LimitFailure, RateBucket
from llm_router.services.accounts.limits import SLOW_DOWN

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

Clock = Callable[[], float]


class DatabaseRateLimiter:
    """``RateLimiter``'s token bucket (``per_minute``, bursts up to the same) in ``rate_buckets``.

    A granted request stores ``(refilled - 1, now)``; a refused one leaves the bucket as it was (the
    refill is linear, so that is the same bucket) and says so in ``granted``."""

    def __init__(self, db: Database, per_minute: int, clock: Clock = time.time) -> None:
        self.db = db
        self.capacity = float(per_minute)
        self.per_second = per_minute / 60.0
        self.clock = clock

    async def check(self, key: str) -> None:
        now = self.clock()
        table: Table = RateBucket.__table__  # type: ignore[assignment]
        least = func.min if self.db.is_sqlite else func.least
        refilled = least(self.capacity, table.c.tokens + (now - table.c.at) * self.per_second)
        insert = _insert(table, self.db.is_sqlite)
        statement = (
            insert.values(key=key, tokens=self.capacity - 1.0, at=now, granted=True)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "tokens": case((refilled >= 1.0, refilled - 1.0), else_=table.c.tokens),
                    "at": case((refilled >= 1.0, now), else_=table.c.at),
                    "granted": refilled >= 1.0,
                },
            )
            .returning(table.c.tokens, table.c.at, table.c.granted)
        )
        async with self.db.write() as session:
            tokens, at, granted = (await session.execute(statement)).one()
        if not granted:
            have = min(self.capacity, tokens + (now - at) * self.per_second)
            raise TooManyRequests(SLOW_DOWN, retry_after=max(0.0, 1.0 - have) / self.per_second)


class DatabaseFailureThrottle:
    """``FailureThrottle`` (at most ``limit`` failures per key in a sliding ``window``) in
    ``limit_failures``; ``name`` keeps account and address keys apart."""

    def __init__(
        self, db: Database, name: str, limit: int = 10, window: float = 60.0, clock: Clock = time.time
    ) -> None:
        self.db = db
        self.name = name
        self.limit = limit
        self.window = window
        self.clock = clock

    def _key(self, key: str) -> str:
        return f"{self.name}:{key}"[:300]

    async def retry_after(self, key: str) -> float | None:
        now = self.clock()
        query = (
            select(LimitFailure.at)
            .where(LimitFailure.key == self._key(key), LimitFailure.at > now - self.window)
            .order_by(LimitFailure.at.desc())
            .limit(self.limit)
        )
        async with self.db.read() as session:
            times = list(await session.scalars(query))
        if len(times) < self.limit:
            return None
        # allowed again once the oldest of the newest ``limit`` failures leaves the window
        return max(0.0, times[-1] + self.window - now)

    async def record_failure(self, key: str) -> None:
        now = self.clock()
        async with self.db.write() as session:
            await session.execute(
                delete(LimitFailure).where(
                    LimitFailure.key == self._key(key), LimitFailure.at <= now - self.window
                )
            )
            session.add(LimitFailure(key=self._key(key), at=now))

    async def reset(self, key: str) -> None:
        async with self.db.write() as session:
            await session.execute(delete(LimitFailure).where(LimitFailure.key == self._key(key)))


def _insert(table: Table, is_sqlite: bool) -> sqlite.Insert | postgresql.Insert:
    """The dialect's ``INSERT`` (with ``on_conflict_do_update``): only the dialect in use is imported,
    since the PostgreSQL one alone is 2 MB of RSS an SQLite server never needs."""
    if is_sqlite:
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)
    from sqlalchemy.dialects import postgresql

    return postgresql.insert(table)
