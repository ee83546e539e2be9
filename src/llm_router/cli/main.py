"""The ``llm-router`` command: ``serve`` (the default), ``db upgrade|backup|restore``; more sub-commands
plug in below."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from llm_router import __version__
from llm_router.cli.backup import register_backup_commands
from llm_router.cli.tokens import register_token_commands
from llm_router.cli.users import register_user_commands
from llm_router.core.errors import StartupError
from llm_router.core.settings import Settings, describe_validation_error

Handler = Callable[[argparse.Namespace, Settings], int]


def _fail(message: str, code: int = 2) -> int:
    print(f"llm-router: error: {message}", file=sys.stderr)
    return code


def _load_settings(overrides: dict[str, object]) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]


async def _prepare_database(settings: Settings) -> None:
    """Connect, migrate and create the owner row; any failure becomes one clear line."""
    from llm_router.db.engine import Database
    from llm_router.db.migrate import migrate_if_needed
    from llm_router.services.keys.vault import open_cipher

    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupError(
            f"invalid setting LLM_ROUTER_DATA_DIR: cannot create {settings.data_dir}: {exc.strerror}"
        ) from None
    db = Database(settings.effective_database_url)
    try:
        await migrate_if_needed(db)
    except Exception as exc:
        await db.dispose()
        raise StartupError(
            f"invalid setting LLM_ROUTER_DATABASE_URL: cannot open the database ({_safe_reason(exc)})"
        ) from None
    try:
        await open_cipher(settings, db)  # stored keys + a wrong or missing master key: stop here
    finally:
        await db.dispose()


def _safe_reason(exc: BaseException) -> str:
    from llm_router.core.logging import redact

    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
    return redact(reason)[:300]


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from llm_router.api.app import create_app
    from llm_router.core.logging import configure_logging

    configure_logging(settings.log_level)
    asyncio.run(_prepare_database(settings))
    print(
        f"llm-router {__version__}: open http://{_url_host(settings.host)}:{settings.port}/",
        flush=True,
    )
    uvicorn.run(
        create_app(settings, migrated=True),  # migrated just above: start-up skips its own check
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        # X-Forwarded-* are believed only from LLM_ROUTER_TRUSTED_PROXIES (api/security.py), not
        # from whatever uvicorn trusts by default.
        proxy_headers=False,
    )
    return 0


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::"):  # noqa: S104 - only to print a URL one can open
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_prepare_database(settings))
    print("database is at the newest schema")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llm-router", description="Self-hosted LLM router and chat app.")
    parser.add_argument("--version", action="version", version=f"llm-router {__version__}")
    parser.set_defaults(handler=cmd_serve, host=None, port=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the server (the default)")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", help="port to listen on (default 8000)")
    serve.set_defaults(handler=cmd_serve)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations").set_defaults(handler=cmd_db_upgrade)
    register_backup_commands(db_sub)

    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = []
"""Sub-command modules (users, tokens, …) append a function that adds their parser here."""
EXTRA_COMMANDS.append(register_token_commands)
EXTRA_COMMANDS.append(register_user_commands)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _load_settings({"host": args.host, "port": args.port})
    except ValidationError as exc:
        return _fail(describe_validation_error(exc))
    except StartupError as exc:  # e.g. a *_FILE variable naming a file that cannot be read
        return _fail(str(exc))
    handler: Handler = args.handler
    try:
        return handler(args, settings)
    except StartupError as exc:
        return _fail(str(exc), code=1)
    except KeyboardInterrupt:
        return 130
