"""Start-up skips Alembic when the database is already at the newest revision (it costs a fifth of a
second and several MB on every start); any doubt about the schema runs the migrations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from llm_router.db.engine import Database
from llm_router.db.migrate import alembic_config, head_revisions, migrate_if_needed, schema_is_current
from llm_router.db.models import OWNER_USER_ID


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    assert head_revisions() == frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def test_only_a_database_at_head_with_its_owner_is_current(database_url: str) -> None:
    db = Database(database_url)
    [head] = head_revisions()
    try:
        assert await schema_is_current(db, OWNER_USER_ID)
        async with db.write() as session:
            await session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        assert not await schema_is_current(db, OWNER_USER_ID)  # an older revision: Alembic must run

        async with db.write() as session:
            await session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        assert await schema_is_current(db, OWNER_USER_ID)
        assert not await schema_is_current(db, "someone-else")  # no owner row
        async with db.write() as session:
            await session.execute(text("DROP TABLE alembic_version"))
        assert not await schema_is_current(db, OWNER_USER_ID)
    finally:
        await db.dispose()


async def test_a_new_database_is_migrated(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    try:
        assert not await schema_is_current(db, OWNER_USER_ID)
        await migrate_if_needed(db)
        assert await schema_is_current(db, OWNER_USER_ID)
    finally:
        await db.dispose()


def test_a_current_database_starts_without_importing_alembic(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    script = (
        "import asyncio, sys\n"
        "from llm_router.db.engine import Database\n"
        "from llm_router.db.migrate import migrate_if_needed\n"
        "async def main():\n"
        f"    db = Database({url!r})\n"
        "    await migrate_if_needed(db)\n"
        "    await db.dispose()\n"
        "asyncio.run(main())\n"
        "print('alembic' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert (first.stdout.strip(), second.stdout.strip()) == ("True", "False")
