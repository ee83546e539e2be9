"""Real databases for tests: a migrated template per run, copied for every test.

SQLite: a migrated file copied per test. PostgreSQL (127.0.0.1:5432, trust auth, database ``test``):
a migrated template database, cloned per test with ``CREATE DATABASE … TEMPLATE`` and dropped after.
Names carry the process id and a random suffix so parallel runs never collide.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from pathlib import Path

import asyncpg

from llm_router.db.engine import Database
from llm_router.db.migrate import upgrade_database

PG_HOST = os.environ.get("LLM_ROUTER_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("LLM_ROUTER_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("LLM_ROUTER_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("LLM_ROUTER_TEST_PG_DB", "test")


def pg_url(database: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


async def _admin_execute(sql: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade_database(db)
    finally:
        await db.dispose()


class SqliteFactory:
    def __init__(self, root: Path) -> None:
        self.template = root / "template.db"
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{self.template}"))

    def new(self, directory: Path) -> str:
        target = directory / "llm-router.db"
        shutil.copyfile(self.template, target)
        return f"sqlite+aiosqlite:///{target}"


class PostgresFactory:
    def __init__(self) -> None:
        self.prefix = f"llmr_t{os.getpid()}_{secrets.token_hex(3)}"
        self.template = f"{self.prefix}_tpl"
        self.created: list[str] = []
        asyncio.run(_admin_execute(f'CREATE DATABASE "{self.template}"'))
        asyncio.run(_migrate(pg_url(self.template)))

    def new(self) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        asyncio.run(_admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        self.created.append(name)
        return pg_url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        for name in [*self.created, self.template]:
            asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
