"""``llm-router user …`` and ``secret generate``: accounts from the shell, passwords from stdin."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

import pytest

from llm_router.cli.main import main as cli_main
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.services.accounts import auth
from llm_router.services.accounts.limits import FailureThrottle
from llm_router.services.keys.master_key import decode_key


@pytest.fixture
def cli(
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., tuple[int, str, str]]:
    settings = make_settings(auth="password")
    monkeypatch.setenv("LLM_ROUTER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LLM_ROUTER_DATABASE_URL", settings.effective_database_url)

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = cli_main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    run.settings = settings  # type: ignore[attr-defined]
    return run


def can_sign_in(settings: Settings, username: str, password: str) -> bool:
    async def check() -> bool:
        db = Database(settings.effective_database_url)
        try:
            guard = auth.LoginGuard(FailureThrottle(limit=100), FailureThrottle(limit=100))
            await auth.authenticate(db, guard, username, password, "127.0.0.1")
            return True
        except auth.Unauthorized:
            return False
        finally:
            await db.dispose()

    return asyncio.run(check())


def test_user_commands_from_the_shell(cli) -> None:  # type: ignore[no-untyped-def]
    settings = cli.settings
    code, out, _ = cli("user", "create", "root", "--admin", stdin="first-admin-pw\n")
    assert code == 0
    assert "created admin root" in out
    # The first admin claims the owner account: the setup screen is gone.
    assert cli("user", "create", "root2", "--admin", stdin="second-admin-pw\n")[0] == 0
    code, out, _ = cli("user", "create", "kid", stdin="kid-password-1\n")
    assert code == 0
    assert "created user kid" in out
    code, _, err = cli("user", "create", "kid", stdin="kid-password-1\n")
    assert code == 1
    assert "taken" in err
    assert len(err.strip().splitlines()) == 1
    code, out, _ = cli("user", "list")
    lines = out.splitlines()
    assert any(
        "root " in line and "admin" in line and "00000000000000000000000000000001" in line for line in lines
    )
    assert any("kid" in line and "user" in line and "active" in line for line in lines)
    assert "password" not in out
    assert "argon2" not in out
    assert can_sign_in(settings, "kid", "kid-password-1")
    assert cli("user", "passwd", "kid", stdin="kid-password-2\n")[0] == 0
    assert not can_sign_in(settings, "kid", "kid-password-1")
    assert can_sign_in(settings, "kid", "kid-password-2")
    code, out, _ = cli("user", "disable", "kid")
    assert code == 0
    assert "revoked" in out
    assert not can_sign_in(settings, "kid", "kid-password-2")
    assert "disabled" in cli("user", "list")[1]


def test_bad_input_gives_one_clear_line(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("user", "create", "x", stdin="short\n")
    assert code == 1
    assert "too short" in err
    code, _, err = cli("user", "create", "bad name!", stdin="long-enough-pw\n")
    assert code == 1
    assert "username" in err
    code, _, err = cli("user", "disable", "ghost")
    assert code == 1
    assert "ghost" in err


def test_secret_generate_prints_a_usable_key(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("secret", "generate")
    assert code == 0
    assert len(decode_key(out.strip(), "test")) == 32
