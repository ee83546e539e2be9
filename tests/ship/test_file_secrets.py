"""Docker secrets: ``LLM_ROUTER_<SETTING>_FILE`` and ``<VENDOR>_API_KEY_FILE`` read the value from a file;
the plain variable wins; an unreadable file stops start-up with one line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_router.cli.main import main
from llm_router.core.settings import Settings
from llm_router.providers.config import load_provider_configs


def test_setting_and_provider_key_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "llm_router_key"
    key.write_text("a" * 43 + "=\n")
    openai = tmp_path / "openai"
    openai.write_text("sk-from-a-file-1234\n")
    monkeypatch.setenv("LLM_ROUTER_SECRET_KEY_FILE", str(key))
    monkeypatch.setenv("OPENAI_API_KEY_FILE", str(openai))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("LLM_ROUTER_SECRET_KEY", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == "a" * 43 + "="  # without the trailing newline
    configs = {c.name: c for c in load_provider_configs(settings)}
    assert configs["openai"].api_key == "sk-from-a-file-1234"

    monkeypatch.setenv("OPENAI_API_KEY", "sk-plain-variable-wins")
    assert {c.name: c for c in load_provider_configs(settings)}["openai"].api_key == "sk-plain-variable-wins"


def test_an_unreadable_secret_file_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LLM_ROUTER_SECRET_KEY_FILE", str(tmp_path / "missing"))
    monkeypatch.delenv("LLM_ROUTER_SECRET_KEY", raising=False)
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("llm-router: error: LLM_ROUTER_SECRET_KEY_FILE=")
    assert "cannot read the file" in err
