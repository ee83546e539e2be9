"""``llm-router serve [--workers N]``: one process, or N worker processes sharing one port.

With several workers uvicorn's supervisor binds the port once and hands the socket to each worker
(each a fresh interpreter that builds the app with ``worker_app``); it restarts a worker that dies. Before
any worker starts, this process migrates the database and takes the SQLite server lock shared for the
whole run (``db restore`` refuses meanwhile). When it is the only server on that database, answers an
earlier run left ``pending``/``streaming`` become ``interrupted`` at once; otherwise (another server, or
a worker killed and restarted) each worker's heartbeat sweep finds them (``services/chat/manager.py``).

What the workers share goes through the database, so no Redis is needed: request limits and sign-in
throttling (``shared_limits.py``), budgets, and live answers (a watcher on another worker follows the
partial text its job flushes twice a second); see the README's "Several workers".
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

from llm_router import __version__
from llm_router.core.errors import StartupError
from llm_router.core.settings import Settings

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from fastapi import FastAPI

log = logging.getLogger(__name__)

MAX_DEFAULT_WORKERS = 4  # more processes than this mostly add memory on one SQLite file
WORKER_PING_TIMEOUT = 30  # seconds


def worker_count(requested: int | None, settings: Settings) -> int:
    """``--workers``, else ``LLM_ROUTER_WORKERS``, else one per core (at most 4)."""
    count = requested if requested is not None else settings.workers
    if count <= 0:
        count = min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS)
    return count


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", help="port to listen on (default 8000)")
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help=f"server processes sharing the port (default: one per CPU core, at most {MAX_DEFAULT_WORKERS})",
    )


def _make_data_dir(settings: Settings) -> None:
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupError(
            f"invalid setting LLM_ROUTER_DATA_DIR: cannot create {settings.data_dir}: {exc.strerror}"
        ) from None


async def prepare_database(
    settings: Settings, *, interrupt_orphans: bool = False, migrate: bool = True
) -> bool:
    """Connect, migrate and create the owner row; any failure becomes one clear line. With
    ``interrupt_orphans`` (no other server uses this database) answers left running become
    ``interrupted``. With ``migrate`` off, a schema that needs migrating (or cannot be read) is left
    alone and False returned: the caller migrates in a child process."""
    from llm_router.db.engine import Database
    from llm_router.db.migrate import migrate_if_needed, schema_is_current
    from llm_router.db.models import OWNER_USER_ID
    from llm_router.services.chat.manager import interrupt_orphans as mark_interrupted
    from llm_router.services.keys.vault import open_cipher

    _make_data_dir(settings)
    db = Database(settings.effective_database_url)
    try:
        if migrate:
            await migrate_if_needed(db)
        elif not await schema_is_current(db, OWNER_USER_ID):
            await db.dispose()
            return False
    except Exception as exc:
        await db.dispose()
        raise StartupError(
            f"invalid setting LLM_ROUTER_DATABASE_URL: cannot open the database ({_safe_reason(exc)})"
        ) from None
    try:
        await open_cipher(settings, db)  # stored keys + a wrong or missing master key: stop here
        if interrupt_orphans and (count := await mark_interrupted(db, all_running=True)):
            log.info("marked %d unfinished answer(s) from an earlier run as interrupted", count)
    finally:
        await db.dispose()
    return True


def prepare(settings: Settings, *, workers: int, interrupt_orphans: bool) -> None:
    """The database made ready before serving. Migrations run in a child process: Alembic and the
    migration scripts (12 MB) would otherwise stay in the memory of the one server process for the whole
    run; with several workers this process only supervises, so all of it goes to a child."""
    if workers == 1 and asyncio.run(
        prepare_database(settings, interrupt_orphans=interrupt_orphans, migrate=False)
    ):
        return
    prepare_in_child(settings, interrupt_orphans=interrupt_orphans)


def prepare_in_child(settings: Settings, *, interrupt_orphans: bool) -> None:
    """``prepare_database`` in a child process. With several workers this process only supervises them,
    and what the database work imports (SQLAlchemy's ORM, the models, the chat service, Alembic on a
    first start: 30-45 MB) would stay in its memory for the whole run, serving nothing."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # a fresh interpreter, as uvicorn's workers are
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_prepare_child, args=(settings, interrupt_orphans, send), name="llm-router-prepare"
    )
    child.start()
    send.close()
    try:
        failure = receive.recv() if receive.poll(None) else None
    except EOFError:  # it died before answering: its traceback is on stderr
        failure = f"preparing the database failed (exit code {child.exitcode})"
    child.join()
    if failure is None and child.exitcode != 0:
        failure = f"preparing the database failed (exit code {child.exitcode})"
    if failure is not None:
        raise StartupError(failure)


