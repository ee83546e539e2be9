"""``llm-router token create|list|revoke``: API tokens for the ``/v1`` endpoints, from the shell."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from llm_router.cli.support import fail, run_with_database

if TYPE_CHECKING:
    from llm_router.core.settings import Settings
    from llm_router.db.engine import Database

T = TypeVar("T")


def register_token_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    token = sub.add_parser("token", help="API tokens for the /v1 endpoints")
    actions = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create a token and print it (shown once)")
    create.add_argument("--user", required=True, help="the user the token acts as")
    create.add_argument("--name", default="", help="a label to tell tokens apart")
    create.add_argument(
        "--expires-days",
        type=int,
        default=None,
        help="refuse the token after this many days (default: never)",
    )
    create.set_defaults(handler=cmd_token_create)
    listing = actions.add_parser("list", help="list a user's tokens (never the tokens themselves)")
    listing.add_argument("--user", required=True)
    listing.set_defaults(handler=cmd_token_list)
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("--user", required=True)
    revoke.add_argument("token_id")
    revoke.set_defaults(handler=cmd_token_revoke)


def cmd_token_create(args: argparse.Namespace, settings: Settings) -> int:
    from llm_router.core.errors import AppError
    from llm_router.core.ids import utcnow
    from llm_router.services.accounts import tokens

    async def work(db: Database) -> str:
        user_id = await tokens.find_user_id(db, args.user)
        expires_at = utcnow() + timedelta(days=args.expires_days) if args.expires_days else None
        _info, plain = await tokens.create_token(db, user_id, args.name, expires_at)
        return plain

    try:
        plain = run_with_database(settings, work)
    except AppError as exc:
        return fail(exc.message)
    print(plain)
    return 0


def cmd_token_list(args: argparse.Namespace, settings: Settings) -> int:
    from llm_router.core.errors import AppError
    from llm_router.services.accounts import tokens

    async def work(db: Database) -> list[tokens.TokenInfo]:
        return await tokens.list_tokens(db, await tokens.find_user_id(db, args.user))

    try:
        infos = run_with_database(settings, work)
    except AppError as exc:
        return fail(exc.message)
    for info in infos:
        state = f"revoked {info.revoked_at:%Y-%m-%d}" if info.revoked_at else "active"
        print(f"{info.id}  {info.prefix}…  {info.name or '-'}  {info.created_at:%Y-%m-%d}  {state}")
    return 0


def cmd_token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from llm_router.core.errors import AppError
    from llm_router.services.accounts import tokens

    async def work(db: Database) -> None:
        await tokens.revoke_token(db, await tokens.find_user_id(db, args.user), args.token_id)

    try:
        run_with_database(settings, work)
    except AppError as exc:
        return fail(exc.message)
    print(f"revoked {args.token_id}")
    return 0
