"""Shared by the packaging tests: the files a clone of the repository holds, and a PATH without Node."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NODE_TOOLS = {"node", "nodejs", "npm", "npx", "corepack"}


def clone_files(into: Path) -> Path:
    """The tracked and untracked-but-not-ignored files (what a clone plus this change holds): no web
    build, no node_modules."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    into.mkdir(parents=True)
    for name in filter(None, listed):
        source = REPO / name
        if name.startswith("frontend/node_modules") or not source.is_file():
            continue
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return into


def path_without_node(folder: Path) -> str:
    """A PATH holding every command of this machine except Node.js and npm (Debian's /bin is /usr/bin)."""
    folder.mkdir(parents=True, exist_ok=True)
    for directory in ("/usr/local/bin", "/usr/bin"):
        for tool in Path(directory).iterdir():
            link = folder / tool.name
            if tool.name not in NODE_TOOLS and not link.exists():
                link.symlink_to(tool)
    uv = shutil.which("uv")
    assert uv, "uv is needed to build the wheel"
    return f"{Path(uv).parent}:{folder}"


@pytest.fixture(scope="session")
def no_node_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return path_without_node(tmp_path_factory.mktemp("no-node") / "bin")


__all__ = ["clone_files", "path_without_node"]
