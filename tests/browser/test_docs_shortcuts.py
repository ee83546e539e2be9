"""The keyboard shortcut table in frontend/src/lib/shortcuts.ts and the README's list agree, both ways."""

from __future__ import annotations

import re

from tests.browser.conftest import ROOT

SHORTCUTS_TS = ROOT / "frontend" / "src" / "lib" / "shortcuts.ts"
README = ROOT / "README.md"


def test_every_shortcut_is_documented_and_every_documented_one_exists() -> None:
    table = set(re.findall(r'keys: "([^"]+)"', SHORTCUTS_TS.read_text()))
    readme = README.read_text()
    section = readme[readme.index("### Keyboard") :]
    section = section[: section.index("\n### ")]
    documented = set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.M))
    assert {"Ctrl+Shift+O", "Ctrl+K", "Ctrl+Shift+M", "/"} <= table
    assert table == documented
