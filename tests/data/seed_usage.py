"""Usage rows written straight into the database for dashboard tests and the benchmark: many days, several
models, providers, devices, tokens and sources (titles included), a few with unknown cost."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from llm_router.core.ids import new_id
from llm_router.db.engine import Database
from llm_router.db.models import OWNER_USER_ID, UsageEvent

MODELS = (
    ("openai", "gpt-4o-mini"),
    ("anthropic", "claude-haiku-4-5"),
    ("ollama", "llama3.2"),
    ("openai", "gpt-5.1"),
)
SOURCES = ("chat", "chat", "openai", "anthropic", "title")


def usage_rows(
    count: int, *, days: int = 60, owners: tuple[str, ...] = (OWNER_USER_ID,), seed: int = 7,
    end: datetime | None = None, conversation_ids: tuple[str, ...] = (),
) -> list[dict[str, Any]]:  # fmt: skip
    rng = random.Random(seed)
    end = end or datetime.now(UTC)
    rows = []
    for _ in range(count):
        provider, model = rng.choice(MODELS)
        local = provider == "ollama"
        tokens_in, tokens_out = rng.randint(10, 4000), rng.randint(5, 1500)
        unknown = rng.random() < 0.02
        rows.append(
            {
                "id": new_id(),
                "owner_id": rng.choice(owners),
                "device_id": rng.choice(("phone-1", "laptop", None)),
                "api_token_id": None,
                "conversation_id": rng.choice(conversation_ids) if conversation_ids else None,
                "message_id": None,
                "source": rng.choice(SOURCES),
                "provider": provider,
                "model": model,
                "requested_model": model,
                "route": "direct",
                "attempts": [],
                "confidence": None,
                "cache_hit": False,
                "tokens_in": tokens_in,
                "tokens_out": tokens_out,
                "tokens_reasoning": 0,
                "tokens_cached": 0,
                "cost": None
                if unknown
                else (0.0 if local else round((tokens_in * 0.15 + tokens_out * 0.6) / 1e6, 9)),
                "saving": round(rng.random() / 1000, 9) if local else None,
                "latency_ms": rng.randint(200, 5000),
                "ttft_ms": rng.randint(50, 800),
                "status": "ok",
                "error_kind": None,
                "created_at": end - timedelta(seconds=rng.randint(0, days * 86400)),
            }
        )
    return rows


async def insert_usage(database_url: str, rows: list[dict[str, Any]]) -> None:
    db = Database(database_url)  # its own engine: the server's belongs to the server's event loop
    try:
        for start in range(0, len(rows), 5000):
            async with db.write() as session:
                await session.execute(insert(UsageEvent.__table__), rows[start : start + 5000])
    finally:
        await db.dispose()


def seed_usage(database_url: str, rows: list[dict[str, Any]]) -> None:
    asyncio.run(insert_usage(database_url, rows))
