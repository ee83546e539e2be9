"""``db backup`` and ``db restore``: one archive holding a consistent copy of the SQLite database and the
vault's master key file, so a restored instance can still decrypt its provider keys (and the Web Push
key, so subscribed devices keep receiving notices after a move).

The copy is made with SQLite's online backup API while the server keeps running: it is one read
transaction, so it holds every committed row (an answer still streaming is there as far as its last
flush) and nothing half-written. PostgreSQL has its own tools (``pg_dump``, see the README).

Archive (``.tar.gz``, mode 0600 because it holds the key): ``llm-router.db``, ``secret.key`` (when the
key is a file in the data dir), ``vapid_private.pem`` (when push was used) and ``backup.json`` (what,
when, which version).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from llm_router import __version__
from llm_router.core.settings import MASTER_KEY_FILE_NAME as KEY_FILE_NAME
from llm_router.core.settings import VAPID_KEY_FILE_NAME, Settings
from llm_router.db.server_lock import exclusive, sqlite_path

DB_MEMBER = "llm-router.db"
MANIFEST = "backup.json"
MEMBERS = frozenset({DB_MEMBER, KEY_FILE_NAME, VAPID_KEY_FILE_NAME, MANIFEST})
PREFIX = "llm-router-backup-"
SUFFIX = ".tar.gz"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    database_bytes: int
    with_key: bool


def database_file(settings: Settings) -> Path:
    path = sqlite_path(settings.effective_database_url)
    if path is None:
        raise BackupError(
            "db backup/restore copy the SQLite database; for PostgreSQL use pg_dump / pg_restore "
            "(see the README, 'Backups')"
        )
    return path


def default_name(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S-%f")
    return f"{PREFIX}{stamp}{SUFFIX}"


def backup(settings: Settings, target: Path | None = None) -> BackupResult:
    """Write an archive to ``target`` (a file, or a folder to put a dated one in; default: the backup
    folder) while the server may keep running."""
    import tarfile  # with the first backup: a server that never makes one never loads it

    source = database_file(settings)
    if not source.exists():
        raise BackupError(f"there is no database at {source} (LLM_ROUTER_DATA_DIR / LLM_ROUTER_DATABASE_URL)")
    folder = settings.effective_backup_dir
    if target is None:
        target = folder / default_name()
    elif target.is_dir() or str(target).endswith(os.sep):
        target = target / default_name()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as work:
        copy = Path(work) / DB_MEMBER
        _online_copy(source, copy)
        key = settings.master_key_file
        with_key = settings.secret_key is None and key.exists()
        manifest = {
            "format": 1,
            "created_at": datetime.now(UTC).isoformat(),
            "llm_router_version": __version__,
            "database": DB_MEMBER,
            "master_key": KEY_FILE_NAME if with_key else "LLM_ROUTER_SECRET_KEY (not in this archive)",
        }
        partial = Path(work) / "archive.tar.gz"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(copy, arcname=DB_MEMBER)
            if with_key:
                tar.add(key, arcname=KEY_FILE_NAME)
            if (push_key := settings.data_dir / VAPID_KEY_FILE_NAME).is_file():
                tar.add(push_key, arcname=VAPID_KEY_FILE_NAME)
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
        os.replace(partial, target)  # a reader never sees a half-written archive
        return BackupResult(target, copy.stat().st_size, with_key)


def _online_copy(source: Path, copy: Path) -> None:
    """SQLite's backup API in one step: one consistent snapshot, writers carry on meanwhile."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        _check(dst, "the copy")
    finally:
        dst.close()
        src.close()


def _check(conn: sqlite3.Connection, what: str) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()
    if not result or result[0] != "ok":
        raise BackupError(f"{what} failed SQLite's integrity check: {result[0] if result else '?'}")


def restore(settings: Settings, archive: Path) -> list[str]:
    """Put an archive's database (and key file) in place; refuses while a server runs on the database.
    Whatever is replaced is kept beside it as ``*.before-restore-<time>``. Returns what was done."""
    target = database_file(settings)
    if not archive.is_file():
        raise BackupError(f"no backup archive at {archive}")
    target.parent.mkdir(parents=True, exist_ok=True)
    done: list[str] = []
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".restore-") as work:
        extracted = _extract(archive, Path(work))
        if DB_MEMBER not in extracted:
            raise BackupError(f"{archive} holds no {DB_MEMBER}: not an llm-router backup")
        conn = sqlite3.connect(extracted[DB_MEMBER])
        try:
            _check(conn, "the archived database")
        finally:
            conn.close()
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        with exclusive(target):
            for suffix in ("", "-wal", "-shm"):  # an old WAL must never be replayed onto the new file
                old = target.with_name(target.name + suffix)
                if old.exists():
                    kept = old.with_name(f"{target.name}.before-restore-{stamp}{suffix}")
                    old.rename(kept)
                    if not suffix:
                        done.append(f"kept the previous database as {kept}")
            os.replace(extracted[DB_MEMBER], target)
            done.append(f"restored the database to {target}")
            if KEY_FILE_NAME in extracted:
                done.append(_restore_secret(settings.master_key_file, extracted[KEY_FILE_NAME], stamp))
            if VAPID_KEY_FILE_NAME in extracted:
                push_key = settings.data_dir / VAPID_KEY_FILE_NAME
                done.append(_restore_secret(push_key, extracted[VAPID_KEY_FILE_NAME], stamp))
    if settings.secret_key is not None:
        done.append("LLM_ROUTER_SECRET_KEY is set: it must be the key the backup was made with")
    return done


def _restore_secret(key: Path, source: Path, stamp: str) -> str:
    """Put a key file (the master key, the Web Push key) in place, keeping a different one beside it."""
    if key.exists():
        if key.read_bytes() == source.read_bytes():
            return f"the key file {key} already matches"
        key.rename(key.with_name(f"{key.name}.before-restore-{stamp}"))
    key.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(source.read_bytes())
    return f"restored the key file {key} (mode 0600)"


def _extract(archive: Path, into: Path) -> dict[str, Path]:
    """Only the known regular files, by name; nothing else in the archive is ever written."""
    import tarfile

    found: dict[str, Path] = {}
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            for member in tar.getmembers():
                if member.name not in MEMBERS or not member.isfile():
                    continue
                handle = tar.extractfile(member)
                if handle is None:
                    continue
                path = into / member.name
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(handle, out)
                found[member.name] = path
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"cannot read the backup archive {archive}: {exc}") from None
    return found


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` dated archives in ``folder`` (names sort by time)."""
    archives = sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())
    removed = archives[:-keep] if keep > 0 else archives
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
