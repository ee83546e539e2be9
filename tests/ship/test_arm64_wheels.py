"""Every runtime dependency in uv.lock resolves to a wheel for linux aarch64 (a Raspberry Pi 5 installs
without a compiler)."""

from __future__ import annotations

import subprocess
import tomllib

from tests.ship.conftest import REPO


def test_every_runtime_dependency_has_a_linux_aarch64_wheel() -> None:
    """A Raspberry Pi needs no compiler: each locked runtime package has a wheel for aarch64 (or any)."""
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    packages = {p["name"]: p for p in lock["package"]}
    runtime = subprocess.run(
        ["uv", "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "--no-header"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line for line in runtime.splitlines() if "==" in line and not line.startswith("#")]
    names = [line.split("==")[0].strip() for line in lines if "sys_platform == 'win32'" not in line]
    assert len(names) > 20
    missing = []
    for name in names:
        wheels = [w["url"].rsplit("/", 1)[-1] for w in packages[name].get("wheels", [])]
        ok = any(w.endswith("-none-any.whl") or ("aarch64" in w and "linux" in w) for w in wheels)
        if not ok:
            missing.append(name)
    assert missing == [], f"no linux aarch64 wheel for {missing}"
