"""``llm-router serve`` checks the schema once: the command migrates first (so a bad database URL is one
clear line) and the app's start-up then skips its own check, instead of doing it a second time."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.server import ServerProcess

# Loaded by Python at start-up from PYTHONPATH: counts the schema checks of the real server process.
COUNTER = """
import llm_router.db.migrate as migrate

_real = migrate.migrate_if_needed


async def _counted(db):
    print("schema check", flush=True)
    await _real(db)


migrate.migrate_if_needed = _counted
"""


def test_serve_checks_the_schema_once(tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(COUNTER)
    path = os.pathsep.join(filter(None, [str(hooks), os.environ.get("PYTHONPATH")]))
    server = ServerProcess(
        {"LLM_ROUTER_DATA_DIR": str(tmp_path / "data"), "LLM_ROUTER_AUTH": "none", "PYTHONPATH": path},
        tmp_path,
    ).start(timeout=120)  # a deadline for a loaded machine, not a timing
    try:
        assert server.log().count("schema check") == 1, server.log()
    finally:
        server.terminate()
