"""Usage dashboard queries at 1M usage rows (SQLite).

``uv run python benchmarks/usage_dashboard.py [--rows 1000000] [--repeat 20] [--db PATH]``
``uv run python benchmarks/usage_dashboard.py --database-url postgresql://postgres@127.0.0.1/bench``

Builds a SQLite database through the app's migrations, bulk-loads ``--rows`` usage events spread over
10 users and 365 days (five models, three devices, five sources), then times what the dashboard asks
(``services.usage.reports``) for one user and for an admin reading everyone, and the budget check
(``Budgets.lines``). Prints p50/p95 per query against the 100 ms target and writes
``benchmarks/results/usage_dashboard_<database>.json``.

``--db PATH`` keeps the loaded database at PATH and, when it exists already, reuses it (only the app's
migrations are run on it): loading a million rows takes minutes on a small machine, and measuring
before and after a schema change on the same rows in the same period is the fair comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import ROOT, percentile

from llm_router.db.engine import Database
from llm_router.db.migrate import upgrade_database
from llm_router.services.accounts.budgets import Budgets
from llm_router.services.usage import reports
from llm_router.services.usage.reports import Window

RESULTS = ROOT / "benchmarks" / "results"
BACKFILL = """INSERT INTO usage_daily (owner_id, day, source, provider, model, device_id, api_token_id,
                                 requests, tokens_in, tokens_out, cost, saving)
    SELECT owner_id, substr(created_at, 1, 10), source, coalesce(provider, ''), coalesce(model, ''),
           coalesce(device_id, ''), coalesce(api_token_id, ''), count(*), sum(tokens_in), sum(tokens_out),
           coalesce(sum(cost), 0), coalesce(sum(saving), 0)
    FROM usage_events GROUP BY 1, 2, 3, 4, 5, 6, 7"""
TARGET_MS = 100.0
USERS = [f"{i:032x}" for i in range(1, 11)]
MODELS = [("openai", "gpt-4o-mini"), ("openai", "gpt-5.1"), ("anthropic", "claude-haiku-4-5"),
          ("anthropic", "claude-sonnet-4-5"), ("ollama", "llama3.2")]  # fmt: skip
SOURCES = ["chat", "chat", "openai", "anthropic", "title"]
COLUMNS = ("id", "owner_id", "device_id", "source", "provider", "model", "requested_model", "attempts",
           "cache_hit", "tokens_in", "tokens_out", "tokens_reasoning", "tokens_cached", "cost", "saving",
           "status", "created_at")  # fmt: skip


def _events(rows: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    """The usage rows, the same on both databases (one seed)."""
    rng = random.Random(7)
    for n in range(rows):
        provider, model = rng.choice(MODELS)
        tin, tout = rng.randint(10, 4000), rng.randint(5, 1500)
        at = now - timedelta(seconds=rng.randint(0, 365 * 86400))
        cost = 0.0 if provider == "ollama" else (tin * 0.15 + tout * 0.6) / 1e6
        device = rng.choice(["phone", "laptop", None])
        yield (f"{n:032x}", rng.choice(USERS), device, rng.choice(SOURCES), provider, model, model,
               "[]", False, tin, tout, 0, 0, cost, None, "ok", at)  # fmt: skip


async def _load_postgres(dsn: str, rows: int, now: datetime) -> float:
    """As ``_load``, on PostgreSQL: COPY with the trigger disabled, then the per-day sums once."""
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("ALTER TABLE usage_events DISABLE TRIGGER usage_daily_after_insert")
            await conn.executemany(
                "INSERT INTO users (id, username, role, disabled, created_at, updated_at)"
                " VALUES ($1, $2, 'user', false, $3, $3) ON CONFLICT DO NOTHING",
                [(u, f"user{i}", now) for i, u in enumerate(USERS) if i > 0],
            )
            await conn.copy_records_to_table("usage_events", records=_events(rows, now), columns=COLUMNS)
            day = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
            await conn.execute(BACKFILL.replace("substr(created_at, 1, 10)", day))
            await conn.execute("ALTER TABLE usage_events ENABLE TRIGGER usage_daily_after_insert")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def _newest_postgres(dsn: str) -> datetime | None:
    conn = await asyncpg.connect(dsn)
    try:
        newest: datetime | None = await conn.fetchval("SELECT max(created_at) FROM usage_events")
    finally:
        await conn.close()
    return newest


def _load(path: Path, rows: int, now: datetime) -> float:
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    # As migration 0008 does for existing rows: load without the per-row trigger, then sum once.
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'usage_daily%'"
    )
    triggers = triggers.fetchall()
    conn.execute("BEGIN")
    for name, _sql in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    conn.executemany(
        "INSERT INTO users (id, username, role, disabled, created_at, updated_at)"
        " VALUES (?, ?, 'user', 0, ?, ?)",
        [(u, f"user{i}", stamp, stamp) for i, u in enumerate(USERS) if i > 0],
    )
    sql = f"INSERT INTO usage_events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    batch: list[tuple[Any, ...]] = []
    for event in _events(rows, now):
        batch.append((*event[:-1], event[-1].strftime("%Y-%m-%d %H:%M:%S.%f")))
        if len(batch) >= 50_000:
            conn.executemany(sql, batch)
            batch = []
    conn.executemany(sql, batch)
    conn.execute(BACKFILL)
    for _name, trigger in triggers:
        conn.execute(trigger)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    return time.perf_counter() - started


async def _time(call: Callable[[], Awaitable[Any]], repeat: int) -> dict[str, float]:
    await call()  # warm the page cache once
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1)}


async def _measure(url: str, now: datetime, repeat: int) -> dict[str, dict[str, float]]:
    db = Database(url)
    user = USERS[0]
    month = Window(user, now - timedelta(days=30), now)
    year = Window(user, now - timedelta(days=365), now)
    everyone = Window(None, now - timedelta(days=30), now)
    budgets = Budgets(db)
    await budgets.set("user", user, 5.0, 100.0)
    queries: dict[str, Callable[[], Awaitable[Any]]] = {
        "series by day, 30 days, one user": lambda: reports.series(db, month, "day"),
        "series by month, 365 days, one user": lambda: reports.series(db, year, "month"),
        "breakdown by model, 30 days, one user": lambda: reports.breakdown(db, month, "model"),
        "breakdown by source, 365 days, one user": lambda: reports.breakdown(db, year, "source"),
        "series by day, 30 days, all users (admin)": lambda: reports.series(db, everyone, "day"),
        "breakdown by user, 30 days (admin)": lambda: reports.breakdown(db, everyone, "user"),
        "budget check (day + month sums)": lambda: budgets.lines(user),
    }
    try:
        return {name: await _time(call, repeat) for name, call in queries.items()}
    finally:
        await db.dispose()


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade_database(db)
    finally:
        await db.dispose()


def run_postgres(url: str, rows: int, repeat: int) -> dict[str, Any]:
    """The same on a PostgreSQL database (loaded once: an existing load is reused, as with ``--db``)."""
    dsn = url.replace("+asyncpg", "")
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    asyncio.run(_migrate(url))
    newest = asyncio.run(_newest_postgres(dsn))
    now = datetime.now(UTC)
    build_s = 0.0
    if newest is None:
        build_s = asyncio.run(_load_postgres(dsn, rows, now))
    else:
        now = newest + timedelta(seconds=1)
    timings = asyncio.run(_measure(url, now, repeat))
    return {"database": "postgresql", "rows": rows, "build_s": round(build_s, 1), "target_p95_ms": TARGET_MS,
            "queries": timings}  # fmt: skip


def run(rows: int, repeat: int, keep: Path | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        path = keep or Path(tmp) / "usage.db"
        url = f"sqlite+aiosqlite:///{path}"
        reuse = path.exists()

        asyncio.run(_migrate(url))
        build_s = 0.0 if reuse else _load(path, rows, now)
        if reuse:
            # the rows were spread over the year before the database was built: measure from then
            now = _newest(path)
        timings = asyncio.run(_measure(url, now, repeat))
    return {"database": "sqlite", "rows": rows, "build_s": round(build_s, 1), "target_p95_ms": TARGET_MS,
            "queries": timings}  # fmt: skip


def _newest(path: Path) -> datetime:
    conn = sqlite3.connect(path)
    try:
        (stamp,) = conn.execute("SELECT max(created_at) FROM usage_events").fetchone()
    finally:
        conn.close()
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC) + timedelta(seconds=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", type=Path, help="keep the loaded SQLite database here; reuse it if present")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL instead (postgresql://user@host/db, an empty database: it is migrated and loaded "
        "once, then reused)",
    )
    args = parser.parse_args()
    if args.database_url:
        result = run_postgres(args.database_url, args.rows, args.repeat)
    else:
        result = run(args.rows, args.repeat, args.db)
    print(f"{result['database']}: usage rows: {result['rows']:,} (loaded in {result['build_s']} s)")
    for name, t in result["queries"].items():
        verdict = "met" if t["p95_ms"] <= TARGET_MS else "MISSED"
        print(f"  {name:45s} p50 {t['p50_ms']:7.1f} ms  p95 {t['p95_ms']:7.1f} ms  ({verdict})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"usage_dashboard_{result['database']}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
