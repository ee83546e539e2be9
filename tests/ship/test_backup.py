"""``llm-router db backup`` / ``db restore``: a backup taken while an answer streams restores into an empty
data dir intact (integrity check, every committed message, the master key), and a restore refuses a
database a server is running on. Scheduled backups keep only the newest few."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from llm_router.api.app import create_app
from llm_router.cli.main import main
from llm_router.core.settings import Settings
from llm_router.db.backup import backup, default_name
from llm_router.db.backup_schedule import BackupSchedule
from llm_router.services.keys.master_key import create_key_file, key_file
from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.support.chat import new_conversation, send, use_fake_provider, wait_final
from tests.support.server import LiveServer
from tests.support.waiting import wait_until


@pytest.fixture
def backend() -> str:
    return "sqlite"  # db backup/restore copy SQLite files; PostgreSQL uses pg_dump (README)


def database_path(settings: Settings) -> Path:
    return Path(settings.effective_database_url.split(":///", 1)[1])


def message_rows(path: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("select id, status, content from messages").fetchall()
    return {row[0]: (row[1], str(row[2])) for row in rows}


@pytest.fixture
def running(
    settings: Settings, fake_provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, httpx.Client]]:
    use_fake_provider(monkeypatch, fake_provider)
    create_key_file(settings)
    server = LiveServer(create_app(settings)).start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield server, client
    server.stop()


def use_settings(monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str | None) -> None:
    monkeypatch.setenv("LLM_ROUTER_DATA_DIR", str(data_dir))
    if database_url:
        monkeypatch.setenv("LLM_ROUTER_DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("LLM_ROUTER_DATABASE_URL", raising=False)


def test_backup_while_streaming_restores_into_an_empty_data_dir(
    running: tuple[LiveServer, httpx.Client],
    settings: Settings,
    fake_provider: FakeProvider,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, client = running
    push_key = client.get("/api/push/key").json()["public_key"]  # makes the Web Push key file
    conversation = new_conversation(client)
    for n in range(3):
        turn = send(client, conversation["id"], f"question {n}")
        assert wait_final(client, turn["assistant_message"]["id"])["status"] == "complete"
    fake_provider.enqueue(Behaviour(chunks=[f"word{n} " for n in range(40)], pause_after=5))
    streaming_id = send(client, conversation["id"], "a long one")["assistant_message"]["id"]
    fake_provider.wait_until_paused()
    source = database_path(settings)
    wait_until(lambda: message_rows(source)[streaming_id][1], message="the partial answer flushed")
    committed = message_rows(source)

    archive = tmp_path / "backups" / "now.tar.gz"
    use_settings(monkeypatch, settings.data_dir, settings.database_url)
    assert main(["db", "backup", str(archive)]) == 0
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds the master key
    # The server is still running on this database: a restore onto it is refused, nothing replaced.
    before = source.stat().st_ino
    capsys.readouterr()
    assert main(["db", "restore", str(archive)]) == 1
    assert "a server is running" in capsys.readouterr().err
    assert source.stat().st_ino == before
    fake_provider.release()
    assert wait_final(client, streaming_id)["status"] == "complete"

    fresh = tmp_path / "fresh-data"
    use_settings(monkeypatch, fresh, None)
    assert main(["db", "restore", str(archive)]) == 0
    restored_db = fresh / "llm-router.db"
    with sqlite3.connect(restored_db) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
    restored = message_rows(restored_db)
    assert committed.keys() <= restored.keys()
    for message_id, (status, content) in committed.items():
        if message_id != streaming_id:
            assert restored[message_id] == (status, content)
    assert restored[streaming_id][1].startswith(committed[streaming_id][1])  # the text as far as flushed
    restored_key = fresh / "secret.key"
    assert restored_key.read_bytes() == key_file(settings).read_bytes()
    assert stat.S_IMODE(restored_key.stat().st_mode) == 0o600
    restored_push_key = fresh / "vapid_private.pem"
    assert restored_push_key.read_bytes() == (settings.data_dir / "vapid_private.pem").read_bytes()
    assert stat.S_IMODE(restored_push_key.stat().st_mode) == 0o600

    # The restored data dir serves: the answer cut by the backup is "interrupted" with its text.
    restored_settings = Settings(_env_file=None, data_dir=fresh, auth="none")  # type: ignore[call-arg]
    server = LiveServer(create_app(restored_settings)).start()
    try:
        answer = httpx.get(f"{server.url}/api/messages/{streaming_id}", timeout=10).json()
        # the same Web Push identity: devices subscribed before the move keep receiving notices
        assert httpx.get(f"{server.url}/api/push/key", timeout=10).json()["public_key"] == push_key
    finally:
        server.stop()
    assert answer["status"] == "interrupted"
    assert answer["content"].startswith("word0 word1")


def test_restore_refuses_an_archive_that_is_not_a_backup(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tar file")
    use_settings(monkeypatch, tmp_path / "empty", None)
    assert main(["db", "restore", str(bogus)]) == 1
    assert "cannot read the backup archive" in capsys.readouterr().err
    assert not (tmp_path / "empty" / "llm-router.db").exists()


def test_scheduled_backups_keep_the_newest(make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings(backup_keep=2, backup_interval_hours=24)
    schedule = BackupSchedule(settings)
    stale = settings.effective_backup_dir / default_name().replace("-backup-2", "-backup-1")
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")  # an older archive: named for an earlier time
    for _ in range(3):
        asyncio.run(schedule.run_once())
    kept = sorted(p.name for p in settings.effective_backup_dir.glob("llm-router-backup-*"))
    assert len(kept) == 2
    assert stale.name not in kept
    assert backup(settings, tmp_path).path.parent == tmp_path  # a folder target gets a dated name
