"""``llm-router db backup [PATH]`` and ``llm-router db restore PATH`` (see ``db/backup.py``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from llm_router.cli.support import fail
from llm_router.core.settings import Settings


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from llm_router.db.backup import BackupError, backup

    try:
        result = backup(settings, Path(args.path) if args.path else None)
    except BackupError as exc:
        return fail(str(exc))
    key = "with the master key file" if result.with_key else "without a key file (LLM_ROUTER_SECRET_KEY)"
    size_mb = result.database_bytes / 1_000_000
    print(f"backup written: {result.path} (database {size_mb:.1f} MB, {key})")
    print("it holds the master key: keep it as safe as the data dir itself")
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from llm_router.db.backup import BackupError, restore
    from llm_router.db.server_lock import DatabaseInUse

    try:
        done = restore(settings, Path(args.path))
    except (BackupError, DatabaseInUse) as exc:
        return fail(str(exc))
    for line in done:
        print(line)
    print("start the server: migrations bring an older backup up to date")
    return 0


def register_backup_commands(db_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = db_sub.add_parser(
        "backup", help="copy the running SQLite database and the master key into one archive"
    )
    backup.add_argument(
        "path", nargs="?", help="archive file or folder (default: LLM_ROUTER_BACKUP_DIR, <data_dir>/backups)"
    )
    backup.set_defaults(handler=cmd_backup)
    restore = db_sub.add_parser("restore", help="put a backup archive back (the server must be stopped)")
    restore.add_argument("path", help="the archive made by `llm-router db backup`")
    restore.set_defaults(handler=cmd_restore)
