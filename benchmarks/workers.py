"""Several worker processes on one SQLite file: ``uv run python benchmarks/workers.py``.

Two measurements, each against real ``llm-router serve`` processes and fake providers on loopback:

- **throughput** of routed ``/v1/chat/completions`` calls at 1, 2 and N workers (each load task has its
  own connection, so the client pool is not the ceiling);
- **the 100-user chat load** on SQLite: 100 simulated users for ``--seconds`` each doing what people do
  in the web chat (send a message and follow its answer over SSE, open a conversation, list, search,
  rename), reporting write p50/p99 (sending, renaming) and read p50/p99 (opening, listing, searching).

``--base DIR`` also runs the chat load against another checkout (e.g. ``git worktree add`` of an older
commit with its own ``uv sync``), interleaved with this one, so a before/after is measured in the same
minutes on the same noisy machine. Targets are goals, not tests: writes p99 ≤ 250 ms at 100 users.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import PYTHON, ROOT, free_port, percentile

KEY = "sk-bench-0000000000000000"
WORDS = [
    "apple",
    "river",
    "stone",
    "cloud",
    "garden",
    "piano",
    "window",
    "rocket",
    "forest",
    "silver",
    "lantern",
    "harbor",
]
WRITE_P99_TARGET_MS = 250.0


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


@dataclass
class Server:
    """One ``llm-router serve`` (from ``root``'s environment) with its own data dir and fake providers."""

    workdir: Path
    root: Path = ROOT
    workers: int = 1
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    port: int = 0

    @property
    def python(self) -> str:
        venv = self.root / ".venv" / "bin" / "python"
        return str(venv) if venv.exists() else PYTHON

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, args: list[str], env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"{name}.log").open("ab")
        proc = subprocess.Popen(args, env={**os.environ, **env}, cwd=self.root, stdout=log, stderr=log)
        log.close()
        self.procs.append(proc)
        return proc

    def start(self) -> Server:
        self.workdir.mkdir(parents=True, exist_ok=True)
        fakes = {}
        for name, extra in (("plain", []), ("slow", ["--chunks", "20", "--delay", "0.05"])):
            port = free_port()
            proc = self._spawn(
                [self.python, "-m", "llm_router.testing.fake_provider", "--port", str(port), *extra],
                {},
                f"fake-{name}",
            )
            fakes[name] = f"http://127.0.0.1:{port}"
            self._wait_fake(fakes[name], proc)
        (self.workdir / "providers.yaml").write_text(
            "providers:\n"
            + "".join(
                f"  - {{name: {name}, base_url: '{url}/v1', api_key: {KEY}, models: [fake]}}\n"
                for name, url in fakes.items()
            )
        )
        self.port = free_port()
        env = {
            "LLM_ROUTER_DATA_DIR": str(self.workdir / "data"),
            "LLM_ROUTER_DATABASE_URL": "",
            "LLM_ROUTER_REDIS_URL": "",
            "LLM_ROUTER_AUTH": "none",
            "LLM_ROUTER_PORT": str(self.port),
            "LLM_ROUTER_HOST": "127.0.0.1",
            "LLM_ROUTER_LOG_LEVEL": "WARNING",
            "LLM_ROUTER_PROVIDERS_FILE": str(self.workdir / "providers.yaml"),
            "OPENAI_API_KEY": "",
            "ANTHROPIC_API_KEY": "",
            "OPENROUTER_API_KEY": "",
            "OLLAMA_BASE_URL": "",
        }
        # always named: serve's default is one worker per core, so "1" must be said
        args = [self.python, "-m", "llm_router", "serve", "--workers", str(self.workers)]
        proc = self._spawn(args, env, "server")
        try:
            _wait_http(f"{self.url}/health", proc, timeout=240)
        except RuntimeError:
            self.stop()  # never leave a half-started server or its fakes behind
            raise
        return self

    @staticmethod
    def _wait_fake(url: str, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/v1/models", headers={"authorization": f"Bearer {KEY}"}, timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the fake provider did not come up")

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()


def _ms(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "p50": round(percentile(ms, 50), 1),
        "p99": round(percentile(ms, 99), 1),
        "max": round(max(ms), 1) if ms else float("nan"),
        "n": len(ms),
    }


# ------------------------------------------------------------------ throughput


async def throughput(url: str, seconds: float, concurrency: int = 32) -> dict[str, Any]:
    """Non-streamed routed calls; every task has its own connection (one keep-alive each)."""
    body = {"model": "plain/fake", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 16}
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def task() -> None:
        nonlocal errors
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    response = await client.post(f"{url}/v1/chat/completions", json=body)
                    if response.status_code == 200:
                        latencies.append(time.perf_counter() - t0)
                    else:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(task() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"rps": round(len(latencies) / elapsed, 1), "latency_ms": _ms(latencies), "errors": errors}


# ------------------------------------------------------------------ 100 users


@dataclass
class Load:
    writes: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def _timed(load: Load, bucket: list[float], what: str, call: Any) -> httpx.Response | None:
    t0 = time.perf_counter()
    try:
        response: httpx.Response = await call
    except httpx.HTTPError as exc:
        load.error(f"{what}: {type(exc).__name__}")
        return None
    if response.status_code >= 400:
        load.error(f"{what}: {response.status_code} {response.text[:80]}")
        return None
    bucket.append(time.perf_counter() - t0)
    return response


async def _follow(client: httpx.AsyncClient, load: Load, message_id: str) -> None:
    try:
        async with client.stream("GET", f"/api/messages/{message_id}/stream") as response:
            event = ""
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "done":
                    status = json.loads(line[6:])["status"]
                    load.answers[status] = load.answers.get(status, 0) + 1
                    return
    except httpx.HTTPError as exc:
        load.error(f"stream: {type(exc).__name__}")


