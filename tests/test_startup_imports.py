"""What a started server has imported: only what its configuration uses (idle RSS and start-up CPU are
mostly the modules loaded). Each start runs in a fresh interpreter: the app is built and its lifespan
entered, as ``serve`` does, and the packages found in ``sys.modules`` are reported back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Loaded only when a request, a configured provider or a stored secret needs them.
NOT_AT_START = (
    "PIL",  # the first picture
    "alembic",  # a database behind the newest revision
    "fpdf",  # the first PDF export
    "openai",  # a provider of that protocol, on first use
    "anthropic",
    "cryptography",  # the first provider key encrypted or decrypted
    "prometheus_client",  # the first /metrics scrape
    "pwdlib",  # the first password
    "httpcore2",  # the first HTTP client made (an upstream call, a key check, a push)
    "genai_prices",  # a priced (non-local) model
    "yaml",  # a providers or routes file
    "sqlalchemy.dialects.postgresql",  # a PostgreSQL database
)

START = """
import asyncio, json, sys
from llm_router.api.app import create_app

async def main():
    app = create_app()
    async with app.router.lifespan_context(app):
        loaded = [name for name in json.loads(sys.argv[1]) if name in sys.modules]
    print(json.dumps(loaded))

asyncio.run(main())
"""


def environment(tmp_path: Path, **env: str) -> dict[str, str]:
    """A default configuration in ``tmp_path``: the test run's own settings and keys stay out."""
    ours = ("LLM_ROUTER_", "OPENAI_", "ANTHROPIC_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return {**clean, "LLM_ROUTER_DATA_DIR": str(tmp_path / "data"), **env}


def start(tmp_path: Path, **env: str) -> list[str]:
    """Start the app once in a fresh interpreter; which of ``NOT_AT_START`` it imported."""
    done = subprocess.run(
        [sys.executable, "-c", START, json.dumps(NOT_AT_START)],
        env=environment(tmp_path, **env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_a_default_sqlite_server_starts_without_what_it_does_not_use(tmp_path: Path) -> None:
    # a new database: the migrations run (their files name PostgreSQL's types too), nothing else loads
    assert set(start(tmp_path)) == {"alembic", "sqlalchemy.dialects.postgresql"}
    assert start(tmp_path) == []  # a restart on the current schema


def test_a_configured_protocol_does_not_load_the_other_protocols_sdk(tmp_path: Path) -> None:
    providers = tmp_path / "providers.yaml"
    providers.write_text(
        "providers:\n  - {name: box, base_url: 'http://127.0.0.1:9/v1', api_key: sk-test, models: [m]}\n"
    )
    start(tmp_path, LLM_ROUTER_PROVIDERS_FILE=str(providers))  # first start: migrations
    loaded = start(tmp_path, LLM_ROUTER_PROVIDERS_FILE=str(providers))
    assert "anthropic" not in loaded
    assert "yaml" in loaded  # the file is read; the other lazy imports are unchanged by it
    assert not {"PIL", "alembic", "fpdf", "cryptography", "prometheus_client", "pwdlib"} & set(loaded)


SUPERVISOR = """
import json, sys
from llm_router.cli.serve import prepare_in_child
from llm_router.core.errors import StartupError
from llm_router.core.settings import Settings

try:
    prepare_in_child(Settings(), interrupt_orphans=True)
    failure = None
except StartupError as exc:
    failure = str(exc)
print(json.dumps({"failure": failure, "sqlalchemy": "sqlalchemy" in sys.modules}))
"""


def supervise(tmp_path: Path, **env: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", SUPERVISOR],
        env=environment(tmp_path, **env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_the_supervisor_of_several_workers_migrates_in_a_child_and_stays_small(tmp_path: Path) -> None:
    assert supervise(tmp_path) == {"failure": None, "sqlalchemy": False}
    assert set(start(tmp_path)) == set()  # the child left the database at the newest revision


def test_a_child_that_cannot_prepare_the_database_fails_the_start_with_its_reason(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    result = supervise(tmp_path, LLM_ROUTER_DATABASE_URL=f"sqlite:///{blocked}/app.db")
    assert str(result["failure"]).startswith(
        "invalid setting LLM_ROUTER_DATABASE_URL: cannot open the database"
    )


ONE_SERVER = """
import json, sys
from llm_router.cli.serve import prepare
from llm_router.core.settings import Settings

prepare(Settings(), workers=1, interrupt_orphans=True)
print(json.dumps({"alembic": "alembic" in sys.modules}))
"""


def test_one_server_process_leaves_the_migrations_to_a_child(tmp_path: Path) -> None:
    """``serve --workers 1`` on a new database: the migrations run in a child, so Alembic (12 MB) is not in
    the memory of the process that then serves; a restart needs no child at all."""
    for _ in range(2):  # a first start, then a restart
        done = subprocess.run(
            [sys.executable, "-c", ONE_SERVER],
            env=environment(tmp_path),
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert json.loads(done.stdout.splitlines()[-1]) == {"alembic": False}
    assert set(start(tmp_path)) == set()  # the database is at the newest revision


def test_a_first_start_logs_the_migrations_run_and_not_alembics_plugins(tmp_path: Path) -> None:
    script = "from llm_router.core.logging import configure_logging\nconfigure_logging('INFO')\n" + ONE_SERVER
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment(tmp_path), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Running upgrade" in done.stderr  # what a first start does is said
    assert "setup plugin" not in done.stderr  # a line per autogenerate plugin is not
