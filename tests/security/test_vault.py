"""The key vault: keys shown as …last4, scoped to owners, bound to their host, master-key checks."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Callable

import httpx
import pytest

from llm_router.api.app import create_app
from llm_router.cli.main import main as cli_main
from llm_router.core.errors import StartupError
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.services.keys.master_key import generate_key_text
from llm_router.services.keys.vault import open_cipher
from llm_router.testing import FakeProvider
from tests.support.chat import FAKE_KEY
from tests.support.server import LiveServer

SECRET = "sk-vault-test-key-abcdef-9876"


def add_key(client: httpx.Client, fake: FakeProvider, **fields: object) -> httpx.Response:
    body = {"name": "myproxy", "protocol": "openai", "base_url": fake.openai_base_url, "api_key": SECRET}
    return client.post("/api/keys", json={**body, **fields})


def test_key_is_stored_and_shown_only_as_last4(admin: httpx.Client, fake_provider: FakeProvider) -> None:
    created = add_key(admin, fake_provider)
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["key_hint"] == "…9876"
    assert key["scope"] == "instance"
    assert key["source"] == "vault"
    assert key["read_only"] is False
    assert SECRET not in created.text
    listing = admin.get("/api/keys")
    assert SECRET not in listing.text
    assert FAKE_KEY not in listing.text
    by_name = {k["name"]: k for k in listing.json()["items"]}
    assert by_name["openai"]["source"] == "env"
    assert by_name["openai"]["read_only"] is True
    assert by_name["openai"]["key_hint"] == f"…{FAKE_KEY[-4:]}"


def test_test_key_lists_models_through_the_guarded_client(
    admin: httpx.Client, fake_provider: FakeProvider
) -> None:
    key_id = add_key(admin, fake_provider).json()["id"]
    result = admin.post(f"/api/keys/{key_id}/test").json()
    assert result["ok"] is True, result
    assert SECRET not in str(result)
    env = admin.post("/api/keys/env-openai/test").json()
    assert env["ok"] is True, env


def test_instance_keys_feed_the_provider_registry(
    server: LiveServer, admin: httpx.Client, fake_provider: FakeProvider
) -> None:
    add_key(admin, fake_provider)
    registry = server.app.state.services.providers
    config = registry.get("myproxy")
    assert config is not None
    assert config.key_source == "vault"
    assert config.base_url == fake_provider.openai_base_url
    key_id = admin.get("/api/keys").json()["items"][-1]["id"]
    assert admin.delete(f"/api/keys/{key_id}").status_code == 204
    assert registry.get("myproxy") is None


def test_changing_the_base_url_needs_the_key_again(admin: httpx.Client, fake_provider: FakeProvider) -> None:
    key_id = add_key(admin, fake_provider).json()["id"]
    moved = admin.patch(f"/api/keys/{key_id}", json={"base_url": "http://127.0.0.1:9/v1"})
    assert moved.status_code == 422
    assert "enter the API key again" in moved.json()["error"]["message"]
    renamed = admin.patch(f"/api/keys/{key_id}", json={"name": "renamed"})
    assert renamed.status_code == 200
    assert renamed.json()["key_hint"] == "…9876"
    with_key = admin.patch(
        f"/api/keys/{key_id}",
        json={"base_url": "http://127.0.0.1:9/v1", "api_key": "sk-new-key-000011112222"},
    )
    assert with_key.status_code == 200
    assert with_key.json()["key_hint"] == "…2222"


def test_users_keep_their_own_keys_private(
    bob: httpx.Client, admin: httpx.Client, fake_provider: FakeProvider
) -> None:
    instance_id = add_key(admin, fake_provider).json()["id"]
    assert add_key(bob, fake_provider, scope="instance", name="bobs").status_code == 403
    bobs = add_key(bob, fake_provider, name="bobs")
    assert bobs.status_code == 201
    assert bobs.json()["scope"] == "user"
    bob_key = bobs.json()["id"]
    # Bob sees the instance key read-only and cannot change it.
    seen = {k["id"]: k for k in bob.get("/api/keys").json()["items"]}
    assert seen[instance_id]["read_only"] is True
    assert bob.patch(f"/api/keys/{instance_id}", json={"name": "x"}).status_code == 403
    assert bob.delete(f"/api/keys/{instance_id}").status_code == 403
    # Alice (even as admin) does not see Bob's key at all.
    assert bob_key not in {k["id"] for k in admin.get("/api/keys").json()["items"]}
    for response in (
        admin.patch(f"/api/keys/{bob_key}", json={"name": "stolen"}),
        admin.delete(f"/api/keys/{bob_key}"),
        admin.post(f"/api/keys/{bob_key}/test"),
    ):
        assert response.status_code == 404


def test_unallowlisted_private_url_is_refused_at_save_time(
    make_settings: Callable[..., Settings], fake_provider: FakeProvider
) -> None:
    from tests.security.conftest import ADMIN_PASSWORD, browser, start_server

    live = start_server(create_app(make_settings(auth="password")))
    try:
        with browser(live.url) as client:
            client.post("/api/auth/setup", json={"username": "alice", "password": ADMIN_PASSWORD})
            refused = add_key(client, fake_provider)
            assert refused.status_code == 422
            assert "LLM_ROUTER_ALLOWED_PRIVATE_HOSTS" in refused.json()["error"]["message"]
    finally:
        live.stop()


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def _store_a_secret(settings: Settings) -> None:
    from llm_router.db.models import User
    from llm_router.services.keys.ssrf import AddressPolicy
    from llm_router.services.keys.vault import KeyInput, Vault

    db = Database(settings.effective_database_url)
    try:
        cipher = await open_cipher(settings, db)
        vault = Vault(db, cipher, AddressPolicy.from_entries(["127.0.0.1"]))
        owner = User(id="00000000000000000000000000000001", username="admin", role="admin")
        await vault.create(
            owner, KeyInput(name="x", protocol="openai", base_url="http://127.0.0.1:9", api_key=SECRET), set()
        )
    finally:
        await db.dispose()


async def _open(settings: Settings) -> None:
    db = Database(settings.effective_database_url)
    try:
        await open_cipher(settings, db)
    finally:
        await db.dispose()


def test_generated_key_file_is_private(settings: Settings) -> None:
    run(_open(settings))
    mode = stat.S_IMODE(os.stat(settings.data_dir / "secret.key").st_mode)
    assert mode == 0o600


def test_wrong_or_missing_master_key_refuses_to_start(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    run(_store_a_secret(settings))
    run(_open(settings))  # the right key: fine
    wrong = make_settings(secret_key=generate_key_text())
    with pytest.raises(StartupError, match="wrong key"):
        run(_open(wrong))
    (settings.data_dir / "secret.key").unlink()
    with pytest.raises(StartupError, match="no master key"):
        run(_open(settings))


def test_bad_master_key_setting_is_one_clear_line(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(StartupError, match="LLM_ROUTER_SECRET_KEY"):
        run(_open(make_settings(secret_key="too-short")))


def test_cli_refuses_to_start_with_the_wrong_master_key(
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = make_settings()
    run(_store_a_secret(settings))
    monkeypatch.setenv("LLM_ROUTER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LLM_ROUTER_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("LLM_ROUTER_SECRET_KEY", generate_key_text())
    assert cli_main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "wrong key" in err[0]


def test_secret_rotate_reencrypts_under_a_new_key(
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = make_settings()
    run(_store_a_secret(settings))
    old_key = (settings.data_dir / "secret.key").read_text()
    monkeypatch.setenv("LLM_ROUTER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LLM_ROUTER_DATABASE_URL", settings.effective_database_url)
    assert cli_main(["secret", "rotate"]) == 0
    assert "re-encrypted 1 stored key" in capsys.readouterr().out
    new_key = (settings.data_dir / "secret.key").read_text()
    assert new_key != old_key
    run(_open(settings))  # the new key file decrypts everything
    with pytest.raises(StartupError):
        run(_open(make_settings(secret_key=old_key.strip())))


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"api_key": "sk-ünïcode-key-1234"}, "invalid_key"),  # could never go into a header (was a 500)
        ({"api_key": "sk-with space-1234"}, "invalid_key"),
        ({"base_url": "http://a..b/v1"}, "invalid_url"),  # name resolution cannot encode it (was a 500)
        ({"base_url": f"http://{'x' * 70}.example/v1"}, "invalid_url"),
    ],
)
def test_keys_and_hosts_that_cannot_be_used_are_refused(
    admin: httpx.Client, fake_provider: FakeProvider, fields: dict[str, str], code: str
) -> None:
    refused = add_key(admin, fake_provider, **fields)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == code
    key_id = add_key(admin, fake_provider).json()["id"]
    changed = admin.patch(f"/api/keys/{key_id}", json={"api_key": "sk-ünïcode-key-1234"})
    assert changed.status_code == 422, changed.text
