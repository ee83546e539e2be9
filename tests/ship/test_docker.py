"""The Docker image, built from this repository and run here for real (see ``docker_host``): under compose
it answers /health, serves the web app, completes a chat against the fake provider (on the host, the
container on the host network), keeps its data across ``down``/``up``, runs as a non-root user, and a
``docker stop`` ends a running answer ``interrupted`` with its text. Prints the image size and the cold
start (docs/benchmarks.md). One image build for the module."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import yaml

from llm_router.testing import FakeProvider
from llm_router.testing.script import Behaviour
from tests.ship.conftest import REPO, clone_files
from tests.ship.docker_host import CA_BUNDLE, NODE, PYTHON, UV, Daemon, ensure_packages
from tests.support.chat import FAKE_KEY, FINAL
from tests.support.server import free_port
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.docker, pytest.mark.slow]
IMAGE = "llm-router:test"
MODEL = "gpt-4o"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    ensure_packages()
    daemon = Daemon(tmp_path_factory.mktemp("docker")).start()
    try:
        daemon.ensure_base_images()
        yield daemon
    finally:
        daemon.run("rm", "-f", "-v", *_containers(daemon), check=False)
        daemon.stop()


def _containers(daemon: Daemon) -> list[str]:
    out = daemon.run(
        "ps", "-aq", "--filter", "label=com.docker.compose.project=llmrouterdockertest", check=False
    )
    return out.stdout.split() or ["none"]


@pytest.fixture(scope="module")
def image(daemon: Daemon, tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    context = clone_files(tmp_path_factory.mktemp("image") / "repo")
    args = [
        "--build-arg",
        f"PYTHON_IMAGE={PYTHON}",
        "--build-arg",
        f"NODE_IMAGE={NODE}",
        "--build-arg",
        f"UV_IMAGE={UV}",
    ]
    if CA_BUNDLE.exists():  # this machine's package traffic passes a TLS-inspecting proxy
        args += ["--secret", f"id=ca,src={CA_BUNDLE}"]
    daemon.run("build", "--network", "host", "-t", IMAGE, *args, str(context))
    size = int(daemon.run("image", "inspect", "-f", "{{.Size}}", IMAGE).stdout.strip())
    return {"size_mb": size / 1_000_000}


class Compose:
    """docker-compose (Debian's) on the repository's compose file, adapted to this host: the image built
    above, the host network (the daemon has no bridge), the fake provider as OpenAI."""

    def __init__(self, daemon: Daemon, folder: Path, fake: FakeProvider) -> None:
        self.daemon = daemon
        self.port = free_port()
        spec = yaml.safe_load((REPO / "docker-compose.yml").read_text())
        service = spec["services"]["llm-router"]
        service.pop("build")
        service.pop("ports")
        service["image"] = IMAGE
        service["network_mode"] = "host"
        service["environment"].update(
            OPENAI_API_KEY=FAKE_KEY,
            OPENAI_BASE_URL=fake.openai_base_url,
            LLM_ROUTER_AUTH="none",
            LLM_ROUTER_HOST="127.0.0.1",
            LLM_ROUTER_PORT=str(self.port),
        )
        folder.mkdir(parents=True, exist_ok=True)
        self.file = folder / "docker-compose.yml"
        self.file.write_text(yaml.safe_dump(spec))
        self.url = f"http://127.0.0.1:{self.port}"

    def __call__(self, *args: str) -> str:
        result = subprocess.run(
            ["docker-compose", "-p", "llmrouterdockertest", "-f", str(self.file), *args],
            env=self.daemon.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def container(self) -> str:
        return self("ps", "-q", "llm-router").strip()

    def up(self) -> float:
        """Start the service; seconds from the container's start to its first healthy answer (cold start)."""
        self("up", "-d")
        try:
            wait_until(self._healthy, timeout=60, interval=0.02, message="the container to answer /health")
        except AssertionError as exc:  # say why: the container's own log
            logs = self.daemon.run("logs", "--tail", "60", self.container(), check=False)
            raise AssertionError(f"{exc}\n{logs.stdout[-4000:]}{logs.stderr[-4000:]}") from None
        healthy = time.time()
        started = self.daemon.run("inspect", "-f", "{{.State.StartedAt}}", self.container()).stdout.strip()
        whole, _, fraction = started.rstrip("Z").partition(".")
        at = datetime.fromisoformat(whole + "+00:00").timestamp() + float(f"0.{fraction or 0}")
        return healthy - at

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake


def chat(url: str, text: str) -> tuple[str, str]:
    conversation = httpx.post(f"{url}/api/conversations", json={"model": MODEL}, timeout=10).json()
    turn = httpx.post(
        f"{url}/api/conversations/{conversation['id']}/messages", json={"content": text}, timeout=10
    )
    assert turn.status_code == 202, turn.text
    return conversation["id"], turn.json()["assistant_message"]["id"]


def final(url: str, message_id: str) -> dict[str, object]:
    return wait_until(
        lambda: httpx.get(f"{url}/api/messages/{message_id}", timeout=10).json(),
        accept=lambda m: m["status"] in FINAL,
        message="the answer to finish",
    )


def test_the_image_runs_under_compose(
    daemon: Daemon, image: dict[str, float], fake: FakeProvider, tmp_path: Path
) -> None:
    compose = Compose(daemon, tmp_path / "compose", fake)
    cold_start = compose.up()
    try:
        url = compose.url
        assert httpx.get(f"{url}/health").json()["status"] == "ok"
        page = httpx.get(f"{url}/", timeout=10)
        assert page.status_code == 200
        script = next(p for p in page.text.split('"') if p.startswith("/assets/") and p.endswith(".js"))
        assert httpx.get(f"{url}{script}", timeout=10).status_code == 200

        fake.enqueue(Behaviour(chunks=["Hello ", "from ", "the ", "container."]))
        conversation_id, message_id = chat(url, "hi")
        assert final(url, message_id)["content"] == "Hello from the container."

        container = compose.container()
        inspect = json.loads(daemon.run("inspect", container).stdout)[0]
        assert inspect["Config"]["User"] == "10001:10001"
        assert daemon.run("exec", container, "id", "-u").stdout.strip() == "10001"
        assert inspect["Config"]["Healthcheck"]["Test"][0] == "CMD"
        for tool in ("gcc", "cc", "node", "npm", "uv", "apt-get"):
            found = daemon.run("exec", container, "sh", "-c", f"command -v {tool} || true").stdout.strip()
            assert found == "" or tool == "apt-get", f"{tool} in the final image: {found}"

        compose("down")  # the named volume stays
        compose.up()
        kept = httpx.get(f"{url}/api/conversations/{conversation_id}", timeout=10).json()
        assert [m["content"] for m in kept["messages"]][-1] == "Hello from the container."

        fake.enqueue(Behaviour(chunks=[f"w{n} " for n in range(50)], pause_after=4))
        _, running_id = chat(url, "a long one")
        fake.wait_until_paused()
        container = compose.container()
        daemon.run("stop", "-t", "30", container)
        fake.release()
        state = json.loads(daemon.run("inspect", container).stdout)[0]["State"]
        assert state["ExitCode"] != 137, "killed instead of stopping gracefully"
        stored = read_message(daemon, container, running_id)  # straight from the volume, before any restart
        assert stored == ["interrupted", "w0 w1 w2 w3 "]
    finally:
        compose("down", "-v")
    image["cold_start_s"] = cold_start
    print(f"\nimage size: {image['size_mb']:.0f} MB; cold start to /health: {cold_start:.2f} s")


def read_message(daemon: Daemon, container: str, message_id: str) -> list[str]:
    script = (
        "import sqlite3, json; c = sqlite3.connect('/data/llm-router.db'); "
        "q = 'select status, content from messages where id = ?'; "
        f"print(json.dumps(list(c.execute(q, ('{message_id}',)).fetchone())))"
    )
    out = daemon.run(
        "run",
        "--rm",
        "--network",
        "none",
        "--volumes-from",
        container,
        "--entrypoint",
        "python",
        IMAGE,
        "-c",
        script,
    )
    return list(json.loads(out.stdout))
