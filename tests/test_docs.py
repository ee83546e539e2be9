"""Documentation is checked: every setting is in the README's table, and every row is a real setting."""

from __future__ import annotations

import re
from pathlib import Path

from llm_router.core.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_settings() -> set[str]:
    return set(re.findall(r"^\| `(LLM_ROUTER_[A-Z_]+)` \|", README.read_text(), flags=re.M))


def test_every_setting_is_documented_in_the_readme_table() -> None:
    expected = {f"LLM_ROUTER_{name.upper()}" for name in Settings.model_fields}
    documented = readme_settings()
    assert expected - documented == set(), "settings missing from README's configuration table"
    assert documented - expected == set(), "README documents settings that do not exist"


def test_readme_gives_the_two_commands_near_the_top() -> None:
    head = README.read_text()[:2500]
    assert "./scripts/serve" in head
    assert "./scripts/test" in head
