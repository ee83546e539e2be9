"""``llm-router user create|list|disable|passwd`` and ``llm-router secret generate|rotate``."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, TypeVar

from llm_router.cli.support import fail, run_with_database

if TYPE_CHECKING:
    from llm_router.core.settings import Settings
    from llm_router.db.engine import Database

    Sub = argparse._SubParsersAction[argparse.ArgumentParser]

T = TypeVar("T")


def register_user_commands(sub: Sub) -> None:
    user = sub.add_parser("user", help="accounts: create, list, disable, change a password")
    actions = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create an account (password from a prompt or stdin)")
    create.add_argument("username")
    create.add_argument("--admin", action="store_true", help="make the account an admin")
    create.set_defaults(handler=cmd_user_create)
    actions.add_parser("list", help="list accounts").set_defaults(handler=cmd_user_list)
    disable = actions.add_parser("disable", help="disable an account: its sessions and tokens end at once")
    disable.add_argument("username")
    disable.set_defaults(handler=cmd_user_disable)
    passwd = actions.add_parser("passwd", help="set a new password (its sessions end)")
    passwd.add_argument("username")
    passwd.set_defaults(handler=cmd_user_passwd)

    secret = sub.add_parser("secret", help="the key vault's master key")
    secret_actions = secret.add_subparsers(dest="secret_command", metavar="ACTION", required=True)
    secret_actions.add_parser("generate", help="print a new random master key").set_defaults(
        handler=cmd_secret_generate
    )
    secret_actions.add_parser(
        "rotate", help="re-encrypt every stored key under a new master key"
    ).set_defaults(handler=cmd_secret_rotate)


def read_new_password() -> str:
    """From a prompt (twice) on a terminal, else the first line of stdin (for scripts)."""
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise ValueError("the passwords do not match")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_user_create(args: argparse.Namespace, settings: Settings) -> int:
    from llm_router.core.errors import AppError
    from llm_router.services.accounts import users

    try:
        password = read_new_password()
        user = run_with_database(
            settings,
            lambda db: users.create_user(db, args.username, password, "admin" if args.admin else "user"),
        )
    except (AppError, ValueError) as exc:
        return fail(getattr(exc, "message", str(exc)))
    print(f"created {user.role} {user.username} ({user.id})")
    return 0


def cmd_user_list(args: argparse.Namespace, settings: Settings) -> int:
    from llm_router.services.accounts import users

    for user in run_with_database(settings, users.list_users):
        state = "disabled" if user.disabled else "active"
        print(f"{user.id}  {user.username:<24} {user.role:<6} {state}")
    return 0


def cmd_user_disable(args: argparse.Namespace, settings: Settings) -> int:
    from llm_router.core.errors import AppError
    from llm_router.services.accounts import users

    try:
        user = run_with_database(settings, lambda db: users.disable_user_by_name(db, args.username))
    except AppError as exc:
        return fail(exc.message)
    print(f"disabled {user.username}: sessions and API tokens revoked")
    return 0


def cmd_user_passwd(args: argparse.Namespace, settings: Settings) -> int:
    from llm_router.core.errors import AppError
    from llm_router.services.accounts import auth

    async def work(db: Database) -> None:
        user = await auth.find_user(db, args.username)
        if user is None:
            raise AppError(f"no user named {args.username!r}")
        await auth.set_password(db, user.id, password)

    try:
        password = read_new_password()
        run_with_database(settings, work)
    except (AppError, ValueError) as exc:
        return fail(getattr(exc, "message", str(exc)))
    print(f"password of {args.username} changed; its sessions were ended")
    return 0


def cmd_secret_generate(args: argparse.Namespace, settings: Settings) -> int:
    from llm_router.services.keys.master_key import generate_key_text

    print(generate_key_text())
    return 0


def cmd_secret_rotate(args: argparse.Namespace, settings: Settings) -> int:
    from llm_router.services.keys.rotation import rotate_master_key

    message = run_with_database(settings, lambda db: rotate_master_key(settings, db))
    print(message)
    return 0