async def _user(url: str, deadline: float, load: Load, rng: random.Random) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        created = await _timed(
            load, load.writes, "create", client.post("/api/conversations", json={"model": "slow/fake"})
        )
        if created is None:
            return
        cid = created.json()["id"]
        while time.perf_counter() < deadline:
            roll = rng.random()
            if roll < 0.3:
                words = " ".join(rng.choice(WORDS) for _ in range(6))
                sent = await _timed(
                    load,
                    load.writes,
                    "send",
                    client.post(f"/api/conversations/{cid}/messages", json={"content": words}),
                )
                if sent is not None:
                    await _follow(client, load, sent.json()["assistant_message"]["id"])
            elif roll < 0.6:
                await _timed(load, load.reads, "open", client.get(f"/api/conversations/{cid}"))
            elif roll < 0.8:
                await _timed(load, load.reads, "list", client.get("/api/conversations?limit=50"))
            elif roll < 0.9:
                q = rng.choice(WORDS)
                await _timed(load, load.reads, "search", client.get(f"/api/search?q={q}"))
            else:
                title = " ".join(rng.choice(WORDS) for _ in range(3))
                await _timed(
                    load,
                    load.writes,
                    "rename",
                    client.patch(f"/api/conversations/{cid}", json={"title": title}),
                )
            await asyncio.sleep(rng.uniform(0.3, 1.5))  # a person reads and types between actions


async def chat_load(url: str, users: int, seconds: float, seed: int = 1) -> dict[str, Any]:
    load = Load()
    deadline = time.perf_counter() + seconds
    rng = random.Random(seed)
    started = time.perf_counter()
    await asyncio.gather(*(_user(url, deadline, load, random.Random(rng.random())) for _ in range(users)))
    elapsed = time.perf_counter() - started
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "write_ms": _ms(load.writes),
        "read_ms": _ms(load.reads),
        "answers": load.answers,
        "errors": load.errors,
        "locked_errors": sum(n for what, n in load.errors.items() if "locked" in what),
    }


# ------------------------------------------------------------------ driver


def _run_load(root: Path, workdir: Path, workers: int, users: int, seconds: float) -> dict[str, Any]:
    server = Server(workdir, root=root, workers=workers).start()
    try:
        result = asyncio.run(chat_load(server.url, users, seconds))
    finally:
        server.stop()
    result["workers"] = workers
    result["checkout"] = str(root)
    return result


def _run_throughput(workdir: Path, workers: int, seconds: float) -> dict[str, Any]:
    server = Server(workdir, workers=workers).start()
    try:
        asyncio.run(throughput(server.url, 2.0))  # warm-up: connections, the catalog, caches
        result = asyncio.run(throughput(server.url, seconds))
    finally:
        server.stop()
    result["workers"] = workers
    return result


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


async def measure(stack: object, quick: bool) -> dict[str, Any]:
    """The ``workers`` step of ``benchmarks/run.py``: routed throughput at 1, 2 and N processes, each
    run on its own servers in a thread (the 100-user chat load stays a run of its own: ``main``)."""
    seconds = 2.0 if quick else 8.0
    flat: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        for n in sorted({1, 2, default_workers()}):
            row = await asyncio.to_thread(_run_throughput, Path(tmp) / f"tp-{n}", n, seconds)
            flat[f"req/s at {n} worker{'s' if n > 1 else ''}"] = row["rps"]
            flat[f"p99 ms at {n} worker{'s' if n > 1 else ''}"] = row["latency_ms"]["p99"]
    return flat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the chat load")
    parser.add_argument("--throughput-seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=default_workers(), help="N for the chat load")
    parser.add_argument("--base", type=Path, help="another checkout to measure interleaved (before)")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds with --base")
    parser.add_argument("--skip", choices=("throughput", "load"), action="append", default=[])
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        work = Path(tmp)
        if "throughput" not in args.skip:
            counts = sorted({1, 2, default_workers()})
            results["throughput"] = [
                _run_throughput(work / f"tp-{n}", n, args.throughput_seconds) for n in counts
            ]
            for row in results["throughput"]:
                print(
                    f"throughput  workers={row['workers']}: {row['rps']} req/s, "
                    f"p50 {row['latency_ms']['p50']} ms, p99 {row['latency_ms']['p99']} ms, "
                    f"errors {row['errors']}",
                    flush=True,
                )
        if "load" not in args.skip:
            runs: list[dict[str, Any]] = []
            for i in range(args.rounds):
                plan = [(ROOT, 1), (ROOT, args.workers)]
                if args.base:
                    plan.insert(0, (args.base.resolve(), 1))
                for j, (root, workers) in enumerate(plan):
                    row = _run_load(root, work / f"load-{i}-{j}", workers, args.users, args.seconds)
                    runs.append(row)
                    label = "base" if root != ROOT else "this"
                    print(
                        f"chat load   {label} workers={workers} users={row['users']}: "
                        f"writes p50 {row['write_ms']['p50']} / p99 {row['write_ms']['p99']} ms "
                        f"(n={row['write_ms']['n']}), reads p50 {row['read_ms']['p50']} / "
                        f"p99 {row['read_ms']['p99']} ms (n={row['read_ms']['n']}), "
                        f"answers {row['answers']}, errors {row['errors']} "
                        f"[target: writes p99 ≤ {WRITE_P99_TARGET_MS:.0f} ms]",
                        flush=True,
                    )
            results["chat_load"] = runs
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "workers.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
