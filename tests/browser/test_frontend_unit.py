"""Runs the web app's own unit tests (frontend/tests, node's test runner): SSE parsing and resume,
fuzzy matching, the slash-command table."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.browser.conftest import ROOT


def test_frontend_unit_tests_pass(web_build: Path) -> None:
    result = subprocess.run(
        ["npm", "test", "--silent"], cwd=ROOT / "frontend", capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "# fail 0" in result.stdout
