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
from llm_router.cli.serve import add_serve_arguments, cmd_serve, prepare_database
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


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(prepare_database(settings))
    print("database is at the newest schema")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="llm-router", description="Self-hosted LLM router and chat app.")
    parser.add_argument("--version", action="version", version=f"llm-router {__version__}")
    parser.set_defaults(handler=cmd_serve, host=None, port=None, workers=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the server (the default)")
    add_serve_arguments(serve)
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