def _prepare_child(settings: Settings, interrupt_orphans: bool, send: Connection) -> None:
    from llm_router.core.logging import configure_logging

    configure_logging(settings.log_level)
    try:
        asyncio.run(prepare_database(settings, interrupt_orphans=interrupt_orphans))
    except StartupError as exc:
        send.send(str(exc))
    else:
        send.send(None)
    finally:
        send.close()


def _safe_reason(exc: BaseException) -> str:
    from llm_router.core.logging import redact

    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
    return redact(reason)[:300]


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from llm_router.core.logging import configure_logging
    from llm_router.db.server_lock import ServerLock, sqlite_path

    workers = worker_count(getattr(args, "workers", None), settings)
    if workers < 1:
        raise StartupError("--workers must be at least 1")
    configure_logging(settings.log_level)
    lock = None
    alone = False
    if (database_file := sqlite_path(settings.effective_database_url)) is not None:
        _make_data_dir(settings)
        lock = ServerLock(database_file)
        alone = lock.acquire()
    try:
        prepare(settings, workers=workers, interrupt_orphans=alone)
        print(
            f"llm-router {__version__}: open http://{_url_host(settings.host)}:{settings.port}/"
            + (f" ({workers} workers)" if workers > 1 else ""),
            flush=True,
        )
        options: dict[str, Any] = {
            "host": settings.host,
            "port": settings.port,
            "log_config": None,
            "access_log": False,
            "timeout_graceful_shutdown": 10,
            # X-Forwarded-* are believed only from LLM_ROUTER_TRUSTED_PROXIES (api/security.py), not
            # from whatever uvicorn trusts by default.
            "proxy_headers": False,
            # no route speaks WebSocket: uvicorn's default ("auto") would import the websockets package
            # into every server process only to answer an upgrade with 404
            "ws": "none",
        }
        if workers == 1:
            from llm_router.api.app import create_app

            uvicorn.run(create_app(settings, migrated=True), **options)  # migrated just above
            return 0
        # Workers are fresh interpreters: they read their settings from the environment, so the
        # command line's choices go there too.
        os.environ.update(
            LLM_ROUTER_HOST=settings.host,
            LLM_ROUTER_PORT=str(settings.port),
            LLM_ROUTER_WORKERS=str(workers),
            LLM_ROUTER_DATA_DIR=str(settings.data_dir.resolve()),
        )
        os.environ[SUPERVISOR_PID] = str(os.getpid())  # the workers' parent (PID 1 in a container)
        uvicorn.run(
            "llm_router.cli.serve:worker_app",
            factory=True,
            workers=workers,
            # The supervisor kills a worker that does not answer its ping in time; on a loaded small
            # machine a worker still importing the app can take longer than uvicorn's 5 s.
            timeout_worker_healthcheck=WORKER_PING_TIMEOUT,
            **options,
        )
        return 0
    finally:
        if lock is not None:
            lock.release()


SUPERVISOR_PID = "LLM_ROUTER_SUPERVISOR_PID"


def worker_app() -> FastAPI:
    """The app of one worker process (uvicorn calls this in each fresh worker)."""
    from llm_router.api.app import create_app
    from llm_router.core.logging import configure_logging

    _die_with_parent()
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings, migrated=True)  # the supervisor migrated before starting workers


def _die_with_parent() -> None:
    """A worker whose supervisor is killed (``kill -9``) is told SIGTERM, so it stops gracefully instead
    of serving on alone (Linux; elsewhere the supervisor's normal shutdown stops the workers)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    # the supervisor died before the request was made: the worker was re-parented. Compared with the
    # supervisor's own pid, not with 1: in a container the supervisor *is* PID 1.
    supervisor = os.environ.get(SUPERVISOR_PID)
    if supervisor is not None and os.getppid() != int(supervisor):
        os.kill(os.getpid(), signal.SIGTERM)


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::"):  # noqa: S104 - only to print a URL one can open
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
